from odoo import fields, models

from .stock_warehouse import RELEASE_TRIGGERS


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    tms_release_trigger = fields.Selection(
        RELEASE_TRIGGERS,
        string="Release to TMS",
        help="When orders shipped with this method are released to the TMS. "
        "Empty: as their warehouse says.",
    )
