from odoo import fields, models

from odoo.addons.logistics_integration_base.lib import trust

from ..lib import milestones

SERVICE_FIELDS = {
    "logistics_service_level",
    "logistics_tail_lift",
    "logistics_delivery_instructions",
    "logistics_delivery_contact_name",
    "logistics_delivery_contact_phone",
    "logistics_delivery_contact_email",
}
SERVICE_LEVELS = [
    ("standard", "Standard"),
    ("express", "Express"),
    ("economy", "Economy"),
]


# One model, one file per seam: merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class SaleOrder(models.Model):
    """What the customer asked of the transport: it reaches the shipment and the
    TMS (stock.picking._prepare_shipment_vals)."""

    _inherit = "sale.order"

    logistics_service_level = fields.Selection(
        SERVICE_LEVELS,
        string="Service level",
        help="The transport service the customer asked for; empty: standard.",
    )
    logistics_tail_lift = fields.Boolean(string="Tail-lift required")
    logistics_delivery_instructions = fields.Text(string="Delivery instructions")
    logistics_delivery_contact_name = fields.Char(string="Delivery contact")
    logistics_delivery_contact_phone = fields.Char(string="Delivery contact phone")
    logistics_delivery_contact_email = fields.Char(string="Delivery contact email")

    def _logistics_service_vals(self):
        """The shipment values of the order's service preferences and contact."""
        self.ensure_one()
        return {
            "service_level": self.logistics_service_level or "standard",
            "tail_lift": self.logistics_tail_lift,
            "delivery_instructions": self.logistics_delivery_instructions or False,
            "delivery_contact_name": self.logistics_delivery_contact_name or False,
            "delivery_contact_phone": self.logistics_delivery_contact_phone or False,
            "delivery_contact_email": self.logistics_delivery_contact_email or False,
        }

    def write(self, vals):
        result = super().write(vals)
        if SERVICE_FIELDS & set(vals):
            self._logistics_update_shipments()
        return result

    def _logistics_update_shipments(self):
        """The order's open shipments follow its service preferences and
        contact: a released one is amended in the TMS (as Odoo's change of the
        shipment document, whoever changed the order)."""
        for order in self:
            # As the integration: the order's editor need not manage shipments.
            shipments = (
                order.sudo()
                .with_context(**{trust.SOURCE_KEY: None})
                .logistics_shipment_ids.filtered(
                    lambda s: (
                        s.status
                        in (milestones.STATUS_DRAFT, *milestones.AMENDABLE_STATUSES)
                    )
                )
            )
            if shipments:
                shipments.write(order._logistics_service_vals())
