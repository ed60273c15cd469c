from odoo import api, fields, models

from ..lib import service_requests as sr


class LogisticsServiceRequestAnswer(models.TransientModel):
    """Answer (or refuse) a customer's service request: the text they will read."""

    _name = "logistics.service.request.answer"
    _description = "Answer a Service Request"

    request_id = fields.Many2one(
        "logistics.service.request", required=True, ondelete="cascade"
    )
    status = fields.Selection(
        [(sr.STATUS_ANSWERED, "Answer"), (sr.STATUS_REFUSED, "Refuse")],
        string="Decision",
        required=True,
        default=sr.STATUS_ANSWERED,
    )
    answer = fields.Text(required=True, help="What the customer reads.")

    @api.model
    def default_get(self, fields_list):
        # Only the team answers (the wizard is public over JSON-RPC too).
        self.env["logistics.service.request"]._check_handler()
        values = super().default_get(fields_list)
        request = self.env["logistics.service.request"].browse(values.get("request_id"))
        if request:
            request._check_handler()
        return values

    def action_confirm(self):
        self.check_access("write")
        self.request_id._check_handler()
        self.ensure_one()
        self.request_id._answer(self.status, self.answer)
        return {"type": "ir.actions.act_window_close"}
