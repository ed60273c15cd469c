from odoo import _, fields, models


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """Which routing rule sent the shipment to its endpoint, and why."""

    _inherit = "logistics.shipment"

    routing_rule_id = fields.Many2one(
        "logistics.routing.rule",
        string="Routed by",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    routing_note = fields.Char(
        string="Routing",
        readonly=True,
        copy=False,
        help="Why the shipment went to its endpoint: the routing rule that "
        "matched, or the warehouse's TMS when none did.",
    )

    def _routing_vals(self, picking, rule):
        """The routing decision of a shipment made from ``picking``."""
        warehouse = picking.picking_type_id.warehouse_id
        if rule:
            note = _(
                "Rule “%(rule)s” → %(endpoint)s",
                rule=rule.name,
                endpoint=rule.endpoint_id.name,
            )
        else:
            note = _(
                "No rule matched: warehouse %(warehouse)s → %(endpoint)s",
                warehouse=warehouse.name,
                endpoint=warehouse.tms_endpoint_id.name,
            )
        return {"routing_rule_id": rule.id, "routing_note": note}
