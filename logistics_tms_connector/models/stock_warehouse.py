from odoo import fields, models

from ..lib import stock_validation

RELEASE_TRIGGERS = [
    ("manual", "With the Release button"),
    ("order_confirmed", "When the sale order is confirmed"),
    ("picking_ready", "When the delivery order is ready"),
]


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    tms_endpoint_id = fields.Many2one(
        "logistics.endpoint",
        string="TMS",
        domain="[('system', '=', 'tms')]",
        check_company=True,
        help="The TMS that plans this warehouse's outgoing shipments.",
    )
    tms_exception_user_id = fields.Many2one(
        "res.users",
        string="Shipment exceptions handled by",
        domain="[('share', '=', False)]",
        help="Who gets the activity when a shipment goes wrong (delay, failed or "
        "refused delivery, TMS refusal). Empty: the order's salesperson.",
    )
    tms_release_trigger = fields.Selection(
        RELEASE_TRIGGERS,
        string="Release to TMS",
        default="manual",
        required=True,
    )
    tms_validation_trigger = fields.Selection(
        stock_validation.TRIGGERS,
        string="Delivery order validated",
        default=stock_validation.BY_WAREHOUSE,
        required=True,
        help="Who validates this warehouse's delivery orders released to the TMS: "
        "the warehouse, or the TMS's pickup (AF) or delivery (D1) event, with "
        "the quantities it reports (the rest goes to a backorder).",
    )
