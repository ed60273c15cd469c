from odoo import fields, models

from ..lib import returns


# One model, one file per seam (see res_partner.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class ResPartner(models.Model):
    _inherit = "res.partner"

    logistics_return_credit_policy = fields.Selection(
        returns.CREDIT_POLICIES,
        string="Credit note on returns",
        company_dependent=True,
        help="When the warehouse receives the goods of this customer's refused "
        "or returned delivery: no credit note, a draft one, or a posted one. "
        "Empty: the company's setting. Set on the company (commercial partner).",
    )
