from odoo import fields, models

CHUNK_SIZE_PARAM = "logistics_freight_settlement.chunk_size"
DEFAULT_CHUNK_SIZE = 500


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    freight_dispute_user_id = fields.Many2one(
        related="company_id.freight_dispute_user_id", readonly=False
    )
    freight_auto_post_bills = fields.Boolean(
        related="company_id.freight_auto_post_bills", readonly=False
    )
    freight_settlement_chunk_size = fields.Integer(
        string="Settlement chunk size",
        config_parameter=CHUNK_SIZE_PARAM,
        default=DEFAULT_CHUNK_SIZE,
        help="Charges per settlement job; each job makes one vendor bill per "
        "carrier, currency and carrier invoice.",
    )
