from odoo import fields, models

from ..lib import stock_validation
from .stock_warehouse import RELEASE_TRIGGERS


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    tms_release_trigger = fields.Selection(
        RELEASE_TRIGGERS,
        string="Release to TMS",
        help="When orders shipped with this method are released to the TMS. "
        "Empty: as their warehouse says.",
    )
    tms_validation_trigger = fields.Selection(
        stock_validation.TRIGGERS,
        string="Delivery order validated",
        help="Who validates the delivery orders shipped with this method: the "
        "warehouse, or the TMS's pickup (AF) or delivery (D1) event. "
        "Empty: as their warehouse says.",
    )
