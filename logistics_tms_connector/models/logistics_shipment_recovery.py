from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.logistics_integration_base.lib import errors, receipt, trust

from ..lib import milestones
from .logistics_shipment import EXCEPTION_TYPES, TMS

MANAGER_GROUP = "logistics_tms_connector.group_tms_manager"
EXCEPTION_ACTIVITY = "logistics_tms_connector.mail_activity_type_shipment_exception"
# Exception type -> the milestone code that raises it (its cause).
CAUSE_FOR_EXCEPTION = {
    "tms_refused": milestones.TENDER_DECLINED,
    "failed_delivery": milestones.DELIVERY_ATTEMPTED,
    "refused": milestones.REFUSED,
}
# Recovery action -> its audit log action.
AUDIT_ACTIONS = {
    milestones.RETENDER: "exception_retender",
    milestones.REDELIVERY: "exception_redelivery",
    milestones.RESOLVE: "exception_resolved",
}


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """Leaving an exception: re-tender after a declined tender, redelivery
    after an attempted delivery, resolution (of a delay, or by hand).

    Each is an action in Odoo, audited with its outcome; the status it resumes
    in comes from lib/milestones.py (`recovery_status`). The TMS's own
    milestones can end an exception too (`_tms_recovered`).
    """

    _inherit = "logistics.shipment"

    # ------------------------------------------------------------------
    # actions

    def action_retender(self):
        """Tender the shipment again after the TMS declined it (a new release
        message, hence a new idempotency key); its answer moves it on."""
        self._logistics_check_access("write", group=MANAGER_GROUP)
        for shipment in self:
            shipment._recover(milestones.RETENDER)
        return True

    def action_open_redelivery(self):
        """The redelivery form (an optional new delivery window)."""
        self._logistics_check_access("write", group=MANAGER_GROUP)
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Request redelivery"),
            "res_model": "logistics.shipment.redelivery",
            "view_mode": "form",
            "target": "new",
            "context": {"default_shipment_id": self.id},
        }

    def action_request_redelivery(
        self, delivery_start=None, delivery_end=None, note=None
    ):
        """Ask the TMS to deliver again after an attempted delivery, in a new
        window if given (both ends, UTC); later milestones move it on."""
        self._logistics_check_access("write", group=MANAGER_GROUP)
        start = fields.Datetime.to_datetime(delivery_start or None)
        end = fields.Datetime.to_datetime(delivery_end or None)
        if bool(start) != bool(end):
            raise UserError(_("A new delivery window needs its start and its end."))
        if start and end <= start:
            raise UserError(_("The new delivery window must end after it starts."))
        for shipment in self:
            shipment._recover(milestones.REDELIVERY, window=(start, end), note=note)
        return True

    # ------------------------------------------------------------------
    # implementation

    def _exception_cause(self):
        """The canonical code that put the shipment in exception, or None (a
        refused call, a delay): its last milestone that moved the status, if
        that is the exception's. A call the TMS refused after it (e.g. a
        redelivery) keeps that cause: the same recovery can be tried again."""
        self.ensure_one()
        moving = [
            code for code in self._milestone_codes() if milestones.STATUS_FOR_CODE[code]
        ]
        last = moving[-1] if moving else None
        if last not in milestones.EXCEPTION_CODES:
            return None
        expected = CAUSE_FOR_EXCEPTION.get(self.exception_type)
        return (
            last if self.exception_type == "tms_refused" or last == expected else None
        )

    def _milestone_codes(self):
        """The shipment's (not stale) milestone codes, in the order they happened."""
        self.ensure_one()
        return (
            self.milestone_ids.filtered(lambda m: not m.is_stale)
            .sorted(lambda m: (m.event_time, m.id))
            .mapped("code")
        )

    def _recovery_status(self, action):
        """The status `action` resumes in (None: unchanged); a UserError when
        it does not fit the exception."""
        self.ensure_one()
        try:
            return milestones.recovery_status(
                self.status, action, self._exception_cause(), self._milestone_codes()
            )
        except milestones.RecoveryRefused as err:
            raise UserError(
                _(
                    "%(shipment)s cannot be recovered this way: %(reason)s.",
                    shipment=self.name,
                    reason=err,
                )
            ) from err

    def _recover(self, action, window=(None, None), note=None):
        """Apply a recovery action: status, exception closed, TMS told, audit."""
        self.ensure_one()
        if action != milestones.RESOLVE and not self.exception_type:
            raise UserError(_("Shipment %s is not in exception.", self.name))
        new_status = self._recovery_status(action)
        if (
            action == milestones.RETENDER
            and self.tms_reference
            and self._exception_cause() != milestones.TENDER_DECLINED
        ):
            raise UserError(
                _(
                    "%s is held by the TMS (its tender was not declined): resolve "
                    "the exception instead of tendering it again.",
                    self.name,
                )
            )
        exception = dict(EXCEPTION_TYPES).get(self.exception_type) or _("none")
        vals = {"status": new_status} if new_status else {}
        if action == milestones.REDELIVERY and window[0]:
            vals.update(
                requested_delivery_start=window[0],
                requested_delivery_end=window[1],
                promised_delivery_end=window[1],
            )
        self._close_exception(vals)
        if action == milestones.RETENDER:
            self._send_to_tms("shipment.release")
            details = _("Tendered again to %s.", self.endpoint_id.name)
        elif action == milestones.REDELIVERY:
            message = self._send_redelivery(window, note)
            details = _(
                "Redelivery requested from %(tms)s (message %(message)s)%(window)s.",
                tms=self.endpoint_id.name,
                message=message.id,
                window=_(
                    ", window %(start)s - %(end)s UTC", start=window[0], end=window[1]
                )
                if window[0]
                else "",
            )
        else:
            details = _("Resolved.")
        details = _(
            "%(exception)s: %(details)s Status %(status)s.%(note)s",
            exception=exception,
            details=details,
            status=self.status,
            note=(" " + note) if note else "",
        )
        self.message_post(body=details)
        self._audit_recovery(action, "success", details)

    def _close_exception(self, vals=None):
        """Clear the exception (and write `vals`), close its activity."""
        self.ensure_one()
        self.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref(EXCEPTION_ACTIVITY)
        ).action_done()
        # Odoo's own fields, not an amendment toward the TMS (the redelivery
        # request carries the new window).
        self.with_context(**{trust.SOURCE_KEY: trust.TrustedSource("odoo")}).write(
            {
                "exception_type": False,
                "exception_resolved_at": fields.Datetime.now(),
                **(vals or {}),
            }
        )

    def _audit_recovery(self, action, outcome, details):
        self.env["logistics.audit.log"]._append(
            AUDIT_ACTIONS[action],
            outcome,
            record=self,
            endpoint=self.endpoint_id,
            correlation_id=self.correlation_id,
            company_id=self.company_id.id,
            details=details,
        )

    def _send_redelivery(self, window=(None, None), note=None):
        """Log the redelivery request; its job calls the TMS."""
        self.ensure_one()
        message, outcome, reason = self.env["logistics.message"]._send(
            "shipment.redeliver",
            {
                "reference": self.name,
                "tms_reference": self.tms_reference,
                "delivery_window": self._window(*window),
                "reason": note or None,
            },
            endpoint_id=self.endpoint_id.id,
            correlation_id=self.correlation_id,
            res_model=self._name,
            res_id=self.id,
            aggregate_key=self._tms_aggregate_key(),
        )
        if outcome == receipt.REJECTED:
            raise UserError(
                _(
                    "The redelivery of %(name)s cannot be sent to the TMS: %(reason)s",
                    name=self.name,
                    reason=reason,
                )
            )
        return message

    def _tms_send_redelivery(self, message):
        shipment = self.browse(message.res_id)
        if not shipment.tms_reference:
            raise errors.PermanentError(
                _(
                    "%s was never answered by the TMS: nothing to redeliver.",
                    shipment.name,
                ),
                system=TMS,
            )
        window = message.payload.get("delivery_window")
        client = self._tms_client_for(message)
        answer = client.redeliver(
            shipment.tms_reference,
            {"start": window["start"], "end": window["end"]} if window else None,
            message.payload.get("reason"),
        )
        return {"redelivery": shipment.tms_reference, "status": answer.get("status")}

    def _tms_recovered(self, code, message):
        """The TMS's own milestone took the shipment out of exception (a new
        tender accepted, a new delivery run): the exception is over."""
        self.ensure_one()
        exception = dict(EXCEPTION_TYPES).get(self.exception_type)
        self._close_exception()
        details = _(
            "%(exception)s: ended by the TMS (%(milestone)s). Status %(status)s.",
            exception=exception,
            milestone=milestones.CANONICAL[code],
            status=self.status,
        )
        self.message_post(body=details)
        self.env["logistics.audit.log"]._append(
            AUDIT_ACTIONS[milestones.RESOLVE],
            "success",
            message=message,
            details=details,
        )
