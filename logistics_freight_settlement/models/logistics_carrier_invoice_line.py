from odoo import api, fields, models

MATCH_STATES = [
    ("matched", "Matched to a charge"),
    ("created", "New charge"),
    ("already_settled", "Charge billed already"),
]


class LogisticsCarrierInvoiceLine(models.Model):
    _name = "logistics.carrier.invoice.line"
    _description = "Carrier Invoice Line"
    _order = "invoice_id, sequence, id"

    invoice_id = fields.Many2one(
        "logistics.carrier.invoice", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="invoice_id.company_id", store=True)
    currency_id = fields.Many2one(related="invoice_id.currency_id")
    sequence = fields.Integer()
    shipment_reference = fields.Char(required=True)
    shipment_id = fields.Many2one("logistics.shipment", index=True)
    external_code = fields.Char(string="Charge code")
    charge_type_id = fields.Many2one("logistics.freight.charge.type", required=True)
    description = fields.Char()
    quantity = fields.Float(default=1.0)
    amount = fields.Monetary()
    charge_id = fields.Many2one(
        "logistics.freight.charge", string="Charge", index="btree_not_null"
    )
    match_state = fields.Selection(MATCH_STATES, readonly=True)
    expected_amount = fields.Monetary(related="charge_id.expected_amount")
    variance_amount = fields.Monetary(
        compute="_compute_variance_amount",
        store=True,
        help="This line against the charge's expected amount (or, for a charge "
        "billed already, against what was billed).",
    )

    @api.depends(
        "amount",
        "match_state",
        "charge_id.expected_amount",
        "charge_id.expected_source",
        "charge_id.billed_amount",
    )
    def _compute_variance_amount(self):
        for line in self:
            charge = line.charge_id
            if line.match_state == "already_settled":
                reference = charge.billed_amount
            elif charge.expected_source:
                reference = charge.expected_amount
            else:
                reference = line.amount
            line.variance_amount = line.amount - reference

    @api.depends("invoice_id.name", "shipment_reference", "external_code")
    def _compute_display_name(self):
        for line in self:
            line.display_name = "%s %s %s" % (
                line.invoice_id.name or "",
                line.shipment_reference or "",
                line.external_code or "",
            )

    def _prepare_charge_vals(self, message):
        """A charge for a line no charge was waiting for (nothing expected yet)."""
        self.ensure_one()
        invoice = self.invoice_id
        return {
            "shipment_id": self.shipment_id.id,
            "carrier_id": invoice.carrier_id.id,
            "charge_type_id": self.charge_type_id.id,
            "external_code": self.external_code,
            "description": self.description,
            "quantity": self.quantity or 1.0,
            "currency_id": invoice.currency_id.id,
            "date": invoice.date,
            "source_message_id": message.id,
            "correlation_id": message.correlation_id,
            "carrier_invoice_line_id": self.id,
        }
