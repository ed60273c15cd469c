"""The message archive on the core's own flow: chunks, interruption, progress,
idempotency of archived keys, and the audit chain."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..lib import receipt, states
from .common import IntegrationCase, envelope

OLD = timedelta(days=400)
EVENTS = 5


@tagged("post_install", "-at_install")
class TestMessageArchive(IntegrationCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param(
            "logistics_integration_base.message_archive_days", 30
        )
        self.Archive = self.env["logistics.message.archive"]
        self.Audit = self.env["logistics.audit.log"]
        self.events = [
            envelope("arch-%s" % n, self.partner, self.at(8 + n), "step %s" % n)
            for n in range(EVENTS)
        ]
        with self.jobs():
            answers = self.receive(*self.events)
        self.messages = self.env["logistics.message"].union(
            *[message for message, _outcome, _reason in answers]
        )
        self.assertEqual(set(self.messages.mapped("state")), {states.DONE})
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE logistics_message SET received_at = received_at - %s, "
            "processed_at = processed_at - %s WHERE id IN %s",
            (OLD, OLD, tuple(self.messages.ids)),
        )
        self.env.invalidate_all()
        # The aggregate's position points at its newest event: that one stays.
        self.positioned = self.messages.filtered(
            lambda m: m.payload["event_id"] == "arch-%s" % (EVENTS - 1)
        )
        self.cutoff = fields.Datetime.now() - timedelta(days=30)

    def _archive_entries(self):
        return self.Audit.search([("action", "=", "archive")])

    def test_interrupted_chunk_leaves_nothing_half_done(self):
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            self.assertEqual(self.Archive._archive_chunk(self.cutoff, 2), 2)
            raise RuntimeError("worker killed")
        self.env.invalidate_all()
        self.assertEqual(self.messages.exists(), self.messages)
        self.assertFalse(self.Archive.search([]))
        self.assertFalse(self._archive_entries())
        # Run again: everything but the positioned event, in chunks of two.
        while self.Archive._cron_archive(chunk_size=2):
            pass
        archived = self.Archive.search([])
        self.assertEqual(
            sorted(archived.ids), sorted((self.messages - self.positioned).ids)
        )
        self.assertEqual(self.messages.exists(), self.positioned)
        self.assertEqual(len(self._archive_entries()), 2)
        self.assertFalse(self.Audit._first_broken_link())
        self.assertEqual(self.Audit._broken_archives(), [])
        # Keys and fingerprints kept, payload gone (no such column).
        self.assertTrue(all(archived.mapped("payload_fingerprint")))
        self.assertEqual(
            sorted(archived.mapped("idempotency_key")),
            sorted(event["event_id"] for event in self.events[:-1]),
        )
        self.assertNotIn("payload", self.Archive._fields)

    def test_cron_reports_its_progress(self):
        cron = self.env.ref("logistics_integration_base.ir_cron_archive_messages")
        done_left = []
        for _run in range(3):
            cron, progress = cron._add_progress()
            self.Archive.with_context(ir_cron_progress_id=progress.id)._cron_archive(
                chunk_size=2
            )
            done_left.append((progress.done, progress.remaining))
        # 4 to archive: a full chunk leaves 2, the next a full chunk again
        # (one more run to make sure), the last finds nothing.
        self.assertEqual(done_left, [(2, 2), (2, 1), (0, 0)])

    def test_archived_key_still_refuses_a_replay(self):
        while self.Archive._cron_archive():
            pass
        first = self.messages[0]
        self.assertFalse(first.exists())
        self.assertTrue(self.Archive.browse(first.id).exists())
        with self.jobs():
            [(known, outcome, _reason)] = self.receive(self.events[0])
        self.assertEqual(
            (known._name, known.id, outcome),
            (self.Archive._name, first.id, receipt.DUPLICATE),
        )
        redelivered = self.env["logistics.message.redelivery"].search(
            [("message_id", "=", first.id)]
        )
        self.assertEqual(len(redelivered), 1)
        changed = dict(self.events[0], data={"ref": "another"})
        with self.jobs():
            [(_known, outcome, reason)] = self.receive(changed)
        self.assertEqual(outcome, receipt.CONFLICT)
        self.assertIn("archived", reason)
        entry = self.Audit.search([], limit=1)
        self.assertEqual(
            (entry.action, entry.res_model, entry.res_id),
            ("idempotency_conflict", self.Archive._name, first.id),
        )
        self.assertFalse(
            self.env["logistics.message"].search(
                [("idempotency_key", "=", self.events[0]["event_id"])]
            ),
            "no new message for an archived key",
        )
        self.assertFalse(self.Audit._first_broken_link())

    def test_recent_and_waiting_messages_stay(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "logistics_integration_base.message_archive_days", 500
        )
        self.assertEqual(self.Archive._cron_archive(), 0)
        self.env["ir.config_parameter"].sudo().set_param(
            "logistics_integration_base.message_archive_days", 30
        )
        self.env.cr.execute(
            "UPDATE logistics_message SET state = 'dead' WHERE id = %s",
            (self.messages[0].id,),
        )
        self.env.invalidate_all()
        while self.Archive._cron_archive():
            pass
        self.assertEqual(self.messages.exists(), self.messages[0] | self.positioned)
