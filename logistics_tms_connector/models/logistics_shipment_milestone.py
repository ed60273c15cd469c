from odoo import api, fields, models

from ..lib import milestones


class LogisticsShipmentMilestone(models.Model):
    """One step of a shipment's journey, as the TMS reported it.

    The timeline is ordered by when things happened (event time, UTC), not by
    when the messages arrived.
    """

    _name = "logistics.shipment.milestone"
    _description = "Shipment Milestone"
    _order = "event_time, id"
    _rec_name = "code"

    shipment_id = fields.Many2one(
        "logistics.shipment", required=True, ondelete="cascade", index=True
    )
    code = fields.Selection(
        list(milestones.CANONICAL.items()),
        required=True,
        help="X12 214 AT7 shipment status code (or the suite's own for tender "
        "and carrier steps).",
    )
    label = fields.Char(compute="_compute_label")
    tms_code = fields.Char(string="TMS code", help="The code as the TMS sent it.")
    event_time = fields.Datetime(required=True, help="When it happened (UTC).")
    timezone = fields.Char(help="Time zone the TMS reported the event in.")
    location = fields.Char()
    reason_code = fields.Char()
    reason = fields.Char()
    message_id = fields.Many2one("logistics.message", string="Source message")
    received_at = fields.Datetime(related="message_id.received_at")
    is_stale = fields.Boolean(
        string="Late",
        help="Arrived after newer events: shown on the timeline, changed nothing.",
    )

    _sql_constraints = [
        (
            "message_unique",
            "unique(shipment_id, message_id)",
            "A message adds one milestone.",
        )
    ]

    @api.depends("code")
    def _compute_label(self):
        for milestone in self:
            milestone.label = milestones.CANONICAL.get(milestone.code, "")
