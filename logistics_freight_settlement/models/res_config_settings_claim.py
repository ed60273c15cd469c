from odoo import fields, models


# One model, one file per concern (see res_config_settings.py).
# pylint: disable=consider-merging-classes-inherited
class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    freight_claim_days = fields.Integer(
        related="company_id.freight_claim_days", readonly=False
    )
    freight_claim_settlement = fields.Selection(
        related="company_id.freight_claim_settlement", readonly=False
    )
