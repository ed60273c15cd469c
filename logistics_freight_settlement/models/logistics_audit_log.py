from odoo import fields, models


class LogisticsAuditLog(models.Model):
    _inherit = "logistics.audit.log"

    action = fields.Selection(
        selection_add=[("claim", "Carrier claim")], ondelete={"claim": "cascade"}
    )
