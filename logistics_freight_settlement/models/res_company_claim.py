from odoo import fields, models

from ..lib import claims

DEFAULT_CLAIM_DAYS = 7


# One model, one file per concern (see res_company.py).
# pylint: disable=consider-merging-classes-inherited
class ResCompany(models.Model):
    _inherit = "res.company"

    freight_claim_days = fields.Integer(
        string="Claim filing days",
        default=DEFAULT_CLAIM_DAYS,
        help="Days after the delivery (or the incident) to file a claim with a "
        "carrier that sets none of its own. 0: no deadline.",
    )
    freight_claim_settlement = fields.Selection(
        claims.SETTLEMENT_MODES,
        string="Accepted claims",
        default=claims.CREDIT_NOTE,
        required=True,
        help="What the accepted amount of a claim becomes: a vendor credit note "
        "from the carrier, or a deduction line on the carrier's next freight bill "
        "(made by the settlement run).",
    )
