# pylint: disable=consider-merging-classes-inherited
from odoo import _, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    service_request_count = fields.Integer(
        compute="_compute_service_request_count",
        groups="sales_team.group_sale_salesman,logistics_tms_connector.group_tms_user",
    )

    def _service_request_domain(self):
        """Requests about the orders, or about their shipments."""
        # Salespeople may not read shipments: their ids, not a join on them.
        shipments = self.sudo().logistics_shipment_ids
        return [
            "|",
            ("sale_order_id", "in", self.ids),
            ("shipment_id", "in", shipments.ids),
        ]

    def _compute_service_request_count(self):
        Request = self.env["logistics.service.request"]
        for order in self:
            order.service_request_count = Request.search_count(
                order._service_request_domain()
            )

    def action_view_service_requests(self):
        # The back office's button (portal users read requests in the portal).
        self._logistics_check_access(
            "read", group="base.group_user", read_models=["logistics.service.request"]
        )
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Service requests of %s", self.name),
            "res_model": "logistics.service.request",
            "view_mode": "list,form",
            "domain": self._service_request_domain(),
        }
