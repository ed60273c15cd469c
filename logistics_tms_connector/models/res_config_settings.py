from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    logistics_return_credit_policy = fields.Selection(
        related="company_id.logistics_return_credit_policy", readonly=False
    )
