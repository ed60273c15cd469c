from odoo import models


# One model, one file per seam: merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class StockMove(models.Model):
    _inherit = "stock.move"

    def _prepare_shipment_line_vals(self):
        vals = super()._prepare_shipment_line_vals()
        packages = self.move_line_ids.result_package_id
        vals.update(
            hazardous=self.product_id.logistics_hazardous,
            un_number=self.product_id.logistics_un_number or False,
            package_ref=", ".join(packages.mapped("name")) or False,
        )
        return vals
