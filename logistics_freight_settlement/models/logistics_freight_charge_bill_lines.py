"""Accounting lines of freight charges: vendor bill and rebill lines, and the
charges reopened when their bill or invoice goes away."""

from odoo import _, models


class LogisticsFreightCharge(models.Model):
    # One concern of the model per file (see logistics_freight_charge.py).
    # pylint: disable=consider-merging-classes-inherited
    _inherit = "logistics.freight.charge"

    def _bill_line_label(self):
        self.ensure_one()
        label = "%s · %s" % (self.charge_type_id.name, self.shipment_id.name)
        if self.description and self.description != self.charge_type_id.name:
            label = "%s (%s)" % (label, self.description)
        return label

    def _prepare_bill_line_vals(self, amount=None):
        """Vendor bill line of the charge: expense account, analytic, link back."""
        self.ensure_one()
        charge_type = self.charge_type_id.with_company(self.company_id)
        vals = {
            "name": self._bill_line_label(),
            "quantity": 1.0,
            "price_unit": self.approved_amount if amount is None else amount,
            "freight_charge_id": self.id,
            "analytic_distribution": self.analytic_distribution or False,
        }
        if charge_type.product_id:
            vals["product_id"] = charge_type.product_id.id
        if charge_type.expense_account_id:
            vals["account_id"] = charge_type.expense_account_id.id
        return vals

    def _prepare_rebill_line_vals(self, currency, date):
        """Customer invoice line passing the approved amount on, in ``currency``."""
        self.ensure_one()
        charge_type = self.charge_type_id.with_company(self.company_id)
        vals = {
            "name": _(
                "Freight: %(type)s, shipment %(shipment)s",
                type=self.charge_type_id.name,
                shipment=self.shipment_id.name,
            ),
            "quantity": 1.0,
            "price_unit": self.currency_id._convert(
                self.approved_amount, currency, self.company_id, date
            ),
            "freight_charge_id": self.id,
        }
        if charge_type.product_id:
            vals["product_id"] = charge_type.product_id.id
        if charge_type.income_account_id:
            vals["account_id"] = charge_type.income_account_id.id
        return vals

    def _freight_reopen(self):
        """A bill or invoice of these charges was cancelled or deleted: they are
        settled again by the next run (never rebilled twice)."""
        for charge in self:
            if charge.state in ("billed", "rebilled") and not charge.vendor_bill_id:
                charge.state = "approved"
            elif charge.state == "rebilled" and not charge.customer_invoice_id:
                charge.state = "billed"
