"""Flow `appointment.request`: the customer asks for a delivery appointment,
or answers the TMS's proposal (API or portal form); each change of the
appointment is pushed to the customer's webhooks (`appointment.<state>`)."""

from odoo import _, api, models

from odoo.addons.logistics_integration_base.lib import outcome, timestamps
from odoo.addons.logistics_tms_connector.lib import appointments

from .logistics_shipment import _iso

# The appointment states a customer is told of, and their webhook event.
EVENT_FOR_STATE = {
    appointments.STATE_REQUESTED: "appointment.requested",
    appointments.STATE_PROPOSED: "appointment.proposed",
    appointments.STATE_CONFIRMED: "appointment.confirmed",
    appointments.STATE_REJECTED: "appointment.rejected",
    appointments.STATE_MISSED: "appointment.missed",
}


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    _inherit = "logistics.shipment"

    @api.model
    def _portal_request_appointment(self, message):
        """Handler of `appointment.request`: a new request (`window`) or the
        answer to a proposal (`decision`); refusals are outcomes (422 for the
        request, 409 for the shipment's state or the cut-off), nothing changed."""
        shipment = self.browse(message.res_id).exists()
        # An empty object is stored as no payload (False).
        body = message.payload or {}
        if not shipment or message.res_model != self._name:
            return outcome.refused(
                "unknown_shipment",
                _("No such shipment for this customer."),
                [outcome.problem("", "unknown shipment")],
            ).to_json()
        has_window, has_decision = "window" in body, "decision" in body
        if has_window == has_decision:
            return outcome.refused(
                "invalid_appointment",
                _("Send either a window (a request) or a decision (an answer)."),
                [
                    outcome.problem(
                        "/window" if has_window else "",
                        "window and decision exclude each other"
                        if has_window
                        else "window or decision is required",
                    )
                ],
            ).to_json()
        try:
            if has_decision:
                shipment._appointment_decide(body["decision"] == "accept", message)
            else:
                window = body["window"]
                shipment._appointment_request(
                    timestamps.parse_or_none(window.get("start")),
                    timestamps.parse_or_none(window.get("end")),
                    dock=body.get("dock"),
                    contact=body.get("contact"),
                    reference=body.get("reference"),
                    message=message,
                )
        except appointments.AppointmentRefused as err:
            if err.conflict:
                return outcome.state_conflict(
                    "appointment_refused", err.reason, err.problems
                ).to_json()
            return outcome.refused(
                "invalid_appointment", err.reason, err.problems
            ).to_json()
        return outcome.applied(shipment._portal_json()).to_json()

    def _appointment_changed(self, message=None):
        result = super()._appointment_changed(message)
        event = EVENT_FOR_STATE.get(self.appointment_state)
        if event and self.partner_id:
            self.env["logistics.customer.webhook"]._notify(
                self.partner_id,
                event,
                lambda: self._portal_json(with_timeline=False),
                self.correlation_id,
                self,
            )
        return result

    def _portal_json(self, with_timeline=True):
        answer = super()._portal_json(with_timeline=with_timeline)
        answer["appointment"] = self._portal_appointment_json()
        return answer

    def _portal_appointment_json(self):
        """The delivery appointment as the customer sees it (None: none)."""
        self.ensure_one()
        if self.appointment_state in (False, appointments.STATE_NONE):
            return None
        slot = self.appointment_slot_start and {
            "start": _iso(self.appointment_slot_start),
            "end": _iso(self.appointment_slot_end),
        }
        return {
            "state": self.appointment_state,
            "requested_window": {
                "start": _iso(self.appointment_start),
                "end": _iso(self.appointment_end),
            }
            if self.appointment_start
            else None,
            "dock": self.appointment_dock or None,
            "contact": self.appointment_contact or None,
            "reference": self.appointment_reference or None,
            # The TMS's slot: proposed (to accept or decline) or confirmed.
            "slot": slot
            if self.appointment_state
            in (
                appointments.STATE_PROPOSED,
                appointments.STATE_CONFIRMED,
                appointments.STATE_MISSED,
            )
            else None,
            "missed_cause": self.appointment_missed_cause or None,
            "note": self.appointment_note or None,
        }
