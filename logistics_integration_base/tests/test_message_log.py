from contextlib import closing
from datetime import timedelta

import psycopg2.errors

from odoo import fields, sql_db
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from ..lib import errors, states
from .common import IntegrationCase, envelope

HANDLER_BUG = 99  # fails every time it runs, as a bug does


@tagged("post_install", "-at_install")
class TestMessageLog(IntegrationCase):
    def test_event_applied_once_with_its_correlation_id(self):
        event = envelope("ev-1", self.partner, self.at(8), "Arrived at dock 4")
        with self.jobs():
            [(message, outcome, reason)] = self.receive(event, correlation_id="corr-1")
        self.assertEqual((outcome, reason), ("accepted", None))
        self.assertRecordValues(
            message,
            [
                {
                    "state": states.DONE,
                    "correlation_id": "corr-1",
                    "attempts": 1,
                    "direction": "inbound",
                    "endpoint_id": self.endpoint.id,
                }
            ],
        )
        self.assertEqual(self.partner.ref, "Arrived at dock 4")
        self.assertEqual(message.result, {"partner_id": self.partner.id})
        self.assertGreaterEqual(message.latency_ms, 0)

    def test_duplicate_delivery_processed_once(self):
        event = envelope("ev-dup", self.partner, self.at(8), "Picked up")
        with self.jobs():
            [(first, _outcome, _reason)] = self.receive(event)
        with self.jobs():
            [(again, outcome, _reason)] = self.receive(dict(event))
        self.assertEqual(outcome, "duplicate")
        self.assertEqual(again, first)
        self.assertEqual(first.duplicate_count, 1)
        self.assertEqual(self.applied, ["ev-dup"])
        self.assertEqual(
            self.env["logistics.message"].search_count(
                [("idempotency_key", "=", "ev-dup")]
            ),
            1,
        )

    def test_duplicate_inside_one_batch(self):
        event = envelope("ev-twice", self.partner, self.at(8), "Once")
        with self.jobs():
            results = self.receive(event, dict(event))
        self.assertEqual([r[1] for r in results], ["accepted", "duplicate"])
        self.assertEqual(results[0][0], results[1][0])
        self.assertEqual(self.applied, ["ev-twice"])

    def test_conflicting_duplicate_refused(self):
        with self.jobs():
            [(first, _o, _r)] = self.receive(
                envelope("ev-c", self.partner, self.at(8), "Original")
            )
        [(known, outcome, reason)] = self.receive(
            envelope("ev-c", self.partner, self.at(8), "Tampered")
        )
        self.assertEqual(outcome, "conflict")
        self.assertEqual(known, first)
        self.assertIn("already used with another payload", reason)
        self.assertEqual(self.partner.ref, "Original")
        audit = self.env["logistics.audit.log"].search(
            [("action", "=", "idempotency_conflict"), ("message_id", "=", first.id)]
        )
        self.assertEqual(audit.outcome, "refused")

    def test_out_of_order_events_end_in_the_right_state(self):
        events = [
            envelope("ev-3", self.partner, self.at(12), "Delivered", 3),
            envelope("ev-1", self.partner, self.at(8), "Picked up", 1),
            envelope("ev-2", self.partner, self.at(10), "In transit", 2),
        ]
        with self.jobs():
            results = self.receive(*events)
        # One batch: applied in event order whatever the arrival order.
        self.assertEqual(self.applied, ["ev-1", "ev-2", "ev-3"])
        self.assertEqual(self.partner.ref, "Delivered")
        self.assertEqual({r[0].state for r in results}, {states.DONE})
        # A late event older than what was applied is history, not state.
        with self.jobs():
            [(late, _o, _r)] = self.receive(
                envelope("ev-0", self.partner, self.at(7), "Order created", 0)
            )
        self.assertEqual(late.state, states.STALE)
        self.assertEqual(self.partner.ref, "Delivered")
        # ... but the flow's history handler saw it (e.g. for a timeline).
        self.assertEqual(self.history, ["ev-0"])
        self.assertEqual(late.result["history"], {"recorded": True})

    def test_retry_then_success(self):
        event = envelope("ev-r", self.partner, self.at(8), "Out for delivery")
        self.fail_next("ev-r", self.retryable())
        with self.jobs():
            [(message, _o, _r)] = self.receive(event)
        self.assertEqual(message.state, states.FAILED)
        self.assertEqual(message.attempts, 1)
        self.assertEqual(message.error_kind, "retryable")
        self.assertEqual(message.error_system, "tms")
        self.assertGreater(message.next_attempt_at, fields.Datetime.now())
        # Not due yet: the dispatcher leaves it alone.
        with self.jobs():
            self.env["logistics.message"]._cron_dispatch_due()
        self.assertEqual(message.state, states.FAILED)
        message.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        with self.jobs():
            self.env["logistics.message"]._cron_dispatch_due()
        self.assertEqual(message.state, states.DONE)
        self.assertEqual(message.attempts, 2)
        self.assertEqual(self.partner.ref, "Out for delivery")

    def test_retries_exhausted_dead_then_replay(self):
        event = envelope("ev-d", self.partner, self.at(8), "Delivered")
        self.fail_next("ev-d", self.retryable("TMS timed out"), times=3)
        with self.jobs():
            [(message, _o, _r)] = self.receive(event, correlation_id="corr-dead")
        for _attempt in range(2):
            message.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
            with self.jobs():
                self.env["logistics.message"]._cron_dispatch_due()
        self.assertEqual(message.state, states.DEAD)
        self.assertEqual(self.dead_letters, ["ev-d"], "the flow's dead hook ran once")
        self.assertEqual(message.attempts, 3)
        self.assertIn("TMS timed out", message.last_error)
        self.assertTrue(message.last_traceback)
        self.assertFalse(self.partner.ref)
        with self.jobs():
            message.action_replay()
        self.assertEqual(message.state, states.DONE)
        self.assertEqual(message.correlation_id, "corr-dead")
        self.assertEqual(message.replay_count, 1)
        self.assertEqual(message.replayed_by_id, self.env.user)
        self.assertEqual(self.partner.ref, "Delivered")
        actions = (
            self.env["logistics.audit.log"]
            .search([("correlation_id", "=", "corr-dead")])
            .mapped("action")
        )
        self.assertEqual(sorted(actions), ["dead_letter", "replay"])

    def test_replay_refused_for_done_messages(self):
        with self.jobs():
            [(message, _o, _r)] = self.receive(
                envelope("ev-ok", self.partner, self.at(8), "Done")
            )
        with self.assertRaises(UserError):
            message.action_replay()

    def test_one_bad_message_leaves_the_batch_applied(self):
        other = self.env["res.partner"].create({"name": "Other consignee"})
        events = [
            envelope("ev-a", self.partner, self.at(8), "First"),
            envelope("ev-bad", other, self.at(9), "Broken"),
            envelope("ev-c2", other, self.at(10), "Third"),
        ]
        self.fail_next("ev-bad", ValueError("handler bug"), times=HANDLER_BUG)
        with self.jobs():
            results = self.receive(*events)
        by_id = {r[0].external_id: r[0] for r in results}
        self.assertEqual(by_id["ev-a"].state, states.DONE)
        self.assertEqual(by_id["ev-bad"].state, states.DEAD)
        self.assertEqual(by_id["ev-bad"].error_kind, "permanent")
        self.assertIn("ValueError: handler bug", by_id["ev-bad"].last_error)
        self.assertEqual(by_id["ev-c2"].state, states.DONE)
        self.assertEqual(self.partner.ref, "First")
        self.assertEqual(other.ref, "Third")

    def test_schema_violation_is_permanent_and_precise(self):
        event = envelope("ev-s", self.partner, self.at(8), "Bad time")
        event["occurred_at"] = "yesterday"
        del event["aggregate"]["type"]
        with self.jobs() as trap:
            [(message, outcome, reason)] = self.receive(event)
        self.assertEqual(outcome, "rejected")
        self.assertEqual(message.state, states.DEAD)
        self.assertEqual(message.error_kind, "permanent")
        pointers = [d["pointer"] for d in message.error_details]
        self.assertIn("/aggregate", pointers)
        self.assertIn("/occurred_at", pointers)
        self.assertIn("event.envelope v1", reason)
        self.assertFalse(trap.enqueued_jobs, "a rejected message is never run")
        self.assertFalse(self.partner.ref)
        # The same bad event again is answered the same way, still not run.
        [(again, outcome, _r)] = self.receive(event)
        self.assertEqual((again, outcome), (message, "rejected"))

    def test_unknown_flow_is_refused(self):
        with self.assertRaises(Exception) as caught:
            self.env["logistics.message"]._receive("no.such.flow", {})
        self.assertIn("no.such.flow", str(caught.exception))

    def test_retryable_database_errors_are_classified_once(self):
        self.assertIsInstance(
            errors.classify(TimeoutError("read timed out")), errors.RetryableError
        )

    def test_sync_flow_lets_database_conflicts_replay_the_request(self):
        """A conflict in a synchronous flow reaches Odoo's request retry."""
        self.flow.processing_mode = "sync"
        event = envelope("ev-sync", self.partner, self.at(8), "Conflicted")
        self.fail_next("ev-sync", psycopg2.errors.SerializationFailure("conflict"))
        with self.assertRaises(psycopg2.errors.SerializationFailure):
            self.receive(event)
        self.assertEqual(self.applied, [])
        # A job, by contrast, records it and retries the message later.
        self.flow.processing_mode = "batch"
        self.fail_next("ev-job", psycopg2.errors.SerializationFailure("conflict"))
        with self.jobs():
            [(message, _outcome, _reason)] = self.receive(
                envelope("ev-job", self.partner, self.at(9), "Later")
            )
        self.assertEqual(message.state, states.FAILED)
        self.assertEqual(message.error_kind, "retryable")

    def test_redelivery_counted_beside_the_message(self):
        event = envelope("ev-again", self.partner, self.at(8), "Once")
        with self.jobs():
            [(message, _outcome, _reason)] = self.receive(event)
        written = message.write_date
        for correlation_id in ("corr-2", "corr-3"):
            self.receive(dict(event), correlation_id=correlation_id)
        self.env.invalidate_all()
        self.assertEqual(message.duplicate_count, 2)
        self.assertEqual(message.write_date, written, "the message row is untouched")
        redeliveries = self.env["logistics.message.redelivery"].search(
            [("message_id", "=", message.id)]
        )
        self.assertEqual(redeliveries.mapped("correlation_id"), ["corr-2", "corr-3"])

    def test_claim_skips_aggregates_another_job_holds(self):
        """Two jobs never apply events of one aggregate side by side."""
        other = self.env["res.partner"].create({"name": "Other consignee"})
        with trap_jobs():
            self.receive(
                envelope("ev-a1", self.partner, self.at(8), "A1"),
                envelope("ev-b1", other, self.at(9), "B1"),
                envelope("ev-a2", self.partner, self.at(10), "A2"),
            )
        held = "res.partner/%s" % self.partner.id
        with closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as job_cr:
            job_cr.execute(
                "SELECT pg_advisory_lock(%s, hashtext(%s))", [self.flow.id, held]
            )
            try:
                claimed = self.env["logistics.message"]._claim_due(self.flow, 10)
            finally:
                job_cr.execute(
                    "SELECT pg_advisory_unlock(%s, hashtext(%s))", [self.flow.id, held]
                )
        self.assertEqual(claimed.mapped("external_id"), ["ev-b1"])


@tagged("post_install", "-at_install")
class TestMessageLogInChunks(TestMessageLog):
    """The same behaviour when a job applies messages in chunks of a savepoint."""

    allow_inherited_tests_method = True  # every test above, in chunks

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flow.chunk_size = 50

    def test_handler_error_fails_its_message_alone(self):
        other = self.env["res.partner"].create({"name": "Other consignee"})
        self.fail_next("ev-bad", self.retryable())
        with self.jobs():
            results = self.receive(
                envelope("ev-a", self.partner, self.at(8), "First"),
                envelope("ev-bad", other, self.at(9), "Broken"),
                envelope("ev-c", other, self.at(10), "Third"),
            )
        by_id = {r[0].external_id: r[0] for r in results}
        self.assertEqual(by_id["ev-a"].state, states.DONE)
        self.assertRecordValues(
            by_id["ev-bad"], [{"state": states.FAILED, "attempts": 1}]
        )
        self.assertEqual(by_id["ev-c"].state, states.DONE)
        self.assertEqual(self.failures["ev-bad"]["count"], 0, "run once, not again")
        self.assertEqual((self.partner.ref, other.ref), ("First", "Third"))

    def test_database_error_found_by_applying_one_by_one(self):
        """A database error (any error but an integration error) may be an
        earlier message's: the chunk is redone message by message, and only the
        message that fails again fails."""
        other = self.env["res.partner"].create({"name": "Other consignee"})
        self.fail_next("ev-db", psycopg2.errors.SerializationFailure("conflict"), 2)
        with self.jobs():
            results = self.receive(
                envelope("ev-a", self.partner, self.at(8), "First"),
                envelope("ev-db", other, self.at(9), "Conflicted"),
                envelope("ev-c", other, self.at(10), "Third"),
            )
        by_id = {r[0].external_id: r[0] for r in results}
        self.assertEqual(by_id["ev-a"].state, states.DONE)
        self.assertRecordValues(
            by_id["ev-db"],
            [{"state": states.FAILED, "attempts": 1, "error_kind": "retryable"}],
        )
        self.assertEqual(by_id["ev-c"].state, states.DONE)
        self.assertEqual(self.failures["ev-db"]["count"], 0, "in the chunk, then alone")
        self.assertEqual(other.ref, "Third")

    def test_outbound_flows_apply_one_message_per_savepoint(self):
        with self.assertRaises(ValidationError):
            self.env["logistics.flow"].create(
                {
                    "code": "test.outbound_chunks",
                    "name": "Outbound in chunks (test)",
                    "direction": "outbound",
                    "handler_model": "res.partner",
                    "handler_method": "_logistics_test_apply",
                    "chunk_size": 10,
                }
            )
