from odoo import _, fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    logistics_shipment_ids = fields.One2many(
        "logistics.shipment", "sale_order_id", string="Shipments"
    )
    logistics_shipment_count = fields.Integer(
        compute="_compute_logistics_shipment_count"
    )
    logistics_correlation_id = fields.Char(
        string="Correlation ID",
        copy=False,
        index="btree_not_null",
        help="Set when the order comes through the integration; shipments and "
        "messages about the order carry it.",
    )

    def _compute_logistics_shipment_count(self):
        for order in self:
            order.logistics_shipment_count = len(order.logistics_shipment_ids)

    def action_confirm(self):
        result = super().action_confirm()
        pickings = self.picking_ids.filtered(
            lambda p: (
                p._tms_release_trigger() == "order_confirmed"
                and p.picking_type_id.warehouse_id.tms_endpoint_id
                and p.state not in ("done", "cancel")
            )
        )
        if pickings:
            self.env["logistics.shipment"]._create_from_pickings(
                pickings
            ).action_release()
        return result

    def _action_cancel(self):
        result = super()._action_cancel()
        self.logistics_shipment_ids.filtered(
            lambda s: s.status not in ("delivered", "cancelled", "returned")
        ).action_cancel()
        return result

    def action_logistics_release(self):
        self.ensure_one()
        pickings = self.picking_ids.filtered(
            lambda p: (
                p.picking_type_code == "outgoing"
                and p.state not in ("done", "cancel")
                and not p.logistics_shipment_id
            )
        )
        if not pickings:
            raise UserError(_("This order has no delivery left to release."))
        return pickings.action_logistics_release()

    def action_open_logistics_trace(self):
        self.ensure_one()
        return self.env["logistics.trace"]._action_for(self.logistics_correlation_id)

    def action_view_logistics_shipments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_tms_connector.logistics_shipment_action"
        )
        action["domain"] = [("sale_order_id", "=", self.id)]
        return action
