from odoo import api, fields, models


# One model, one file per seam (see res_partner.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class ResPartner(models.Model):
    """The customer's choice: an invoice made and posted when the TMS reports
    the delivery (logistics_shipment_invoice.py)."""

    _inherit = "res.partner"

    logistics_invoice_on_delivery = fields.Boolean(
        string="Invoice on delivery",
        help="When the TMS reports a shipment of this customer delivered, "
        "Odoo invoices what is to invoice of the order (delivered quantities "
        "for products invoiced on delivery) and posts the invoice, with the "
        "proof of delivery attached. Set on the company; its contacts follow.",
    )

    @api.model
    def _commercial_fields(self):
        return [*super()._commercial_fields(), "logistics_invoice_on_delivery"]
