from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

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
