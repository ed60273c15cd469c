from odoo import api, fields, models

SHORTAGE_POLICIES = [
    ("accept", "Accept (ship when available)"),
    ("backorder", "Accept as backorder"),
    ("hold", "Hold for review"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    portal_shortage_policy = fields.Selection(
        SHORTAGE_POLICIES,
        string="Stock shortage policy",
        default="backorder",
        help="What the customer API does with an order line whose product is "
        "not available by the requested date.",
    )

    def _portal_credit_exposure(self, extra_amount=0.0):
        """(exposure, limit): receivables + open orders (+ this order) vs limit."""
        self.ensure_one()
        partner = self.commercial_partner_id
        open_orders = (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", partner.id),
                    ("state", "=", "sale"),
                    ("invoice_status", "!=", "invoiced"),
                ]
            )
        )
        exposure = (
            partner.credit + sum(open_orders.mapped("amount_to_invoice")) + extra_amount
        )
        return exposure, partner.credit_limit

    @api.model
    def _portal_country(self, code):
        return self.env["res.country"].search([("code", "=", code)], limit=1)
