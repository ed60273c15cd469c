from odoo import _, api, fields, models
from odoo.exceptions import UserError


class LogisticsClaimLine(models.Model):
    """What a claim is for: an item of the shipment, how many, at what value."""

    _name = "logistics.claim.line"
    _description = "Carrier Claim Line"
    _order = "claim_id, sequence, id"

    claim_id = fields.Many2one(
        "logistics.claim", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="claim_id.company_id", store=True)
    currency_id = fields.Many2one(related="claim_id.currency_id")
    sequence = fields.Integer(default=10)
    shipment_line_id = fields.Many2one(
        "logistics.shipment.line",
        string="Shipment item",
        ondelete="set null",
        domain="[('shipment_id', '=', parent.shipment_id)]",
    )
    product_id = fields.Many2one(
        "product.product",
        compute="_compute_product_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    description = fields.Char()
    quantity = fields.Float(
        required=True, default=1.0, digits="Product Unit of Measure"
    )
    unit_value = fields.Monetary(
        compute="_compute_unit_value",
        store=True,
        readonly=False,
        precompute=True,
        help="The value of one unit: the price on the order (else the product's cost).",
    )
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        readonly=False,
        precompute=True,
        string="Amount claimed",
    )

    _sql_constraints = [
        ("quantity_positive", "CHECK(quantity > 0)", "Quantities must be positive."),
        ("amount_positive", "CHECK(amount >= 0)", "Amounts cannot be negative."),
    ]

    @api.depends("shipment_line_id")
    def _compute_product_id(self):
        for line in self:
            line.product_id = line.shipment_line_id.product_id or line.product_id

    @api.depends("shipment_line_id", "product_id")
    def _compute_unit_value(self):
        for line in self:
            line.unit_value = line._default_unit_value()

    @api.depends("quantity", "unit_value")
    def _compute_amount(self):
        for line in self:
            line.amount = line.claim_id.currency_id.round(
                line.quantity * line.unit_value
            )

    def _default_unit_value(self):
        self.ensure_one()
        move = self.shipment_line_id.move_id
        sale_line = move.sale_line_id if "sale_line_id" in move._fields else False
        currency = self.claim_id.currency_id or self.env.company.currency_id
        if sale_line and sale_line.currency_id == currency:
            return sale_line.price_reduce_taxexcl
        return self.product_id.standard_price or self.product_id.lst_price

    def write(self, vals):
        if self.claim_id.filtered(lambda c: c.state != "open") and set(vals) - {
            "sequence",
            "description",
        }:
            raise UserError(
                _(
                    "The lines of a submitted claim are what the carrier got: "
                    "they do not change."
                )
            )
        return super().write(vals)
