from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _prepare_shipment_vals(self, endpoint):
        """The delivery window the customer asked for (start and end) is the
        shipment's requested delivery window."""
        vals = super()._prepare_shipment_vals(endpoint)
        order = self.sale_id
        if order.requested_delivery_start and order.commitment_date:
            vals["requested_delivery_start"] = order.requested_delivery_start
            vals["requested_delivery_end"] = order.commitment_date
        return vals
