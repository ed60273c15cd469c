from odoo import fields, models
from odoo.tools import float_compare, float_is_zero


class LogisticsReturnLine(models.Model):
    """An order line coming back: which, how many."""

    _name = "logistics.return.line"
    _description = "Customer Return Line"
    _order = "return_id, id"

    return_id = fields.Many2one(
        "logistics.return", required=True, ondelete="cascade", index=True
    )
    sale_line_id = fields.Many2one(
        "sale.order.line", string="Order line", required=True, index=True
    )
    product_id = fields.Many2one("product.product", required=True)
    quantity = fields.Float(required=True, digits="Product Unit of Measure")
    uom_id = fields.Many2one("uom.uom", required=True)

    _sql_constraints = [
        ("quantity_positive", "check(quantity > 0)", "Quantities must be positive."),
    ]

    def _value(self):
        self.ensure_one()
        line = self.sale_line_id
        return self.quantity * line.price_unit * (1 - (line.discount or 0.0) / 100.0)

    def _source_moves(self):
        """``[(delivered move, quantity)]`` this line takes back: the order
        line's done deliveries, oldest first, less what was returned of each."""
        self.ensure_one()
        left = self.uom_id._compute_quantity(self.quantity, self.product_id.uom_id)
        rounding = self.product_id.uom_id.rounding
        moves = self.sale_line_id.move_ids.filtered(
            lambda m: (
                m.state == "done"
                and m.picking_code == "outgoing"
                and not m.origin_returned_move_id
            )
        ).sorted("date")
        taken = []
        for move in moves:
            if float_is_zero(left, precision_rounding=rounding):
                break
            returned = sum(
                move.returned_move_ids.filtered(lambda m: m.state != "cancel").mapped(
                    "product_qty"
                )
            )
            done = move.product_uom._compute_quantity(
                move.quantity, move.product_id.uom_id
            )
            room = done - returned
            if float_compare(room, 0.0, precision_rounding=rounding) <= 0:
                continue
            qty = min(room, left)
            taken.append((move, qty))
            left -= qty
        return taken
