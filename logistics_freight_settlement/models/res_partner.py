from odoo import api, fields, models

from ..lib import terms


class ResPartner(models.Model):
    _inherit = "res.partner"

    freight_terms = fields.Selection(
        terms.FREIGHT_TERMS,
        default=terms.DEFAULT_TERMS,
        help="How freight is settled with this customer. Prepaid and add: we pay "
        "the carrier and rebill the approved charges. Prepaid, included: we pay "
        "the carrier; the price includes freight. Collect: the customer pays the "
        "carrier; nothing is billed or rebilled.",
    )
    freight_invoice_separately = fields.Boolean(
        string="Invoice freight separately",
        help="Rebilled freight goes on its own customer invoice instead of being "
        "added to the order's draft invoice.",
    )
    freight_invoice_required = fields.Boolean(
        string="Bill only against carrier invoices",
        help="For a carrier: charges reported by the TMS wait for the carrier's "
        "invoice before they are reconciled and billed (otherwise the TMS's "
        "amounts are settled at once, evaluated-receipt style).",
    )

    @api.model
    def _commercial_fields(self):
        return [
            *super()._commercial_fields(),
            "freight_terms",
            "freight_invoice_separately",
        ]
