from odoo import fields, models


# One model, one file per concern (see account_move_line.py).
# pylint: disable=consider-merging-classes-inherited
class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    logistics_claim_id = fields.Many2one(
        "logistics.claim",
        string="Carrier claim",
        index="btree_not_null",
        ondelete="set null",
        copy=False,
    )
