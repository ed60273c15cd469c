from odoo import models

from ..lib import routing


# One model, one file per seam: merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class StockPicking(models.Model):
    """Where a delivery order's shipment goes: the company's routing rules,
    else its warehouse's TMS (see logistics.routing.rule)."""

    _inherit = "stock.picking"

    def _logistics_route(self):
        """The endpoint of this delivery order and the rule that chose it (an
        empty recordset when the warehouse's TMS is the default taken)."""
        self.ensure_one()
        rule = self.env["logistics.routing.rule"]._route(
            self.company_id, self._logistics_routing_facts()
        )
        if rule:
            return rule.endpoint_id, rule
        return self.picking_type_id.warehouse_id.tms_endpoint_id, rule

    def _logistics_routing_facts(self):
        self.ensure_one()
        moves = self.move_ids.filtered(lambda m: m.state != "cancel")
        categories = {
            int(part)
            for category in moves.product_id.categ_id
            for part in (category.parent_path or "").split("/")
            if part
        }
        order = self.sale_id
        return routing.ShipmentFacts(
            warehouse_id=self.picking_type_id.warehouse_id.id,
            country_code=self.partner_id.country_id.code or "",
            zip=self.partner_id.zip or "",
            service_level=order.logistics_service_level or "standard",
            weight_kg=sum(m.product_id.weight * m.product_qty for m in moves),
            volume_m3=sum(m.product_id.volume * m.product_qty for m in moves),
            customer_id=(order.partner_id or self.partner_id).commercial_partner_id.id,
            category_ids=frozenset(categories),
        )
