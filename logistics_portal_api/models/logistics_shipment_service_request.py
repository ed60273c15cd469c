# pylint: disable=consider-merging-classes-inherited
from odoo import _, fields, models


class LogisticsShipment(models.Model):
    _inherit = "logistics.shipment"

    service_request_ids = fields.One2many(
        "logistics.service.request",
        "shipment_id",
        groups="sales_team.group_sale_salesman,logistics_tms_connector.group_tms_user",
    )
    service_request_count = fields.Integer(
        compute="_compute_service_request_count",
        groups="sales_team.group_sale_salesman,logistics_tms_connector.group_tms_user",
    )

    def _compute_service_request_count(self):
        counts = dict(
            self.env["logistics.service.request"]._read_group(
                [("shipment_id", "in", self.ids)], ["shipment_id"], ["__count"]
            )
        )
        for shipment in self:
            shipment.service_request_count = counts.get(shipment, 0)

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
            "domain": [("shipment_id", "=", self.id)],
            "context": {"default_shipment_id": self.id},
        }
