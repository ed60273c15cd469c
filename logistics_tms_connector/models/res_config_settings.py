from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    logistics_return_credit_policy = fields.Selection(
        related="company_id.logistics_return_credit_policy", readonly=False
    )
    logistics_return_auto_max_value = fields.Float(
        related="company_id.logistics_return_auto_max_value", readonly=False
    )
    logistics_return_auto_max_qty = fields.Float(
        related="company_id.logistics_return_auto_max_qty", readonly=False
    )
