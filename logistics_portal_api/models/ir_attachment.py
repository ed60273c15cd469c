from odoo import api, fields, models

# The documents a customer may see, marked by the code that creates them.
PORTAL_KINDS = [
    ("pod", "Proof of delivery"),
    ("delivery_slip", "Delivery slip"),
    ("invoice", "Invoice"),
    ("customer_upload", "Customer upload"),
]
# Where each kind may live: a marked file attached elsewhere is not served.
KIND_MODELS = {
    # On the invoice too when the customer is invoiced on delivery.
    "pod": ("logistics.shipment", "stock.picking", "account.move"),
    "delivery_slip": ("stock.picking",),
    "invoice": ("account.move",),
    "customer_upload": ("sale.order",),
}
CUSTOMER_INVOICE_TYPES = ("out_invoice", "out_refund")
DELIVERY_SLIP_REPORT = "stock.report_deliveryslip"


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    logistics_portal_kind = fields.Selection(
        PORTAL_KINDS,
        string="Customer document",
        index="btree_not_null",
        help="Set by the suite on the documents meant for the customer (proof of "
        "delivery, delivery slip, invoice, the customer's own uploads). Only "
        "these are listed and served by the customer API and portal; chatter "
        "and internal files never are.",
    )

    @api.model
    def _logistics_portal_document(self, attachment_id, partner):
        """The attachment `attachment_id` if `partner`'s company may download
        it (as superuser, to read its content), else an empty recordset."""
        attachment = self.sudo().browse(attachment_id).exists()
        if attachment and attachment._logistics_portal_readable(partner):
            return attachment
        return self.sudo().browse()

    def _logistics_portal_readable(self, partner):
        """May `partner`'s company download this attachment? Decided here only.

        The attachment must be marked as a customer document, attached where
        its kind lives, to a record of that customer.
        """
        self.ensure_one()
        kind = self.sudo().logistics_portal_kind
        res_model, res_id = self.sudo().res_model, self.sudo().res_id
        if not kind or not res_id or res_model not in KIND_MODELS[kind]:
            return False
        owned = self._logistics_owner_domain(res_model, partner)
        return bool(
            self.env[res_model]
            .sudo()
            .search_count([("id", "=", res_id), *owned], limit=1)
        )

    @api.model
    def _logistics_owner_domain(self, res_model, partner):
        """Records of `res_model` that belong to `partner`'s company."""
        commercial = partner.commercial_partner_id
        shipments = self.env["logistics.shipment"]._portal_domain(commercial)
        if res_model == "logistics.shipment":
            return shipments
        if res_model == "stock.picking":
            return [
                (
                    "logistics_shipment_id",
                    "any",
                    shipments,
                )
            ]
        if res_model == "sale.order":
            return self.env["sale.order"]._portal_domain(commercial)
        if res_model == "account.move":
            return [
                ("commercial_partner_id", "=", commercial.id),
                ("move_type", "in", CUSTOMER_INVOICE_TYPES),
                ("state", "=", "posted"),
            ]
        return [("id", "=", False)]


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _prepare_pdf_report_attachment_vals_list(self, report, streams):
        """Delivery slips Odoo keeps (report set to save attachments) are
        customer documents."""
        vals_list = super()._prepare_pdf_report_attachment_vals_list(report, streams)
        if report.report_name == DELIVERY_SLIP_REPORT:
            vals_list = [
                dict(vals, logistics_portal_kind="delivery_slip") for vals in vals_list
            ]
        return vals_list
