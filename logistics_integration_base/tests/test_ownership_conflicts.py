from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import IntegrationCase, envelope


@tagged("post_install", "-at_install")
class TestOwnershipConflicts(IntegrationCase):
    """A refused TMS write waits for a manager: accepted or rejected, audited."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="conflict-manager",
            groups="logistics_integration_base.group_integration_manager",
        )
        cls.reader = new_test_user(
            cls.env,
            login="conflict-reader",
            groups="logistics_integration_base.group_integration_user",
        )

    def refused_phone(self, event_id, phone):
        event = envelope(event_id, self.partner, self.at(8), "ETA 14:00")
        event["data"]["phone"] = phone
        with self.jobs():
            [(message, _o, _r)] = self.receive(event)
        conflict = self.env["logistics.ownership.conflict"].search(
            [("message_id", "=", message.id)]
        )
        self.assertEqual(len(conflict), 1)
        return message, conflict

    def decisions(self):
        return self.env["logistics.audit.log"].search(
            [
                ("action", "=", "ownership_conflict_decided"),
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.partner.id),
            ]
        )

    def test_refused_write_opens_a_conflict(self):
        message, conflict = self.refused_phone("ev-c1", "+1 555 0100")
        self.assertEqual(
            (
                conflict.res_model,
                conflict.res_id,
                conflict.field_name,
                conflict.owner,
                conflict.source,
                conflict.refused_value,
                conflict.state,
            ),
            (
                "res.partner",
                self.partner.id,
                "phone",
                "odoo",
                "tms",
                "+1 555 0100",
                "open",
            ),
        )
        self.assertEqual(conflict.company_id, message.company_id or self.env.company)
        self.assertFalse(self.partner.phone)

    def test_manager_accepts_the_refused_value(self):
        _message, conflict = self.refused_phone("ev-c2", "+1 555 0101")
        conflict.with_user(self.manager).action_accept()
        self.assertEqual(self.partner.phone, "+1 555 0101")
        self.assertEqual(conflict.state, "accepted")
        self.assertEqual(conflict.decided_by_id, self.manager)
        self.assertTrue(conflict.decided_at)
        [audit] = self.decisions()
        self.assertEqual((audit.outcome, audit.resolution), ("success", "accepted"))
        self.assertIn("phone", audit.details)
        with self.assertRaises(UserError):
            conflict.with_user(self.manager).action_accept()
        self.assertEqual(len(self.decisions()), 1, "decided once")

    def test_manager_rejects_and_the_owner_value_stays(self):
        self.partner.phone = "+32 2 000 00 00"
        _message, conflict = self.refused_phone("ev-c3", "+1 555 0102")
        conflict.with_user(self.manager).action_reject()
        self.assertEqual(self.partner.phone, "+32 2 000 00 00")
        self.assertEqual(conflict.state, "rejected")
        self.assertEqual(self.decisions().resolution, "rejected")

    def test_only_managers_decide(self):
        _message, conflict = self.refused_phone("ev-c4", "+1 555 0103")
        for method in ("action_accept", "action_reject"):
            with self.assertRaises(AccessError):
                getattr(conflict.with_user(self.reader), method)()
        self.assertEqual(conflict.state, "open")
        self.assertFalse(self.partner.phone)
        self.assertFalse(self.decisions())
        # Readers see the conflict, managers decide it.
        self.assertEqual(
            self.env["logistics.ownership.conflict"]
            .with_user(self.reader)
            .search([("id", "=", conflict.id)]),
            conflict,
        )

    def test_conflict_of_a_deleted_record_cannot_be_accepted(self):
        partner = self.env["res.partner"].create({"name": "Gone"})
        event = envelope("ev-c5", partner, self.at(9), "x")
        event["data"]["phone"] = "+1 555 0104"
        with self.jobs():
            [(message, _o, _r)] = self.receive(event)
        conflict = self.env["logistics.ownership.conflict"].search(
            [("message_id", "=", message.id)]
        )
        partner.unlink()
        with self.assertRaises(UserError):
            conflict.with_user(self.manager).action_accept()
        self.assertEqual(conflict.state, "open")
