"""A carrier invoice line's amount corrected after it was matched to a charge:
the charge's actual amount changes, and with it its shipment's cost facts
(`logistics_shipment_cost_facts.py`)."""

from odoo import models


class LogisticsCarrierInvoiceLine(models.Model):
    # One concern of the model per file.
    # pylint: disable=consider-merging-classes-inherited
    _inherit = "logistics.carrier.invoice.line"

    def write(self, vals):
        result = super().write(vals)
        if "amount" in vals:
            charges = self.charge_id | self.env["logistics.freight.charge"].search(
                [("carrier_invoice_line_id", "in", self.ids)]
            )
            charges.shipment_id._refresh_cost_facts()
        return result
