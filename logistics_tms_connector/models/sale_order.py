from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib import milestones

# Who may read shipments (security/ir.model.access.csv): sales users without
# Inventory or Shipments rights read orders without these fields.
SHIPMENT_READERS = (
    "logistics_tms_connector.group_tms_user,stock.group_stock_user,base.group_portal"
)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    logistics_shipment_ids = fields.One2many(
        "logistics.shipment",
        "sale_order_id",
        string="Shipments",
        groups=SHIPMENT_READERS,
    )
    logistics_shipment_count = fields.Integer(
        compute="_compute_logistics_shipment_count", groups=SHIPMENT_READERS
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
        self._logistics_check_access("write")
        result = super().action_confirm()
        pickings = self.picking_ids.filtered(
            lambda p: (
                p._tms_release_trigger() == "order_confirmed"
                and p._logistics_route()[0]
                and p.state not in ("done", "cancel")
            )
        )
        if pickings:
            # The release trigger acts for the integration, whoever confirms.
            self.env["logistics.shipment"].sudo()._create_from_pickings(
                pickings
            )._release()
        return result

    def _action_cancel(self):
        result = super()._action_cancel()
        # Whoever may cancel the order cancels its open shipments (the TMS is
        # told), Shipments rights or not.
        self.sudo().logistics_shipment_ids.filtered(
            lambda s: s.status not in milestones.CLOSED_STATUSES
        )._cancel()
        return result

    def action_logistics_release(self):
        self._logistics_check_access("write")
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
        self._logistics_check_access("read", read_models=["logistics.trace"])
        self.ensure_one()
        return self.env["logistics.trace"]._action_for(self.logistics_correlation_id)

    def action_view_logistics_shipments(self):
        # Portal users may read both models (their own records): this button
        # opens the back office's list.
        self._logistics_check_access(
            "read", group="base.group_user", read_models=["logistics.shipment"]
        )
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_tms_connector.logistics_shipment_action"
        )
        action["domain"] = [("sale_order_id", "=", self.id)]
        return action
