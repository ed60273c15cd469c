"""A shipment in exception recovers, against the simulator over real HTTP:
re-tender after a declined tender, redelivery after an attempted delivery,
resolution of a delay; each audited, its activity closed."""

from datetime import datetime, timedelta

import requests

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import ALL_STEPS, API_KEY, TmsCase

KEY_HEADER = "Idempotency-Key"


@tagged("post_install", "-at_install")
class TestExceptionRecovery(TmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tms_user = new_test_user(
            cls.env,
            login="recovery_tms_user",
            groups="logistics_tms_connector.group_tms_user",
        )

    def _audit(self, shipment, action):
        return self.env["logistics.audit.log"].search(
            [
                ("res_model", "=", shipment._name),
                ("res_id", "=", shipment.id),
                ("action", "=", action),
            ]
        )

    def _messages(self, shipment, flow_code):
        return self.env["logistics.message"].search(
            [
                ("flow_code", "=", flow_code),
                ("res_model", "=", shipment._name),
                ("res_id", "=", shipment.id),
            ],
            order="id",
        )

    def _exception_activities(self, shipment):
        return shipment.activity_ids.filtered(
            lambda a: a.activity_type_id.name == "Shipment exception"
        )

    def _advance(self, shipment, steps):
        """The simulator's next steps, read from its feed (REST) and received
        for the shipment's endpoint (REST or SOAP); repeats are duplicates."""
        self.tms.advance(shipment.tms_reference, steps)
        events = self.endpoint._tms_client("corr-feed").events(None, 500)[0]
        with self.jobs():
            self.env["logistics.shipment"]._tms_receive_events(
                shipment.endpoint_id, events
            )

    def _attempted(self, endpoint=None):
        self.tms.control("scenario", {"outcome": "attempted"})
        shipment = self.released_shipment(endpoint=endpoint)
        self._advance(shipment, ALL_STEPS)
        self.assertEqual(shipment.status, "exception")
        self.assertEqual(shipment.exception_type, "failed_delivery")
        return shipment

    # ------------------------------------------------------------------
    # re-tender

    def test_retender_after_a_declined_tender_reaches_delivery(self):
        self.tms.control("scenario", {"outcome": "declined"})
        shipment = self.released_shipment()
        self.run_timeline(shipment, steps=1)
        self.assertEqual(shipment.status, "exception")
        self.assertEqual(shipment.exception_type, "tms_refused")
        self.assertEqual(len(self._exception_activities(shipment)), 1)

        self.tms.control("scenario", {"outcome": "delivered"})
        with self.jobs():
            shipment.action_retender()
        self.assertEqual(shipment.status, "released")
        self.assertFalse(shipment.exception_type)
        self.assertTrue(shipment.exception_resolved_at)
        self.assertFalse(self._exception_activities(shipment))
        first, second = self._messages(shipment, "shipment.release")
        self.assertEqual(second.state, "done")
        keys = [
            call["headers"].get(KEY_HEADER)
            for call in self.tms.control("requests")
            if call["path"] == "/api/v1/shipments"
        ]
        Shipment = self.env["logistics.shipment"]
        self.assertEqual(
            keys,
            [
                Shipment._tms_idempotency_key(first),
                Shipment._tms_idempotency_key(second),
            ],
        )
        self.assertNotEqual(keys[0], keys[1], "a new tender, a new key")
        self.assertEqual(self.tms.shipments()[shipment.tms_reference]["tender"], 2)
        audit = self._audit(shipment, "exception_retender")
        self.assertEqual(audit.outcome, "success")
        self.assertIn("Refused by the TMS", audit.details)
        self.assertEqual(audit.correlation_id, shipment.correlation_id)

        self.run_timeline(shipment)
        self.assertEqual(shipment.status, "delivered")
        self.assertFalse(shipment.exception_type)

    def test_retender_declined_again_is_a_new_exception(self):
        self.tms.control("scenario", {"outcome": "declined"})
        shipment = self.released_shipment()
        self.run_timeline(shipment, steps=1)
        with self.jobs():
            shipment.action_retender()
        self.run_timeline(shipment, steps=1)
        self.assertEqual(shipment.status, "exception")
        self.assertEqual(shipment.exception_type, "tms_refused")
        self.assertEqual(len(self._exception_activities(shipment)), 1)

    def test_retender_refused_after_pickup(self):
        shipment = self._attempted()
        with self.assertRaisesRegex(UserError, "declined tender"):
            shipment.action_retender()
        self.assertEqual(shipment.status, "exception")
        self.assertEqual(shipment.exception_type, "failed_delivery")
        self.assertEqual(len(self._messages(shipment, "shipment.release")), 1)
        self.assertFalse(self._audit(shipment, "exception_retender"))

    # ------------------------------------------------------------------
    # redelivery

    def test_attempted_delivery_then_redelivery_then_delivered(self):
        shipment = self._attempted()
        start = datetime.now().replace(microsecond=0) + timedelta(days=2)
        end = start + timedelta(hours=4)
        wizard = Form(
            self.env["logistics.shipment.redelivery"].with_context(
                **shipment.action_open_redelivery()["context"]
            )
        )
        wizard.delivery_start = start
        wizard.delivery_end = end
        wizard.note = "Ring at the back door"
        with self.jobs():
            wizard.save().action_confirm()
        self.assertEqual(shipment.status, "in_transit")
        self.assertFalse(shipment.exception_type)
        self.assertFalse(self._exception_activities(shipment))
        self.assertEqual(shipment.requested_delivery_end, end)
        self.assertEqual(shipment.promised_delivery_end, end)
        message = self._messages(shipment, "shipment.redeliver")
        self.assertEqual(message.state, "done")
        self.assertEqual(message.payload["reason"], "Ring at the back door")
        tms_side = self.tms.shipments()[shipment.tms_reference]
        self.assertEqual(tms_side["redeliveries"], 1)
        self.assertEqual(
            tms_side["payload"]["deliveryWindow"]["end"],
            message.payload["delivery_window"]["end"],
        )
        audit = self._audit(shipment, "exception_redelivery")
        self.assertEqual(audit.outcome, "success")
        self.assertIn("Failed delivery attempt", audit.details)

        self.poll()  # nothing new yet: the redelivery waits for the window
        self.run_timeline(shipment, steps=3)
        self.assertEqual(shipment.status, "delivered")
        self.assertTrue(shipment.pod_attachment_id)
        codes = shipment.milestone_ids.sorted("event_time").mapped("code")
        self.assertEqual(codes[-4:], ["AH", "OD", "X1", "D1"])

    def test_redelivery_over_soap(self):
        soap = self._tms_endpoint("sim_soap_redelivery", "soap")
        shipment = self._attempted(endpoint=soap)
        start = datetime(2030, 1, 2, 8, 0)
        with self.jobs():
            shipment.action_request_redelivery(start, start + timedelta(hours=3))
        message = self._messages(shipment, "shipment.redeliver")
        self.assertEqual(message.state, "done")
        self.assertIn("/soap", self.tms.control("requests")[-1]["path"])
        tms_side = self.tms.shipments()[shipment.tms_reference]
        self.assertEqual(tms_side["redeliveries"], 1)
        self.assertEqual(
            tms_side["payload"]["deliveryWindow"],
            {
                "start": message.payload["delivery_window"]["start"],
                "end": message.payload["delivery_window"]["end"],
            },
        )
        self._advance(shipment, 3)
        self.assertEqual(shipment.status, "delivered")

    def test_redelivery_without_a_window(self):
        shipment = self._attempted()
        with self.jobs():
            shipment.action_request_redelivery()
        message = self._messages(shipment, "shipment.redeliver")
        self.assertEqual(message.state, "done")
        self.assertIsNone(message.payload["delivery_window"])
        calls = [c for c in self.tms.control("requests") if "redelivery" in c["path"]]
        self.assertEqual(calls[0]["body"], "{}")

    def test_redelivery_refused_by_the_tms_is_an_exception_again(self):
        shipment = self._attempted()
        self.tms.control("faults", {"status": 409, "body": {"error": "no depot"}})
        with self.jobs():
            shipment.action_request_redelivery()
        message = self._messages(shipment, "shipment.redeliver")
        self.assertEqual(message.state, "dead")
        self.assertEqual(shipment.exception_type, "tms_refused")
        self.assertIn("no depot", shipment.exception_note)
        # The cause is still the attempted delivery: ask again.
        with self.jobs():
            shipment.action_request_redelivery()
        self.assertEqual(
            self._messages(shipment, "shipment.redeliver")[-1].state, "done"
        )
        self.assertEqual(shipment.status, "in_transit")
        self.run_timeline(shipment, steps=3)
        self.assertEqual(shipment.status, "delivered")

    def test_no_retender_of_a_shipment_the_tms_holds(self):
        shipment = self.released_shipment()
        self.run_timeline(shipment, steps=2)
        shipment._raise_exception("tms_refused", "amendment refused")
        with self.assertRaisesRegex(UserError, "held by the TMS"):
            shipment.action_retender()
        self.assertEqual(len(self._messages(shipment, "shipment.release")), 1)
        shipment.action_resolve_exception()
        self.assertEqual(shipment.status, "carrier_assigned")

    def test_bad_redelivery_window_changes_nothing(self):
        shipment = self._attempted()
        start = datetime(2030, 1, 2, 8, 0)
        for window in ((start, None), (start, start - timedelta(hours=1))):
            with self.assertRaises(UserError):
                shipment.action_request_redelivery(*window)
        self.assertEqual(shipment.status, "exception")
        self.assertEqual(shipment.exception_type, "failed_delivery")
        self.assertFalse(self._messages(shipment, "shipment.redeliver"))

    def test_redelivery_only_after_an_attempted_delivery(self):
        self.tms.control("scenario", {"outcome": "refused"})
        shipment = self.released_shipment()
        self.run_timeline(shipment)
        self.assertEqual(shipment.exception_type, "refused")
        with self.assertRaisesRegex(UserError, "attempted delivery"):
            shipment.action_request_redelivery()
        self.assertFalse(self._messages(shipment, "shipment.redeliver"))

    def test_the_tms_may_redeliver_on_its_own(self):
        shipment = self._attempted()
        # Planned at the TMS through another channel: Odoo only hears the run.
        requests.post(
            self.tms.api_url + "shipments/%s/redelivery" % shipment.tms_reference,
            headers={"X-API-Key": API_KEY},
            json={},
            timeout=5,
        ).raise_for_status()
        self.run_timeline(shipment, steps=1)
        self.assertEqual(shipment.status, "out_for_delivery")
        self.assertFalse(shipment.exception_type)
        self.assertFalse(self._exception_activities(shipment))
        self.assertEqual(self._audit(shipment, "exception_resolved").outcome, "success")
        self.run_timeline(shipment, steps=2)
        self.assertEqual(shipment.status, "delivered")

    # ------------------------------------------------------------------
    # resolution

    def test_resolve_delay_keeps_the_status_and_is_audited(self):
        self.tms.control("scenario", {"outcome": "delay"})
        shipment = self.released_shipment()
        self.run_timeline(shipment, steps=6)
        self.assertEqual(shipment.exception_type, "delay")
        self.assertEqual(shipment.status, "in_transit")
        shipment.action_resolve_exception()
        self.assertEqual(shipment.status, "in_transit")
        self.assertFalse(shipment.exception_type)
        self.assertFalse(self._exception_activities(shipment))
        audit = self._audit(shipment, "exception_resolved")
        self.assertEqual(audit.outcome, "success")
        self.assertIn("Delayed past the promised window", audit.details)

    def test_resolve_a_failed_delivery_resumes_its_status(self):
        shipment = self._attempted()
        shipment.action_resolve_exception()
        self.assertEqual(shipment.status, "out_for_delivery")
        self.assertFalse(shipment.exception_type)
        self.assertEqual(self._audit(shipment, "exception_resolved").outcome, "success")

    # ------------------------------------------------------------------
    # access

    def test_recovery_actions_are_for_shipment_managers(self):
        shipment = self._attempted()
        as_user = shipment.with_user(self.tms_user)
        for action in (
            as_user.action_retender,
            as_user.action_request_redelivery,
            as_user.action_open_redelivery,
            as_user.action_resolve_exception,
        ):
            with self.assertRaises(AccessError):
                action()
        self.assertEqual(shipment.status, "exception")
        self.assertEqual(shipment.exception_type, "failed_delivery")
        self.assertFalse(self._messages(shipment, "shipment.redeliver"))
