from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        for invoice in posted.filtered(
            lambda m: m.move_type in ("out_invoice", "out_refund")
        ):
            self.env["logistics.customer.webhook"]._notify(
                invoice.partner_id,
                "invoice.posted",
                invoice._portal_json(),
                record=invoice,
            )
        return posted

    @api.model
    def _portal_domain(self, partner):
        """The posted customer invoices and credit notes of `partner`'s company."""
        return [
            ("partner_id", "child_of", partner.commercial_partner_id.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
        ]

    def _portal_json(self):
        self.ensure_one()
        return {
            "id": self.id,
            "number": self.name,
            "type": "credit_note" if self.move_type == "out_refund" else "invoice",
            "date": fields.Date.to_string(self.invoice_date),
            "due_date": fields.Date.to_string(self.invoice_date_due),
            "currency": self.currency_id.name,
            "amount_untaxed": self.amount_untaxed,
            "amount_tax": self.amount_tax,
            "amount_total": self.amount_total,
            "amount_due": self.amount_residual,
            "payment_state": self.payment_state,
            "orders": sorted(set(self.line_ids.sale_line_ids.order_id.mapped("name"))),
        }


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _prepare_invoice_pdf_report(self, invoices_data):
        """The PDF of a customer invoice is a customer document."""
        result = super()._prepare_invoice_pdf_report(invoices_data)
        for invoice, invoice_data in invoices_data.items():
            values = invoice_data.get("pdf_attachment_values")
            if values and invoice.move_type in ("out_invoice", "out_refund"):
                values["logistics_portal_kind"] = "invoice"
        return result
