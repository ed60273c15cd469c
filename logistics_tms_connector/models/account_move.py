from odoo import fields, models

from .sale_order import SHIPMENT_READERS


class AccountMove(models.Model):
    _inherit = "account.move"

    logistics_shipment_id = fields.Many2one(
        "logistics.shipment",
        string="Delivered by shipment",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups=SHIPMENT_READERS,
        help="The shipment whose delivery, reported by the TMS, made this "
        "invoice (customer invoiced on delivery).",
    )
