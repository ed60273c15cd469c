from odoo import fields, models


class LogisticsFreightChargeType(models.Model):
    """What a freight charge is for: base freight, fuel, an accessorial...

    Decides how a charge is booked: the product of the bill and invoice lines,
    the expense and income accounts, the analytic distribution, and whether it
    is passed on to customers.
    """

    _name = "logistics.freight.charge.type"
    _description = "Freight Charge Type"
    _inherit = ["analytic.mixin"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        index=True,
        help="The suite's own code of the type, e.g. FUEL (external codes are "
        "mapped to it in the charge code table).",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    is_accessorial = fields.Boolean(
        string="Accessorial",
        help="A service beyond pickup and line-haul (tail-lift, detention, "
        "residential delivery...).",
    )
    description = fields.Text(translate=True)
    product_id = fields.Many2one(
        "product.product",
        string="Product",
        domain="[('type', '=', 'service')]",
        help="Product of the vendor bill and customer invoice lines (taxes, "
        "default accounts).",
    )
    expense_account_id = fields.Many2one(
        "account.account",
        string="Expense account",
        company_dependent=True,
        domain="[('deprecated', '=', False)]",
        help="Carrier bill lines of this type (default: the product's expense "
        "account).",
    )
    income_account_id = fields.Many2one(
        "account.account",
        string="Income account",
        company_dependent=True,
        domain="[('deprecated', '=', False)]",
        help="Customer invoice lines rebilling this type (default: the "
        "product's income account).",
    )
    rebillable = fields.Boolean(
        default=True,
        help="Passed on to customers whose freight terms are prepaid and add.",
    )
    code_map_ids = fields.One2many(
        "logistics.freight.charge.code.map", "charge_type_id", string="External codes"
    )

    _sql_constraints = [
        ("code_unique", "unique(code)", "A charge type code must be unique."),
    ]
