# pylint: disable=consider-merging-classes-inherited
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    logistics_service_request_user_id = fields.Many2one(
        related="company_id.logistics_service_request_user_id", readonly=False
    )
    logistics_service_request_team_id = fields.Many2one(
        related="company_id.logistics_service_request_team_id", readonly=False
    )
