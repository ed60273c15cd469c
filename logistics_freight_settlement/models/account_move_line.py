from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    freight_charge_id = fields.Many2one(
        "logistics.freight.charge",
        string="Freight charge",
        index="btree_not_null",
        ondelete="set null",
        copy=False,
        readonly=True,
    )
