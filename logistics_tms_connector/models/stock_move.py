from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_assign(self, force_qty=False):
        result = super()._action_assign(force_qty=force_qty)
        self.picking_id._logistics_release_ready()
        return result

    def _prepare_shipment_line_vals(self):
        self.ensure_one()
        quantity = self.product_uom_qty
        product = self.product_id
        return {
            "move_id": self.id,
            "product_id": product.id,
            "description": self.description_picking or product.display_name,
            "quantity": quantity,
            "uom_id": self.product_uom.id,
            "weight_kg": product.weight * self.product_qty,
            "volume_m3": product.volume * self.product_qty,
        }
