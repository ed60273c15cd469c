"""POST /shipments/{reference}/appointment: the customer asks for a delivery
appointment or answers the TMS's proposal; validated, owned, refused after
the cut-off, logged, sent to the TMS and pushed to the customer's webhooks."""

import re
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.logistics_integration_base.models.logistics_endpoint import (
    OUTBOUND_ALLOW_LIST_PARAM,
)

from .common import PortalApiCase


@tagged("post_install", "-at_install")
class TestAppointmentApi(PortalApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The subscription's receiver: loopback (never called, jobs not run).
        cls.env["ir.config_parameter"].set_param(OUTBOUND_ALLOW_LIST_PARAM, "127.0.0.1")

    def _shipment(self, customer, status="accepted"):
        endpoint = self.env["logistics.endpoint"].search(
            [("code", "=", "tms_appt")]
        ) or self.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_appt", "system": "tms"}
        )
        shipment = self.env["logistics.shipment"].create(
            {
                "endpoint_id": endpoint.id,
                "partner_id": customer.id,
                "shipper_id": self.env.company.partner_id.id,
                "consignee_id": customer.id,
                "status": status,
                "window_tz": "UTC",
            }
        )
        # The TMS's reference, as its answer to the release wrote it.
        shipment._logistics_apply({"tms_reference": "TMS-%s" % shipment.name}, "tms")
        return shipment

    def setUp(self):
        super().setUp()
        self.known_messages = self.env["logistics.message"].search([]).ids
        self.start = fields.Datetime.now().replace(microsecond=0) + timedelta(days=2)

    def _iso(self, moment):
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def body(self, hours=2, **extra):
        return {
            "window": {
                "start": self._iso(self.start),
                "end": self._iso(self.start + timedelta(hours=hours)),
            },
            **extra,
        }

    def post(self, shipment, body, key=None, idempotency_key=None):
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self.call(
            "POST",
            "/shipments/%s/appointment" % shipment.name,
            body,
            key=key,
            headers=headers,
        )

    def messages(self, flow_code):
        return self.env["logistics.message"].search(
            [("flow_code", "=", flow_code), ("id", "not in", self.known_messages)],
            order="id",
        )

    def test_request_is_logged_sent_to_the_tms_and_shown(self):
        shipment = self._shipment(self.customer)
        self.env["logistics.customer.webhook"]._subscribe(
            self.customer, "http://127.0.0.1:9/hooks", ["appointment.requested"]
        )
        response = self.post(
            shipment,
            self.body(dock="Dock 4", contact="Mr Peeters", reference="BK-1"),
            idempotency_key="appt-1",
        )
        self.assertEqual(response.status_code, 200, response.text)
        appointment = response.json()["appointment"]
        self.assertEqual(appointment["state"], "requested")
        self.assertEqual(
            appointment["requested_window"],
            {
                "start": self._iso(self.start),
                "end": self._iso(self.start + timedelta(hours=2)),
            },
        )
        self.assertEqual(
            (appointment["dock"], appointment["contact"], appointment["reference"]),
            ("Dock 4", "Mr Peeters", "BK-1"),
        )
        self.assertIsNone(appointment["slot"])
        [inbound] = self.messages("appointment.request")
        self.assertRecordValues(
            inbound,
            [{"state": "done", "res_model": shipment._name, "res_id": shipment.id}],
        )
        # An amendment toward the TMS, on the shipment's aggregate.
        [outbound] = self.messages("shipment.appointment")
        self.assertEqual(outbound.payload["tms_reference"], shipment.tms_reference)
        self.assertEqual(outbound.payload["booking_reference"], "BK-1")
        self.assertEqual(outbound.aggregate_key, shipment._tms_aggregate_key())
        [notified] = self.messages("customer.notify")
        self.assertEqual(notified.payload["event"], "appointment.requested")
        self.assertEqual(notified.payload["data"]["appointment"]["state"], "requested")
        # On the timeline, and in the shipment's GET.
        got = self.call("GET", "/shipments/%s" % shipment.name).json()
        self.assertEqual(got["appointment"]["state"], "requested")
        self.assertIn("YR", [m["code"] for m in got["milestones"]])
        # The same request again (same key): the same answer, nothing new.
        again = self.post(
            shipment,
            self.body(dock="Dock 4", contact="Mr Peeters", reference="BK-1"),
            idempotency_key="appt-1",
        )
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(len(self.messages("shipment.appointment")), 1)

    def test_only_own_shipments(self):
        theirs = self._shipment(self.other)
        response = self.post(theirs, self.body())
        self.assertEqual(response.status_code, 404, response.text)
        self.assertEqual(response.json()["error"]["code"], "not_found")
        self.assertEqual(theirs.appointment_state, "none")
        self.assertFalse(self.messages("appointment.request"))
        unknown = self.call(
            "POST", "/shipments/NOPE-1/appointment", self.body()
        ).status_code
        self.assertEqual(unknown, 404)

    def test_invalid_requests_are_422_with_pointers(self):
        shipment = self._shipment(self.customer)
        cases = [
            (self.body(hours=-1), "/window/start"),
            (self.body(hours=30), "/window/end"),
            ({"window": {"start": "tomorrow", "end": "later"}}, "/window/start"),
            (self.body(color="red"), ""),
            ({"dock": "Dock 4"}, ""),
            ({}, ""),
            ({**self.body(), "decision": "accept"}, "/window"),
        ]
        for body, pointer in cases:
            with self.subTest(body=body):
                response = self.post(shipment, body)
                self.assertEqual(response.status_code, 422, response.text)
                error = response.json()["error"]
                self.assertIn(pointer, [d["pointer"] for d in error["details"]])
        past = fields.Datetime.now() - timedelta(hours=3)
        response = self.post(
            shipment,
            {"window": {"start": self._iso(past), "end": self._iso(past)}},
        )
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(shipment.appointment_state, "none")
        self.assertFalse(self.messages("shipment.appointment"))

    def test_refused_after_the_cutoff_with_the_reason(self):
        shipment = self._shipment(self.customer, status="picked_up")
        response = self.post(shipment, self.body())
        self.assertEqual(response.status_code, 409, response.text)
        error = response.json()["error"]
        self.assertEqual(error["code"], "appointment_refused")
        self.assertIn("cut-off is passed", error["message"])
        self.assertIn("picked up", error["message"])
        self.assertEqual(shipment.appointment_state, "none")
        self.assertFalse(self.messages("shipment.appointment"))

    def test_proposal_accepted_or_declined(self):
        shipment = self._shipment(self.customer)
        # Nothing proposed: no decision to take.
        response = self.post(shipment, {"decision": "accept"})
        self.assertEqual(response.status_code, 409, response.text)
        shipment.appointment_state = "proposed"
        shipment._logistics_apply(
            {
                "appointment_slot_start": self.start,
                "appointment_slot_end": self.start + timedelta(hours=2),
            },
            "tms",
        )
        shown = self.call("GET", "/shipments/%s" % shipment.name).json()
        self.assertEqual(shown["appointment"]["slot"]["start"], self._iso(self.start))
        response = self.post(shipment, {"decision": "accept"})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["appointment"]["state"], "confirmed")
        [outbound] = self.messages("shipment.appointment")
        self.assertTrue(
            outbound.payload["window"]["start"].startswith(
                self.start.strftime("%Y-%m-%dT%H:%M")
            )
        )
        shipment.appointment_state = "proposed"
        response = self.post(shipment, {"decision": "decline"})
        self.assertEqual(response.json()["appointment"]["state"], "rejected")

    def test_portal_form_asks_for_an_appointment(self):
        shipment = self._shipment(self.customer)
        self.authenticate(self.user.login, self.user.login)
        page = self.url_open("/my/shipments/%s" % shipment.id)
        self.assertIn("o_logistics_appointment_form", page.text)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            "/my/shipments/%s/appointment" % shipment.id,
            data={
                "csrf_token": token,
                "start": self.start.strftime("%Y-%m-%dT%H:%M"),
                "end": (self.start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                "dock": "Dock 4",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("appointment=sent", response.url)
        self.assertRecordValues(
            shipment,
            [
                {
                    "appointment_state": "requested",
                    "appointment_start": self.start.replace(second=0),
                    "appointment_dock": "Dock 4",
                }
            ],
        )
