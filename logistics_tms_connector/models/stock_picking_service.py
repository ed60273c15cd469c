from odoo import models

from ..lib import milestones


# One model, one file per seam: merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class StockPicking(models.Model):
    """The shipment of a delivery order carries what the order asked of the
    transport (service preferences, delivery contact), its packages and its
    hazardous goods."""

    _inherit = "stock.picking"

    def _prepare_shipment_vals(self, endpoint):
        vals = super()._prepare_shipment_vals(endpoint)
        if self.sale_id:
            vals.update(self.sale_id._logistics_service_vals())
        vals.update(self._logistics_package_vals())
        return vals

    def _logistics_package_vals(self):
        """Package lines of these delivery orders' packing, hazardous goods flag."""
        products = self.move_ids.filtered(lambda m: m.state != "cancel").product_id
        return {
            "hazardous_goods": any(products.mapped("logistics_hazardous")),
            "package_ids": self.env["logistics.shipment.package"]._commands_for(self),
        }

    def _post_put_in_pack_hook(self, package_id):
        # After the package got its type and weight (stock_delivery's wizard).
        self._logistics_refresh_packages()
        return super()._post_put_in_pack_hook(package_id)

    def _logistics_refresh_packages(self):
        """Packing changed: the open shipments get the new package lines (an
        amendment to the TMS once released, as any change of its document)."""
        for picking in self:
            # As the integration: whoever packs need not have Shipments rights.
            shipment = picking.sudo().logistics_shipment_id
            if shipment and shipment.status in (
                milestones.STATUS_DRAFT,
                *milestones.AMENDABLE_STATUSES,
            ):
                shipment.write(shipment.picking_ids._logistics_package_vals())
