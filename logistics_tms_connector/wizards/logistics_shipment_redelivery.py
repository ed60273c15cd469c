from odoo import fields, models


class LogisticsShipmentRedelivery(models.TransientModel):
    """Ask the TMS to deliver again after an attempted delivery."""

    _name = "logistics.shipment.redelivery"
    _description = "Shipment Redelivery Request"

    shipment_id = fields.Many2one("logistics.shipment", required=True, readonly=True)
    exception_note = fields.Text(related="shipment_id.exception_note")
    delivery_start = fields.Datetime(
        string="New window from",
        help="Leave both ends empty to let the carrier deliver again on its next run.",
    )
    delivery_end = fields.Datetime(string="New window to")
    note = fields.Char(help="Told to the TMS, e.g. the consignee's instructions.")

    def action_confirm(self):
        self._logistics_check_access(
            "write", group="logistics_tms_connector.group_tms_manager"
        )
        self.ensure_one()
        self.shipment_id.action_request_redelivery(
            self.delivery_start, self.delivery_end, self.note
        )
        return {"type": "ir.actions.act_window_close"}
