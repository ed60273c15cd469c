from odoo import fields, models

from .sale_order import SHIPMENT_READERS


# One model, one file per seam (see sale_order.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class SaleOrder(models.Model):
    """The order's customer returns (RMA): count and smart button."""

    _inherit = "sale.order"

    logistics_return_ids = fields.One2many(
        "logistics.return",
        "sale_order_id",
        string="Customer returns",
        groups=SHIPMENT_READERS,
    )
    logistics_return_count = fields.Integer(
        compute="_compute_logistics_return_count", groups=SHIPMENT_READERS
    )

    def _compute_logistics_return_count(self):
        for order in self:
            order.logistics_return_count = len(order.logistics_return_ids)

    def action_view_logistics_returns(self):
        self._logistics_check_access(
            "read", group="base.group_user", read_models=["logistics.return"]
        )
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_tms_connector.logistics_return_action"
        )
        action["domain"] = [("sale_order_id", "=", self.id)]
        action["context"] = {}
        return action
