from odoo import _, api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    freight_charge_count = fields.Integer(compute="_compute_freight_charge_count")

    @api.depends("line_ids.freight_charge_id")
    def _compute_freight_charge_count(self):
        for move in self:
            move.freight_charge_count = len(move.line_ids.freight_charge_id)

    def action_view_freight_charges(self):
        self._logistics_check_access("read", read_models=["logistics.freight.charge"])
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_freight_settlement.logistics_freight_charge_action"
        )
        action["domain"] = [("id", "in", self.line_ids.freight_charge_id.ids)]
        action["context"] = {}
        action["name"] = _("Freight charges of %s", self.name)
        return action

    def _post(self, soft=True):
        posted = super()._post(soft)
        # The integration tells the TMS, whoever posts (an accountant): the
        # freight's invoices, and the invoices made on delivery.
        moves = posted.sudo()
        shipments = moves.line_ids.freight_charge_id.shipment_id
        (shipments | moves.logistics_shipment_id)._freight_send_invoice_refs()
        return posted

    def button_cancel(self):
        # Checked before the charges are read as superuser. On no move, Odoo's
        # contract holds (sale orders cancel their draft invoices, often none).
        if self:
            self.check_access("write")
        charges = self.sudo().line_ids.freight_charge_id
        result = super().button_cancel()
        charges._freight_reopen()
        return result

    def unlink(self):
        if self:
            self.check_access("unlink")
        charges = self.sudo().line_ids.freight_charge_id
        result = super().unlink()
        charges.exists()._freight_reopen()
        return result
