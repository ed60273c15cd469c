from odoo import _, fields, models

from ..lib import milestones

DIRECTIONS = [
    ("outbound", "To the customer"),
    ("return", "Return from the customer"),
]


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """Reverse shipments of customer returns: picked up at the customer,
    delivered to the warehouse. Released and tracked like any shipment; their
    delivery (D1) receives the return picking in Odoo."""

    _inherit = "logistics.shipment"

    direction = fields.Selection(
        DIRECTIONS, default="outbound", required=True, readonly=True, index=True
    )
    return_id = fields.Many2one(
        "logistics.return",
        string="Customer return",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )

    def _tms_chunk_foldable(self):
        """Every event of a reverse shipment moves its customer return
        (`_on_reverse_shipment`): applied one by one."""
        return (
            super()
            ._tms_chunk_foldable()
            .filtered(lambda s: s.direction != "return" or not s.return_id)
        )

    def _tms_apply_stock(self, message, code, stale=False):
        result = super()._tms_apply_stock(message, code, stale=stale)
        if self.direction != "return" or not self.return_id:
            return result
        customer_return = self.return_id
        customer_return._on_reverse_shipment(code)
        if code == milestones.DELIVERED:
            result.update(self._tms_receive_return(message, code))
        return result

    def _tms_receive_return(self, message, code):
        """Delivered to the warehouse: the return pickings are validated (the
        stock validation of delivery orders, logistics_shipment_stock.py, with
        the quantities the TMS picked up) and the return is received."""
        self.ensure_one()
        result = {}
        incoming = self.picking_ids.filtered(
            lambda p: p.picking_type_code == "incoming"
        )
        for picking in incoming:
            outcome = self._tms_validate_picking(picking, message, code)
            if outcome:
                result[picking.name] = outcome
        if incoming and all(p.state == "done" for p in incoming):
            self.return_id._receive()
        elif incoming:
            self.message_post(
                body=_(
                    "Delivered to the warehouse, but %s is not done: the return "
                    "stays open until it is.",
                    ", ".join(
                        incoming.filtered(lambda p: p.state != "done").mapped("name")
                    ),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return result
