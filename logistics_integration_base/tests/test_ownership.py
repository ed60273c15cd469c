from odoo.tests import tagged

from .common import IntegrationCase, envelope


@tagged("post_install", "-at_install")
class TestOwnership(IntegrationCase):
    def test_non_owner_write_refused_and_audited(self):
        # The TMS owns `ref` but not `phone`: the event may set only the former.
        event = envelope("ev-o", self.partner, self.at(8), "ETA 14:00")
        event["data"]["phone"] = "+1 555 0100"
        with self.jobs():
            [(message, _o, _r)] = self.receive(event)
        self.assertEqual(message.state, "done")
        self.assertEqual(self.partner.ref, "ETA 14:00")
        self.assertFalse(self.partner.phone)
        self.assertTrue(message.has_conflict)
        self.assertEqual(message.conflict_details["phone"]["owner"], "odoo")
        audit = self.env["logistics.audit.log"].search(
            [("action", "=", "ownership_conflict"), ("message_id", "=", message.id)]
        )
        self.assertEqual(audit.outcome, "refused")
        self.assertEqual(
            (audit.res_model, audit.res_id), ("res.partner", self.partner.id)
        )

    def test_split_keeps_callers_values(self):
        vals = {"ref": "x", "phone": "y"}
        allowed, refused = self.env["logistics.field.ownership"]._split_vals(
            "res.partner", vals, "tms"
        )
        self.assertEqual((allowed, refused), ({"ref": "x"}, {"phone": "y"}))
        self.assertEqual(vals, {"ref": "x", "phone": "y"})
