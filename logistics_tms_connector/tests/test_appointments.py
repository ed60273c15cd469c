"""Delivery appointments against the simulator over real HTTP: requested by
the customer, sent to the TMS as an amendment until the cut-off, proposed,
confirmed or rejected by it, and missed by the delivery (an exception)."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..lib import appointments, milestones
from .common import ALL_STEPS, TmsCase

PICKED_UP_STEPS = 4


@tagged("post_install", "-at_install")
class TestAppointments(TmsCase):
    def _messages(self, shipment, flow_code="shipment.appointment"):
        return self.env["logistics.message"].search(
            [
                ("flow_code", "=", flow_code),
                ("res_model", "=", shipment._name),
                ("res_id", "=", shipment.id),
            ],
            order="id",
        )

    def _request(self, shipment, start, hours=2, **details):
        """The customer asks for a slot; the TMS's answer is polled."""
        with self.jobs():
            shipment._appointment_request(
                start, start + timedelta(hours=hours), **details
            )
        self.poll()

    def _codes(self, shipment):
        return [
            m.code
            for m in shipment.milestone_ids.sorted(lambda m: (m.event_time, m.id))
            if m.code in milestones.APPOINTMENT_CODES
        ]

    def _in_two_days(self):
        return fields.Datetime.now().replace(microsecond=0) + timedelta(days=2)

    def test_requested_confirmed_then_missed_is_an_exception(self):
        shipment = self.released_shipment()
        start = self._in_two_days()
        self._request(
            shipment, start, dock="Dock 4", contact="Mr Peeters", reference="BK-1"
        )
        (message,) = self._messages(shipment)
        self.assertEqual(message.state, "done")
        self.assertEqual(message.payload["dock"], "Dock 4")
        self.assertEqual(message.payload["booking_reference"], "BK-1")
        self.assertRecordValues(
            shipment,
            [
                {
                    "appointment_state": "confirmed",
                    "appointment_start": start,
                    "appointment_dock": "Dock 4",
                    "appointment_contact": "Mr Peeters",
                    "appointment_reference": "BK-1",
                    "appointment_slot_start": start,
                    "appointment_slot_end": start + timedelta(hours=2),
                }
            ],
        )
        self.assertEqual(self._codes(shipment), ["YR", "AB"])
        request = self.tms.control("requests")
        self.assertTrue(
            any(r["path"].endswith("/appointment") for r in request),
            "the TMS was asked over REST",
        )
        # The carrier delivers today, well before the slot two days away.
        self.run_timeline(shipment, ALL_STEPS)
        self.assertRecordValues(
            shipment,
            [
                {
                    "status": "delivered",
                    "exception_type": "missed_appointment",
                    "appointment_state": "missed",
                    "appointment_missed_cause": "outside_window",
                    "on_time_appointment": 0.0,
                }
            ],
        )
        self.assertIn("Delivered outside the confirmed window", shipment.exception_note)
        self.assertTrue(
            shipment.activity_ids.filtered(
                lambda a: a.summary == "Missed delivery appointment"
            )
        )
        # Resolved by hand: the shipment stays delivered.
        shipment.action_resolve_exception()
        self.assertRecordValues(
            shipment, [{"exception_type": False, "status": "delivered"}]
        )

    def test_kept_appointment_is_on_time(self):
        shipment = self.released_shipment()
        # A day-long slot from now on holds the simulated delivery (hours away).
        start = fields.Datetime.now().replace(microsecond=0) + timedelta(minutes=1)
        self._request(shipment, start, hours=23)
        self.assertEqual(shipment.appointment_state, "confirmed")
        self.run_timeline(shipment, ALL_STEPS)
        self.assertRecordValues(
            shipment,
            [
                {
                    "status": "delivered",
                    "exception_type": False,
                    "appointment_state": "confirmed",
                    "on_time_appointment": 1.0,
                }
            ],
        )

    def test_no_appointment_leaves_the_fact_empty(self):
        shipment = self.released_shipment()
        self.run_timeline(shipment, ALL_STEPS)
        self.assertEqual(shipment.status, "delivered")
        self.env.cr.execute(
            "SELECT on_time_appointment FROM logistics_shipment WHERE id = %s",
            [shipment.id],
        )
        self.assertIsNone(self.env.cr.fetchone()[0])

    def test_proposal_accepted_by_the_customer(self):
        self.tms.control("scenario", {"appointment_outcome": "propose"})
        shipment = self.released_shipment()
        start = self._in_two_days()
        self._request(shipment, start)
        self.assertRecordValues(
            shipment,
            [
                {
                    "appointment_state": "proposed",
                    "appointment_slot_start": start + timedelta(days=1),
                    "appointment_slot_end": start + timedelta(days=1, hours=2),
                }
            ],
        )
        with self.jobs():
            shipment._appointment_decide(True)
        self.assertEqual(shipment.appointment_state, "confirmed")
        self.poll()
        messages = self._messages(shipment)
        self.assertEqual(messages.mapped("state"), ["done", "done"])
        self.assertTrue(messages[1].payload["window"]["start"])
        self.assertEqual(shipment.appointment_state, "confirmed")
        self.assertEqual(self._codes(shipment), ["YR", "YP", "AB", "AB"])

    def test_proposal_declined_then_asked_again(self):
        self.tms.control("scenario", {"appointment_outcome": "propose"})
        shipment = self.released_shipment()
        self._request(shipment, self._in_two_days())
        shipment._appointment_decide(False)
        self.assertEqual(shipment.appointment_state, "rejected")
        self.assertIn("declined", shipment.appointment_note)
        with self.assertRaises(appointments.AppointmentRefused) as refused:
            shipment._appointment_decide(True)
        self.assertTrue(refused.exception.conflict)
        self.tms.control("scenario", {"appointment_outcome": "confirm"})
        self._request(shipment, self._in_two_days() + timedelta(hours=3))
        self.assertEqual(shipment.appointment_state, "confirmed")

    def test_rejected_by_the_tms(self):
        self.tms.control("scenario", {"appointment_outcome": "reject"})
        shipment = self.released_shipment()
        self._request(shipment, self._in_two_days())
        self.assertEqual(shipment.appointment_state, "rejected")
        self.assertIn("NS", shipment.appointment_note)
        self.assertFalse(shipment.appointment_slot_start)
        self.assertEqual(self._codes(shipment), ["YR", "YX"])

    def test_refused_after_the_cutoff(self):
        shipment = self.released_shipment()
        self.run_timeline(shipment, PICKED_UP_STEPS)
        self.assertEqual(shipment.status, "picked_up")
        with self.assertRaises(appointments.AppointmentRefused) as refused:
            shipment._appointment_request(
                self._in_two_days(), self._in_two_days() + timedelta(hours=2)
            )
        self.assertTrue(refused.exception.conflict)
        self.assertIn("cut-off is passed", refused.exception.reason)
        self.assertEqual(shipment.appointment_state, "none")
        self.assertFalse(shipment.appointment_start)
        self.assertFalse(self._messages(shipment))

    def test_invalid_request_changes_nothing(self):
        shipment = self.released_shipment()
        start = self._in_two_days()
        with self.assertRaises(appointments.AppointmentRefused) as refused:
            shipment._appointment_request(start, start - timedelta(hours=1))
        self.assertFalse(refused.exception.conflict)
        self.assertEqual(
            [p["pointer"] for p in refused.exception.problems], ["/window/end"]
        )
        self.assertEqual(shipment.appointment_state, "none")
        self.assertFalse(self._messages(shipment))

    def test_tms_refusal_rejects_the_appointment(self):
        shipment = self.released_shipment()
        self.tms.control(
            "faults",
            {"status": 409, "body": {"error": "no appointments on this lane"}},
        )
        self._request(shipment, self._in_two_days())
        (message,) = self._messages(shipment)
        self.assertEqual(message.state, "dead")
        self.assertEqual(shipment.appointment_state, "rejected")
        self.assertIn("Refused by the TMS", shipment.appointment_note)
        # Not a refused shipment: its status and exception are untouched.
        self.assertFalse(shipment.exception_type)
        self.assertEqual(self._codes(shipment), ["YR", "YX"])

    def test_attempted_delivery_misses_the_appointment(self):
        self.tms.control("scenario", {"outcome": "attempted"})
        shipment = self.released_shipment()
        self._request(shipment, self._in_two_days())
        self.run_timeline(shipment, ALL_STEPS)
        self.assertRecordValues(
            shipment,
            [
                {
                    "status": "exception",
                    # The failed delivery's exception: a redelivery answers it.
                    "exception_type": "failed_delivery",
                    "appointment_state": "missed",
                    "appointment_missed_cause": "attempted",
                }
            ],
        )

    def test_the_slot_belongs_to_the_tms(self):
        shipment = self.released_shipment()
        with self.assertRaises(UserError):
            shipment.appointment_slot_start = self._in_two_days()
        with self.assertRaises(UserError):
            shipment.appointment_start = self._in_two_days()
