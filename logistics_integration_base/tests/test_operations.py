from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..lib import states
from .common import IntegrationCase, envelope


@tagged("post_install", "-at_install")
class TestOperations(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reader = new_test_user(
            cls.env,
            login="integration-reader",
            groups="base.group_user,logistics_integration_base.group_integration_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="integration-manager",
            groups="base.group_user,logistics_integration_base.group_integration_manager",
        )

    def _dead_message(self, event_id="ev-x"):
        self.fail_next(event_id, ValueError("bad data"))
        with self.jobs():
            [(message, _o, _r)] = self.receive(
                envelope(event_id, self.partner, self.at(8), "x")
            )
        self.assertEqual(message.state, states.DEAD)
        return message

    def test_trace_lists_message_job_and_audit_under_one_correlation_id(self):
        self.fail_next("ev-t", ValueError("bad data"))
        with self.jobs():
            [(message, _o, _r)] = self.receive(
                envelope("ev-t", self.partner, self.at(8), "x"), correlation_id="corr-t"
            )
        self.env.flush_all()
        action = message.action_open_trace()
        rows = self.env["logistics.trace"].search(action["domain"])
        self.assertEqual(set(rows.mapped("kind")), {"message", "audit"})
        self.assertEqual(set(rows.mapped("correlation_id")), {"corr-t"})
        self.assertEqual(rows.filtered(lambda r: r.kind == "audit").state, "failure")

    def test_replay_is_for_managers_only(self):
        message = self._dead_message()
        with self.assertRaises(UserError):
            message.with_user(self.reader).action_replay()
        with self.assertRaises(AccessError):
            message.with_user(self.reader).write({"state": "queued"})
        with self.jobs():
            message.with_user(self.manager).action_replay()
        self.assertEqual(message.replayed_by_id, self.manager)
        # The handler acts for the integration, not with the manager's rights.
        self.assertEqual(message.state, states.DONE)

    def test_replay_many_from_the_list_action(self):
        first, second = self._dead_message("ev-l1"), self._dead_message("ev-l2")
        action = self.env.ref(
            "logistics_integration_base.logistics_message_action_replay"
        )
        with self.jobs():
            action.with_context(
                active_model="logistics.message", active_ids=(first | second).ids
            ).run()
        self.assertEqual((first | second).mapped("state"), [states.DONE, states.DONE])

    def test_secrets_are_for_managers_only(self):
        self.env["logistics.endpoint.secret"].create(
            {"endpoint_id": self.endpoint.id, "kind": "api_key", "value": "k"}
        )
        with self.assertRaises(AccessError):
            self.env["logistics.endpoint.secret"].with_user(self.reader).search([])
        secrets = self.env["logistics.endpoint.secret"].with_user(self.manager)
        self.assertEqual(
            len(secrets.search([("endpoint_id", "=", self.endpoint.id)])), 1
        )

    def test_other_company_messages_are_invisible(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.env["logistics.endpoint"].create(
            {
                "name": "Foreign TMS",
                "code": "foreign_tms",
                "system": "tms",
                "company_id": other_company.id,
            }
        )
        message, _o, _r = self.env["logistics.message"]._receive_batch(
            self.flow.code,
            [{"payload": envelope("ev-f", self.partner, self.at(8), "x")}],
            endpoint=foreign,
        )[0]
        self.assertEqual(message.company_id, other_company)
        visible = self.env["logistics.message"].with_user(self.reader).search([])
        self.assertNotIn(message, visible)

    def test_payload_retention_purges_old_finished_messages_only(self):
        with self.jobs():
            [(old, _o, _r)] = self.receive(
                envelope("ev-old", self.partner, self.at(8), "x")
            )
        [(pending, _o, _r)] = self.receive(
            envelope("ev-new", self.partner, self.at(9), "y")
        )
        long_ago = fields.Datetime.now() - timedelta(days=self.flow.retention_days + 1)
        (old | pending).write({"received_at": long_ago})
        purged = self.env["logistics.message"]._cron_purge_payloads(chunk_size=1)
        self.assertEqual(purged, 1)
        self.assertRecordValues(old, [{"payload": False, "payload_purged": True}])
        self.assertRecordValues(pending, [{"payload_purged": False}])
        self.assertTrue(pending.payload)

    def test_audit_retention_keeps_a_verifiable_chain(self):
        Audit = self.env["logistics.audit.log"]
        old = Audit._append(action="configuration", outcome="success", details="old")
        Audit._append(action="configuration", outcome="success", details="recent")
        self.env["ir.config_parameter"].set_param(
            "logistics_integration_base.audit_retention_days", 30
        )
        # Age the first entry (and any before it) past the retention.
        self.env.cr.execute(
            SQL(
                "UPDATE logistics_audit_log SET event_time = %s WHERE id <= %s",
                fields.Datetime.now() - timedelta(days=40),
                old.id,
            )
        )
        self.env.invalidate_all()
        self.assertGreaterEqual(Audit._cron_purge_expired(), 1)
        self.assertFalse(old.exists())
        purge = Audit.search([("action", "=", "retention_purge")], limit=1)
        self.assertEqual(purge.outcome, "success")
        # The kept entries still verify: the oldest one anchors the chain.
        self.assertFalse(Audit._first_broken_link())
