from odoo import fields, models

RATE_BASES = [("per_shipment", "Per shipment"), ("per_kg", "Per kg")]


class LogisticsFreightRateCardLine(models.Model):
    _name = "logistics.freight.rate.card.line"
    _description = "Freight Rate Card Line"
    _order = "rate_card_id, id"

    rate_card_id = fields.Many2one(
        "logistics.freight.rate.card", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="rate_card_id.company_id", store=True)
    currency_id = fields.Many2one(related="rate_card_id.currency_id")
    charge_type_id = fields.Many2one(
        "logistics.freight.charge.type", required=True, ondelete="restrict"
    )
    basis = fields.Selection(RATE_BASES, required=True, default="per_shipment")
    rate = fields.Float(required=True, digits="Product Price")
    minimum_amount = fields.Monetary(string="Minimum")

    _sql_constraints = [
        (
            "charge_type_unique",
            "unique(rate_card_id, charge_type_id)",
            "A rate card rates each charge type once.",
        ),
        ("rate_positive", "check(rate >= 0)", "Rates cannot be negative."),
    ]

    def _amount(self, shipment):
        """The rate applied to a shipment, at least the minimum."""
        self.ensure_one()
        if self.basis == "per_kg":
            amount = self.rate * shipment.total_weight_kg
        else:
            amount = self.rate
        return max(amount, self.minimum_amount)
