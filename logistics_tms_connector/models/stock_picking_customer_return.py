from odoo import fields, models


# One model, one file per seam (see stock_picking.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class StockPicking(models.Model):
    """The return picking of a customer return (RMA)."""

    _inherit = "stock.picking"

    logistics_return_id = fields.Many2one(
        "logistics.return",
        string="Customer return",
        copy=False,
        index="btree_not_null",
        readonly=True,
    )

    def _action_done(self):
        result = super()._action_done()
        # Validated by the warehouse or by the reverse shipment's delivery.
        for customer_return in self.sudo().logistics_return_id:
            pickings = customer_return.picking_ids
            if all(p.state in ("done", "cancel") for p in pickings) and any(
                p.state == "done" for p in pickings
            ):
                customer_return._receive()
        return result
