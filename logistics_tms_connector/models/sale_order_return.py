from odoo import models

from odoo.addons.logistics_integration_base.lib import trust

from .stock_picking_return import RETURN_CREDIT_KEY, ReturnCredit


# One model, one file per seam (see sale_order.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _get_invoiceable_lines(self, final=False):
        """Only the lines of a received return, when its credit note is made
        (stock_picking_return.py); a client cannot ask for it (lib/trust.py)."""
        lines = super()._get_invoiceable_lines(final)
        credit = trust.trusted(self.env.context, RETURN_CREDIT_KEY, ReturnCredit)
        if credit is None:
            return lines
        return lines.filtered(lambda line: line.id in credit.line_ids)
