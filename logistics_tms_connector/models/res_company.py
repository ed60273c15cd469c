from odoo import fields, models

from ..lib import returns


class ResCompany(models.Model):
    _inherit = "res.company"

    logistics_return_credit_policy = fields.Selection(
        returns.CREDIT_POLICIES,
        string="Credit note on returns",
        default=returns.CREDIT_NONE,
        required=True,
        help="When the warehouse receives the goods of a refused or returned "
        "delivery: no credit note, a draft one, or a posted one, for what was "
        "invoiced on delivered quantities. A customer may have its own policy.",
    )
    logistics_return_auto_max_value = fields.Float(
        string="Approve returns up to (value)",
        help="Customer returns worth at most this (order prices, untaxed) are "
        "approved at once; 0: no threshold on the value. With no threshold at "
        "all, a manager approves every return.",
    )
    logistics_return_auto_max_qty = fields.Float(
        string="Approve returns up to (quantity)",
        help="Customer returns of at most this many units are approved at once; "
        "0: no threshold on the quantity.",
    )
