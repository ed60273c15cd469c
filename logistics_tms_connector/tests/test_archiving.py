"""Archiving: old finished messages and closed shipments leave the hot tables;
the audit chain still verifies, the archive matches its audit digests, an
archived message's key still refuses a replay, the reports count the same."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.logistics_integration_base.lib import receipt

from ..lib import milestones as m
from .common import TmsCase

OLD = timedelta(days=400)
RETENTION_DAYS = 30
FACTS = ["on_time", "in_full", "otif", "transit_hours", "lane", "exception_count"]
REPORT_MEASURES = [
    "__count",
    "on_time:avg",
    "in_full:avg",
    "otif:avg",
    "transit_hours:avg",
    "exception_count:sum",
]


@tagged("post_install", "-at_install")
class TestArchiving(TmsCase):
    def setUp(self):
        super().setUp()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(
            "logistics_integration_base.message_archive_days", RETENTION_DAYS
        )
        params.set_param(
            "logistics_tms_connector.shipment_archive_days", RETENTION_DAYS
        )
        self.Message = self.env["logistics.message"]
        self.Audit = self.env["logistics.audit.log"]

    # ------------------------------------------------------------------
    # helpers

    def _delivered(self):
        shipment = self.released_shipment()
        self.run_timeline(shipment)
        self.assertEqual(shipment.status, m.STATUS_DELIVERED)
        self.assertTrue(shipment.service_facts_at)
        return shipment

    def _messages_of(self, shipment):
        return self.Message.search(
            [
                "|",
                "&",
                ("res_model", "=", "logistics.shipment"),
                ("res_id", "=", shipment.id),
                ("aggregate_key", "=", "tms-shipment/%s" % shipment.tms_reference),
            ]
        )

    def _age(self, shipment, messages):
        """Make the shipment and its messages 400 days old."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE logistics_message SET received_at = received_at - %s, "
            "processed_at = processed_at - %s WHERE id IN %s",
            (OLD, OLD, tuple(messages.ids)),
        )
        self.env.cr.execute(
            "UPDATE logistics_shipment SET service_facts_at = service_facts_at - %s "
            "WHERE id = %s",
            (OLD, shipment.id),
        )
        self.env.invalidate_all()

    def _old_message(self, state):
        """A message of the TMS event flow, logged 400 days ago, in ``state``."""
        message = self.Message.sudo().create(
            {
                "direction": "inbound",
                "flow_id": self.env["logistics.flow"]._get_by_code("tms.event").id,
                "correlation_id": "archiving-%s" % state,
                "idempotency_key": "archiving-%s" % state,
                "payload": {"note": state},
            }
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE logistics_message SET state = %s, received_at = %s WHERE id = %s",
            (state, fields.Datetime.now() - OLD, message.id),
        )
        self.env.invalidate_all()
        return message

    def _report(self):
        """What the service-level report shows: by customer, and by lane."""
        Shipment = self.env["logistics.shipment"]
        domain = [("service_facts_at", "!=", False)]
        return {
            group: Shipment._read_group(domain, [group], REPORT_MEASURES)
            for group in ("partner_id", "lane", "carrier_id")
        }

    def _archive_all(self):
        """Run both crons in chunks of one until nothing is left: moved counts."""
        moved = {}
        for model in ("logistics.shipment.history", "logistics.message.archive"):
            Model = self.env[model]
            total = 0
            while moved_now := Model._cron_archive(chunk_size=1):
                total += moved_now
            moved[model] = total
        return moved

    def _chain_intact(self):
        self.assertFalse(self.Audit._first_broken_link(), "the audit chain holds")
        answer = self.Audit.action_verify_chain()
        self.assertEqual(answer["params"]["type"], "success")

    # ------------------------------------------------------------------

    def _scenario(self):
        """An old and a recent delivered shipment, old pending/failed/dead
        messages, and what is known of them before archiving."""
        old = self._delivered()
        recent = self._delivered()
        old_messages = self._messages_of(old)
        self.assertTrue(old_messages.filtered(lambda x: x.state == "done"))
        self._age(old, old_messages)
        # An event the TMS sent about the old shipment.
        event = old.milestone_ids.message_id.filtered("payload")[:1]
        self.assertTrue(event)
        # An old finished message an audit entry points at (its hash covers
        # the message's id: the message must stay).
        audited = (
            old_messages.filtered(
                lambda x: x.state == "done" and x not in old.milestone_ids.message_id
            )[:1]
            or (old_messages - event).filtered(lambda x: x.state == "done")[:1]
        )
        self.assertTrue(audited)
        self.Audit._append(action="replay", outcome="success", message=audited)
        return {
            "old": old,
            "recent": recent,
            "old_messages": old_messages,
            "recent_messages": self._messages_of(recent),
            "recent_steps": len(recent.milestone_ids),
            "waiting": self._old_message("queued")
            | self._old_message("failed")
            | self._old_message("dead"),
            "event_payload": event.payload,
            "event_id": event.id,
            "old_codes": old.milestone_ids.sorted(
                lambda x: (x.event_time, x.id)
            ).mapped("code"),
            "old_facts": old.read(FACTS),
            "report": self._report(),
            "audited": self.Audit.search([("message_id", "!=", False)]).message_id,
        }

    def _assert_shipments(self, known, moved):
        """The old shipment: timeline summarised, facts kept, milestones gone;
        the recent one as it was."""
        old, recent = known["old"], known["recent"]
        self.assertEqual(moved["logistics.shipment.history"], 1)
        self.assertTrue(old.archived_at)
        self.assertFalse(old.milestone_ids)
        self.assertEqual(old.read(FACTS), known["old_facts"])
        old._compute_service_facts()  # e.g. a late status write
        self.assertEqual(old.read(FACTS), known["old_facts"], "facts stay fixed")
        history = self.env["logistics.shipment.history"].search(
            [("shipment_id", "=", old.id)]
        )
        self.assertEqual(len(history), 1)
        self.assertEqual(
            [step["code"] for step in history.timeline], known["old_codes"]
        )
        self.assertEqual(history.milestone_count, len(known["old_codes"]))
        self.assertEqual(
            (history.otif, history.lane, history.partner_id),
            (old.otif, old.lane, old.partner_id),
        )
        self.assertFalse(recent.archived_at)
        self.assertEqual(len(recent.milestone_ids), known["recent_steps"])

    def _assert_messages(self, known, moved):
        """Old finished messages moved to the archive, with their ids; pending,
        failed, dead, recent and audited ones stay."""
        archived = self.env["logistics.message.archive"].search(
            [("id", "in", known["old_messages"].ids)]
        )
        self.assertTrue(archived)
        self.assertEqual(moved["logistics.message.archive"], len(archived))
        self.assertFalse(self.Message.search([("id", "in", archived.ids)]))
        self.assertIn(known["event_id"], archived.ids)
        self.assertEqual(set(archived.mapped("state")) - {"done", "stale"}, set())
        for kept in ("waiting", "recent_messages", "audited"):
            self.assertEqual(known[kept].exists(), known[kept], kept)
        return archived

    def _assert_replays_refused(self, known):
        """An archived event again is a duplicate; its key with another payload
        a conflict, audited."""
        Shipment = self.env["logistics.shipment"]
        with self.jobs():
            results = Shipment._tms_receive_events(
                self.endpoint, [known["event_payload"]]
            )
        self.assertEqual(results[0][1], receipt.DUPLICATE)
        self.assertEqual(results[0][0].id, known["event_id"])
        self.assertFalse(self.Message.search([("id", "=", known["event_id"])]))
        changed = dict(known["event_payload"], occurred_at="2020-01-01T00:00:00Z")
        with self.jobs():
            results = Shipment._tms_receive_events(self.endpoint, [changed])
        self.assertEqual(results[0][1], receipt.CONFLICT)
        self.assertEqual(self.Audit.search([], limit=1).action, "idempotency_conflict")

    def test_archiving_keeps_chain_reports_and_idempotency(self):
        known = self._scenario()
        self._chain_intact()

        moved = self._archive_all()

        self._assert_shipments(known, moved)
        archived = self._assert_messages(known, moved)
        # The chain still verifies; each chunk (of one row) is one archive
        # entry, whose digest the archived rows match.
        self._chain_intact()
        entries = self.Audit.search([("action", "=", "archive")])
        self.assertEqual(len(entries), 1 + len(archived))
        self.assertEqual(self.Audit._broken_archives(), [])
        answer = self.Audit.action_verify_archives()
        self.assertEqual(answer["params"]["type"], "success")
        # The reports count the archived shipment as before.
        self.assertEqual(self._report(), known["report"])
        self._assert_replays_refused(known)
        self._chain_intact()
        # Run again: nothing more to archive.
        self.assertEqual(
            self._archive_all(),
            {"logistics.shipment.history": 0, "logistics.message.archive": 0},
        )

    def test_archive_check_fails_on_changed_rows(self):
        old = self._delivered()
        self._age(old, self._messages_of(old))
        self._archive_all()
        self.assertEqual(self.Audit._broken_archives(), [])
        history = self.env["logistics.shipment.history"].search(
            [("shipment_id", "=", old.id)]
        )
        self.env.cr.execute(
            "UPDATE logistics_shipment_history SET otif = 1 - coalesce(otif, 0) "
            "WHERE id = %s",
            (history.id,),
        )
        broken = self.Audit._broken_archives()
        self.assertEqual([entry for entry, _problems in broken], [history.audit_log_id])
        answer = self.Audit.action_verify_archives()
        self.assertEqual(answer["params"]["type"], "danger")
        # Rows removed from the archive are found too.
        archived = self.env["logistics.message.archive"].search([], limit=1)
        self.env.cr.execute(
            "DELETE FROM logistics_message_archive WHERE id = %s", (archived.id,)
        )
        self.assertEqual(len(self.Audit._broken_archives()), 2)
        # The chain itself is untouched either way.
        self._chain_intact()

    def test_nothing_archived_when_retention_is_zero(self):
        old = self._delivered()
        self._age(old, self._messages_of(old))
        self.env["ir.config_parameter"].sudo().set_param(
            "logistics_tms_connector.shipment_archive_days", 0
        )
        self.env["ir.config_parameter"].sudo().set_param(
            "logistics_integration_base.message_archive_days", 0
        )
        self.assertEqual(
            self._archive_all(),
            {"logistics.shipment.history": 0, "logistics.message.archive": 0},
        )
        self.assertFalse(old.archived_at)
        self.assertTrue(old.milestone_ids)
