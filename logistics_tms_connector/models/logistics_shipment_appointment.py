import logging

from odoo import _, api, fields, models

from odoo.addons.logistics_integration_base.lib import errors, receipt, timestamps

from ..lib import appointments, milestones
from ..lib.performance import Window
from .logistics_shipment import TMS

_logger = logging.getLogger(__name__)
PORTAL = "portal"
# The requested appointment: the customer's (the portal owns it).
REQUEST_FIELDS = (
    "appointment_start",
    "appointment_end",
    "appointment_dock",
    "appointment_contact",
    "appointment_reference",
)


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """Delivery appointments: requested by the customer, sent to the TMS as
    an amendment (flow `shipment.appointment`) until the cut-off, proposed,
    confirmed or rejected by the TMS (`shipment.appointment` events), and
    missed by a delivery outside the confirmed slot or an attempted one.

    The rules (states, cut-off, validation, missed) are in
    lib/appointments.py; each change is on the timeline (a milestone) and
    told to `_appointment_changed` (the portal pushes it to the customer).
    """

    _inherit = "logistics.shipment"

    appointment_state = fields.Selection(
        appointments.STATES,
        string="Appointment",
        default=appointments.STATE_NONE,
        copy=False,
        tracking=True,
    )
    appointment_start = fields.Datetime(
        string="Requested appointment start", copy=False, tracking=True
    )
    appointment_end = fields.Datetime(
        string="Requested appointment end", copy=False, tracking=True
    )
    appointment_dock = fields.Char(
        string="Appointment dock",
        copy=False,
        tracking=True,
        help="The dock or gate at the consignee.",
    )
    appointment_contact = fields.Char(
        copy=False, tracking=True, help="Whom the carrier calls at the consignee."
    )
    appointment_reference = fields.Char(
        copy=False, tracking=True, help="The customer's booking reference."
    )
    appointment_slot_start = fields.Datetime(
        string="Appointment slot start",
        copy=False,
        tracking=True,
        help="The slot the TMS proposed or confirmed (the TMS owns it).",
    )
    appointment_slot_end = fields.Datetime(
        string="Appointment slot end", copy=False, tracking=True
    )
    appointment_note = fields.Char(
        copy=False, help="Why the appointment was rejected or missed."
    )
    appointment_missed_cause = fields.Selection(
        appointments.MISSED_CAUSES, copy=False, tracking=True
    )

    # ------------------------------------------------------------------
    # the customer's side

    def _appointment_request(
        self, start, end, *, dock=None, contact=None, reference=None, message=None
    ):
        """Ask for a delivery appointment (naive UTC datetimes, or None): the
        request stored (the portal's fields), on the timeline, and sent to the
        TMS. :raises appointments.AppointmentRefused: after the cut-off, or
        for an invalid request (nothing changed)."""
        self.ensure_one()
        self._appointment_check_cutoff()
        problems = appointments.request_problems(
            start,
            end,
            fields.Datetime.now(),
            dock=dock,
            contact=contact,
            reference=reference,
        )
        if problems:
            raise appointments.AppointmentRefused(
                _("The appointment request is not valid."), problems
            )
        state = self._appointment_next_state(appointments.REQUEST)
        self._logistics_apply(
            {
                "appointment_start": start,
                "appointment_end": end,
                "appointment_dock": dock or False,
                "appointment_contact": contact or False,
                "appointment_reference": reference or False,
            },
            PORTAL,
            message,
        )
        self.write(
            {
                "appointment_state": state,
                "appointment_note": False,
                "appointment_missed_cause": False,
            }
        )
        self._appointment_milestone(milestones.APPOINTMENT_REQUESTED, message)
        self._send_appointment(start, end)
        self._appointment_changed(message)
        return True

    def _appointment_decide(self, accept, message=None):
        """The customer accepts (the TMS is asked for the proposed slot) or
        declines the TMS's proposal."""
        self.ensure_one()
        self._appointment_check_cutoff()
        action = appointments.ACCEPT if accept else appointments.DECLINE
        state = self._appointment_next_state(action)
        if accept:
            self.write({"appointment_state": state})
            self._appointment_milestone(milestones.APPOINTMENT_CONFIRMED, message)
            self._send_appointment(
                self.appointment_slot_start, self.appointment_slot_end
            )
        else:
            self.write(
                {
                    "appointment_state": state,
                    "appointment_note": _("The customer declined the proposed slot."),
                }
            )
            self._appointment_milestone(
                milestones.APPOINTMENT_REJECTED,
                message,
                reason=_("The customer declined the proposed slot."),
            )
        self._appointment_changed(message)
        return True

    def _appointment_check_cutoff(self):
        refusal = appointments.cutoff_refusal(self.status)
        if refusal:
            raise appointments.AppointmentRefused(
                _(
                    "%(shipment)s takes no appointment: %(reason)s.",
                    shipment=self.name,
                    reason=refusal,
                ),
                conflict=True,
            )

    def _appointment_next_state(self, action):
        try:
            # Shipments made before appointments existed have none (NULL).
            return appointments.next_state(
                self.appointment_state or appointments.STATE_NONE, action
            )
        except appointments.AppointmentRefused as err:
            raise appointments.AppointmentRefused(
                _("%(shipment)s: %(reason)s.", shipment=self.name, reason=err.reason),
                conflict=True,
            ) from err

    # ------------------------------------------------------------------
    # toward the TMS (an amendment through the message log)

    def _send_appointment(self, start, end):
        """Log the appointment request; its job calls the TMS."""
        self.ensure_one()
        message, outcome, reason = self.env["logistics.message"]._send(
            "shipment.appointment",
            {
                "reference": self.name,
                "tms_reference": self.tms_reference,
                "window": self._window(start, end),
                "dock": self.appointment_dock or None,
                "contact": self.appointment_contact or None,
                "booking_reference": self.appointment_reference or None,
            },
            endpoint_id=self.endpoint_id.id,
            correlation_id=self.correlation_id,
            res_model=self._name,
            res_id=self.id,
            aggregate_key=self._tms_aggregate_key(),
        )
        if outcome == receipt.REJECTED:
            raise appointments.AppointmentRefused(
                _(
                    "The appointment of %(name)s cannot be sent to the TMS: %(reason)s",
                    name=self.name,
                    reason=reason,
                ),
                conflict=True,
            )
        return message

    @api.model
    def _tms_send_appointment(self, message):
        shipment = self.browse(message.res_id)
        if not shipment.tms_reference:
            raise errors.RetryableError(
                _("The release of %s is not answered yet.", shipment.name), system=TMS
            )
        payload = message.payload
        client = self._tms_client_for(message)
        answer = client.appointment(
            shipment.tms_reference,
            {
                "window": {
                    "start": payload["window"]["start"],
                    "end": payload["window"]["end"],
                },
                "dock": payload.get("dock"),
                "contact": payload.get("contact"),
                "reference": payload.get("booking_reference"),
            },
        )
        return {"appointment": shipment.tms_reference, "status": answer.get("status")}

    @api.model
    def _tms_appointment_dead(self, message):
        """The TMS refused the appointment for good (e.g. past its cut-off):
        the appointment is rejected, with the TMS's reason."""
        shipment = self.browse(message.res_id).exists()
        if not shipment:
            return
        reason = _("Refused by the TMS: %s", message.last_error)
        if shipment.appointment_state in (
            appointments.STATE_REQUESTED,
            appointments.STATE_CONFIRMED,
        ):
            shipment.write(
                {
                    "appointment_state": appointments.STATE_REJECTED,
                    "appointment_note": reason,
                }
            )
            shipment._appointment_milestone(
                milestones.APPOINTMENT_REJECTED, message, reason=reason
            )
            shipment._appointment_changed(message)
        else:
            shipment.message_post(body=reason)

    # ------------------------------------------------------------------
    # from the TMS

    def _tms_exceptions(self, code, data, message):
        """Appointment events, and a delivery measured against the slot."""
        result = super()._tms_exceptions(code, data, message)
        if code in appointments.ACTION_FOR_CODE:
            self._tms_apply_appointment(code, data, message)
        elif code in (milestones.DELIVERED, milestones.DELIVERY_ATTEMPTED):
            self._appointment_check_missed(code, message)
        return result

    def _tms_apply_appointment(self, code, data, message):
        """The TMS proposed, confirmed or rejected the appointment."""
        self.ensure_one()
        try:
            state = appointments.next_state(
                self.appointment_state or appointments.STATE_NONE,
                appointments.ACTION_FOR_CODE[code],
            )
        except appointments.AppointmentRefused as err:
            _logger.info(
                "[%s] %s: appointment event %s ignored: %s",
                message.correlation_id,
                self.name,
                code,
                err.reason,
            )
            self.message_post(
                body=_(
                    "The TMS's %(event)s changed nothing: %(reason)s.",
                    event=milestones.CANONICAL[code],
                    reason=err.reason,
                )
            )
            return
        slot = data.get("appointment") or {}
        if code != milestones.APPOINTMENT_REJECTED:
            # The TMS owns the slot.
            self._logistics_apply(
                {
                    "appointment_slot_start": timestamps.parse_or_none(
                        slot.get("start")
                    )
                    or False,
                    "appointment_slot_end": timestamps.parse_or_none(slot.get("end"))
                    or False,
                },
                TMS,
                message,
            )
        reason = " ".join(filter(None, (data.get("reason_code"), data.get("reason"))))
        self.write({"appointment_state": state, "appointment_note": reason or False})
        self._appointment_changed(message)

    def _appointment_check_missed(self, code, message):
        """A confirmed appointment missed: delivered outside the slot (a
        `missed_appointment` exception), or only attempted (the failed
        delivery's exception, which the redelivery answers)."""
        self.ensure_one()
        if self.appointment_state != appointments.STATE_CONFIRMED:
            return
        slot = self._appointment_slot() or Window()
        cause = appointments.missed_cause(code, message.event_time, slot)
        if not cause:
            return
        label = dict(appointments.MISSED_CAUSES)[cause]
        note = _(
            "Missed delivery appointment (%(start)s - %(end)s UTC): %(cause)s at "
            "%(time)s UTC.",
            start=self.appointment_slot_start,
            end=self.appointment_slot_end,
            cause=label,
            time=message.event_time,
        )
        self.write(
            {
                "appointment_state": appointments.next_state(
                    self.appointment_state, appointments.MISS
                ),
                "appointment_missed_cause": cause,
                "appointment_note": note,
            }
        )
        if cause == appointments.CAUSE_OUTSIDE_WINDOW:
            self._raise_exception("missed_appointment", note, message)
        else:
            self.message_post(body=note)
        self._appointment_changed(message)

    # ------------------------------------------------------------------
    # helpers

    def _appointment_slot(self):
        """The confirmed slot the delivery is measured against (a Window), or
        None when there is none."""
        self.ensure_one()
        if self.appointment_state not in appointments.KEPT_STATES or not (
            self.appointment_slot_start or self.appointment_slot_end
        ):
            return None
        return Window(
            self.appointment_slot_start or None, self.appointment_slot_end or None
        )

    def _appointment_milestone(self, code, message=None, reason=None):
        """A step of the appointment that no TMS event brought: on the timeline."""
        self.ensure_one()
        return self.env["logistics.shipment.milestone"].create(
            {
                "shipment_id": self.id,
                "code": code,
                "event_time": fields.Datetime.now(),
                "reason": reason,
                "message_id": message.id if message else False,
            }
        )

    def _appointment_changed(self, message=None):
        """The appointment changed: said in the chatter; the portal addon
        tells the customer (webhook)."""
        self.ensure_one()
        state = dict(self._fields["appointment_state"].selection)[
            self.appointment_state or appointments.STATE_NONE
        ]
        self.message_post(
            body=_(
                "Delivery appointment %(state)s%(slot)s.%(note)s",
                state=state.lower(),
                slot=_(
                    ": %(start)s - %(end)s UTC",
                    start=self.appointment_slot_start,
                    end=self.appointment_slot_end,
                )
                if self.appointment_state
                in (appointments.STATE_PROPOSED, appointments.STATE_CONFIRMED)
                else "",
                note=(" " + self.appointment_note) if self.appointment_note else "",
            )
        )
