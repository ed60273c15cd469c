import uuid

from odoo import models


# One model, one file per seam (see sale_order.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class SaleOrder(models.Model):
    """What the order's portal page shows of customer returns (its form)."""

    _inherit = "sale.order"

    def _portal_returnable_lines(self):
        """``[(order line, quantity)]`` the customer may still return from the
        portal form (lines with a product code: the request names products)."""
        self.ensure_one()
        returnable = self.env["logistics.return"].sudo()._returnable_quantities(self)
        return [
            (line, quantity)
            for line, quantity in returnable.items()
            if quantity > 0 and line.product_id.default_code
        ]

    def _portal_returns(self):
        self.ensure_one()
        return (
            self.env["logistics.return"]
            .sudo()
            .search([("sale_order_id", "=", self.id)], order="id desc")
        )

    def _portal_return_form_token(self):
        """A fresh token per form shown: submitting it twice asks once."""
        return uuid.uuid4().hex
