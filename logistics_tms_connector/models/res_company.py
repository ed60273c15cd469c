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
