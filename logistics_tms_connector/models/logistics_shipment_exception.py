from odoo import _, api, fields, models

from ..lib import delay, milestones
from .logistics_shipment import EXCEPTION_TYPES

# Milestone codes that put the shipment in exception, and which exception.
EXCEPTION_FOR_CODE = {
    milestones.DELIVERY_ATTEMPTED: "failed_delivery",
    milestones.REFUSED: "refused",
    milestones.RETURNED: "returned",
}
# Exceptions that leave the status as it is: a delay (the shipment is still on
# its way), a missed appointment (it may well be delivered).
STATUS_NEUTRAL_EXCEPTIONS = frozenset({"delay", "missed_appointment"})


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """Exceptions: declined tenders, failed deliveries, refusals, delays."""

    _inherit = "logistics.shipment"

    def action_resolve_exception(self):
        """Close the exception by hand (a delay dealt with, a failed delivery
        settled with the customer): audited; a shipment in exception resumes
        the status its milestones lead to (logistics_shipment_recovery.py)."""
        self._logistics_check_access(
            "write", group="logistics_tms_connector.group_tms_manager"
        )
        for shipment in self.filtered("exception_type"):
            shipment._recover(milestones.RESOLVE)
        return True

    def _tms_exceptions(self, code, data, message):
        """Declined tenders, failed or refused deliveries, returns and delays."""
        self.ensure_one()
        reason = " ".join(filter(None, (data.get("reason_code"), data.get("reason"))))
        if code == milestones.TENDER_DECLINED:
            self._raise_exception(
                "tms_refused", _("The TMS declined the tender: %s", reason), message
            )
            return
        if code in EXCEPTION_FOR_CODE:
            self._raise_exception(EXCEPTION_FOR_CODE[code], reason, message)
            return
        late_by = delay.delay_minutes(
            self.eta or None, self.promised_delivery_end or None
        )
        if late_by:
            note = _(
                "ETA %(eta)s is %(minutes)s minutes past the promised window.",
                eta=self.eta,
                minutes=late_by,
            )
            self._raise_exception("delay", note, message)
        elif code == milestones.DELAYED:
            self._raise_exception(
                "delay", _("The TMS reports a delay: %s", reason), message
            )

    def _raise_exception(self, exception_type, note, message=None):
        """Put the shipment in exception once: state, activity, chatter."""
        self.ensure_one()
        if self.exception_type == exception_type:
            return
        self.write(
            {
                "exception_type": exception_type,
                "exception_note": note,
                "exception_resolved_at": False,
                **(
                    {"status": milestones.STATUS_EXCEPTION}
                    if exception_type not in STATUS_NEUTRAL_EXCEPTIONS
                    else {}
                ),
            }
        )
        self.activity_schedule(
            "logistics_tms_connector.mail_activity_type_shipment_exception",
            summary=dict(EXCEPTION_TYPES)[exception_type],
            note=note,
            user_id=self._exception_user().id,
        )
        self.message_post(
            body=_(
                "Exception: %(type)s. %(note)s (correlation %(corr)s)",
                type=dict(EXCEPTION_TYPES)[exception_type],
                note=note,
                corr=message.correlation_id if message else self.correlation_id,
            )
        )

    def _exception_user(self):
        warehouse = self.picking_ids.picking_type_id.warehouse_id[:1]
        return (
            warehouse.tms_exception_user_id
            or self.sale_order_id.user_id
            or self.endpoint_id.create_uid
            or self.env.ref("base.user_admin")
        )

    @api.model
    def _cron_detect_overdue(self):
        """Shipments past their promised window with no delivery: a delay."""
        overdue = self.search(
            [
                ("status", "in", milestones.OPEN_STATUSES),
                ("promised_delivery_end", "<", fields.Datetime.now()),
                ("exception_type", "=", False),
            ]
        )
        for shipment in overdue:
            shipment._raise_exception(
                "delay",
                _(
                    "Not delivered by the promised %(end)s; last news: %(last)s.",
                    end=shipment.promised_delivery_end,
                    last=shipment.milestone_ids.sorted("event_time")[-1:].label
                    or _("none"),
                ),
            )
        return len(overdue)
