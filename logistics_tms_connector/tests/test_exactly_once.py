"""Exactly once toward the TMS, against the simulator over real HTTP: every
call carries the message's idempotency key, a lost answer is retried with it,
and a cancel never leaves a live shipment behind a retrying release."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.logistics_integration_base.tests.common import run_migration

from .common import TmsCase

KEY_HEADER = "Idempotency-Key"


@tagged("post_install", "-at_install")
class TestExactlyOnce(TmsCase):
    def _messages(self, shipment, flow_code):
        return self.env["logistics.message"].search(
            [
                ("flow_code", "=", flow_code),
                ("res_model", "=", shipment._name),
                ("res_id", "=", shipment.id),
            ]
        )

    def _calls(self):
        """(method, path, Idempotency-Key) of the protocol calls, in order."""
        return [
            (call["method"], call["path"], call["headers"].get(KEY_HEADER))
            for call in self.tms.control("requests")
        ]

    def _release(self, run_jobs=True):
        order = self.confirmed_order()
        if run_jobs:
            with self.jobs():
                order.picking_ids.action_logistics_release()
        else:
            # Logged and queued; its job never runs here (no `jobs()` block).
            order.picking_ids.action_logistics_release()
        return order.picking_ids.logistics_shipment_id

    def _key(self, message):
        return self.env["logistics.shipment"]._tms_idempotency_key(message)

    def test_every_call_carries_its_message_key_the_same_on_retries(self):
        self.tms.control("faults", {"status": 503})
        shipment = self._release()
        release = self._messages(shipment, "shipment.release")
        self.assertEqual(release.state, "failed")
        self.retry_due()
        self.assertEqual(release.state, "done")
        with self.jobs():
            shipment.action_cancel()
        cancel = self._messages(shipment, "shipment.cancel")
        self.assertEqual(cancel.state, "done")
        release_key, cancel_key = self._key(release), self._key(cancel)
        self.assertNotEqual(release_key, cancel_key)
        self.assertIn(str(release.id), release_key)
        self.assertEqual(
            self._calls(),
            [
                ("POST", "/api/v1/shipments", release_key),
                ("POST", "/api/v1/shipments", release_key),
                (
                    "POST",
                    "/api/v1/shipments/%s/cancel" % shipment.tms_reference,
                    cancel_key,
                ),
            ],
        )

    def test_lost_answer_is_retried_with_its_key_and_applied_once(self):
        # The TMS applies the release, then the connection drops: no answer.
        self.tms.control("faults", {"drop_response": True})
        shipment = self._release()
        release = self._messages(shipment, "shipment.release")
        self.assertEqual(release.state, "failed")
        self.assertEqual(release.error_kind, "retryable")
        self.assertFalse(shipment.tms_reference, "Odoo never heard the answer")
        self.assertEqual(len(self.tms.shipments()), 1, "the TMS has it already")
        self.retry_due()
        self.assertRecordValues(release, [{"state": "done", "attempts": 2}])
        [(tms_id, tms_side)] = self.tms.shipments().items()
        self.assertEqual(shipment.tms_reference, tms_id)
        self.assertEqual(tms_side["externalReference"], shipment.name)
        keys = {key for _method, _path, key in self._calls()}
        self.assertEqual(keys, {self._key(release)})
        self.assertEqual(len(self._calls()), 2)

    def test_lost_answer_over_soap_is_applied_once(self):
        soap = self._tms_endpoint("sim_soap_once", "soap")
        self.warehouse.tms_endpoint_id = soap
        self.tms.control("faults", {"drop_response": True})
        shipment = self._release()
        release = self._messages(shipment, "shipment.release")
        self.assertEqual(release.state, "failed")
        self.retry_due()
        self.assertEqual(release.state, "done")
        self.assertEqual(list(self.tms.shipments()), [shipment.tms_reference])
        calls = self.tms.control("requests")
        self.assertEqual(len(calls), 2)
        for call in calls:
            self.assertEqual(call["headers"].get(KEY_HEADER), self._key(release))
            self.assertIn("IdempotencyKey", call["body"])
            self.assertIn(self._key(release), call["body"])

    def test_cancel_before_the_release_left_odoo_supersedes_it(self):
        shipment = self._release(run_jobs=False)
        release = self._messages(shipment, "shipment.release")
        self.assertEqual(release.state, "queued")
        with self.jobs():
            shipment.action_cancel()
        self.assertEqual(release.state, "superseded")
        self.assertEqual(
            release.result["reason"],
            "The shipment was cancelled before this was sent to the TMS.",
        )
        cancel = self._messages(shipment, "shipment.cancel")
        self.assertEqual(cancel.state, "done")
        self.assertEqual(
            cancel.result, {"cancelled": False, "reason": "never reached the TMS"}
        )
        # Its job, the cron and a replay send nothing either.
        with self.jobs():
            release._job_process()
            release.flow_id._enqueue_pending()
            self.env["logistics.message"]._cron_dispatch_due()
        with self.assertRaises(UserError):
            release.action_replay()
        self.assertEqual(self.tms.control("requests"), [], "nothing was sent")
        self.assertEqual(self.tms.shipments(), {})
        self.assertEqual(shipment.status, "cancelled")

    def test_cancel_while_the_release_retries_sends_release_then_cancel(self):
        # The TMS is down: the release was tried and may have reached it.
        self.tms.control("faults", {"status": 503, "count": 1})
        self.tms.control("faults", {"drop": True, "count": 1})
        shipment = self._release()
        release = self._messages(shipment, "shipment.release")
        self.assertEqual(release.state, "failed")
        with self.jobs():
            shipment.action_cancel()
        self.assertEqual(shipment.status, "cancelled")
        cancel = self._messages(shipment, "shipment.cancel")
        self.assertRecordValues(
            cancel, [{"state": "queued", "attempts": 0}]
        )  # waits for the release, nothing done yet
        self.assertEqual(release.state, "failed", "not superseded: maybe applied")
        self.retry_due()  # still down (dropped connection)
        self.assertEqual(release.state, "failed")
        self.assertEqual(cancel.state, "queued")
        self.retry_due()  # the TMS is back
        self.assertEqual(release.state, "done")
        self.assertEqual(cancel.state, "done")
        self.assertEqual(cancel.result, {"cancelled": shipment.tms_reference})
        [tms_side] = self.tms.shipments().values()
        self.assertEqual(tms_side["status"], "cancelled", "no live shipment left")
        self.assertEqual(
            [(method, path) for method, path, _key in self._calls()],
            [
                ("POST", "/api/v1/shipments"),
                ("POST", "/api/v1/shipments"),
                ("POST", "/api/v1/shipments"),
                ("POST", "/api/v1/shipments/%s/cancel" % shipment.tms_reference),
            ],
        )
        self.assertEqual(shipment.status, "cancelled")

    def test_release_given_up_while_the_cancel_waits_is_not_replayable(self):
        self.tms.control("faults", {"status": 503, "count": 3})
        shipment = self._release()
        release = self._messages(shipment, "shipment.release")
        with self.jobs():
            shipment.action_cancel()
        cancel = self._messages(shipment, "shipment.cancel")
        self.assertEqual(cancel.state, "queued")
        self.retry_due()
        self.retry_due()  # the third and last attempt: dead
        self.assertEqual(cancel.state, "done")
        self.assertEqual(cancel.result["cancelled"], False)
        self.assertEqual(release.state, "superseded")
        self.assertEqual(release.attempts, 3)
        self.assertEqual(shipment.status, "cancelled", "no exception: it is moot")
        with self.assertRaises(UserError):
            release.action_replay()
        self.assertEqual(self.tms.shipments(), {})

    def test_cancel_after_a_dead_release_prevents_its_replay(self):
        self.tms.control("faults", {"status": 422, "body": {"error": "bad zip"}})
        shipment = self._release()
        release = self._messages(shipment, "shipment.release")
        self.assertEqual(release.state, "dead")
        with self.jobs():
            shipment.action_cancel()
        self.assertEqual(release.state, "superseded")
        with self.assertRaises(UserError):
            release.action_replay()
        self.assertEqual(self.tms.shipments(), {})

    def test_pending_amendment_is_superseded_by_the_cancel(self):
        shipment = self._release()
        self.tms.control("faults", {"status": 503})
        with self.jobs():
            shipment.service_level = "express"
        amend = self._messages(shipment, "shipment.amend")
        self.assertEqual(amend.state, "failed")
        with self.jobs():
            shipment.action_cancel()
        self.assertEqual(amend.state, "superseded")
        self.assertEqual(
            [path for _method, path, _key in self._calls()][-1],
            "/api/v1/shipments/%s/cancel" % shipment.tms_reference,
        )

    def test_migration_keys_pending_messages_of_before(self):
        """Messages logged before 18.0.1.2.0 had no aggregate key: the pending
        ones get their shipment's, so that a cancel finds and supersedes them."""
        shipment = self._release(run_jobs=False)
        release = self._messages(shipment, "shipment.release")
        release.aggregate_key = False
        self.env.flush_all()
        run_migration(self.env.cr, __file__, "18.0.1.2.0", "post-migrate", "18.0.1.1.0")
        self.env.invalidate_all()
        self.assertEqual(release.aggregate_key, "logistics.shipment/%s" % shipment.id)
        with self.jobs():
            shipment.action_cancel()
        self.assertEqual(release.state, "superseded")
        self.assertEqual(self.tms.control("requests"), [])
