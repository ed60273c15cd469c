from odoo import api, fields, models

from ..models.logistics_freight_charge import RESOLUTIONS


class LogisticsFreightDisputeWizard(models.TransientModel):
    """Finance settles disputed charges: how, and why."""

    _name = "logistics.freight.dispute.wizard"
    _description = "Resolve Freight Disputes"

    charge_ids = fields.Many2many(
        "logistics.freight.charge",
        string="Charges",
        required=True,
        domain="[('state', '=', 'disputed')]",
    )
    resolution = fields.Selection(
        RESOLUTIONS,
        required=True,
        default="accept_actual",
        help="Accept the actual amount: pay what the carrier charged. Accept the "
        "expected amount: pay what was agreed. Credit note requested: pay what "
        "was charged and book a draft credit note for the overcharge, to match "
        "the carrier's credit note.",
    )
    note = fields.Text(help="Why: kept on the charge and in the audit log.")
    currency_id = fields.Many2one(related="charge_ids.currency_id")
    expected_total = fields.Monetary(compute="_compute_totals")
    actual_total = fields.Monetary(compute="_compute_totals")

    @api.depends("charge_ids")
    def _compute_totals(self):
        for wizard in self:
            wizard.expected_total = sum(wizard.charge_ids.mapped("expected_amount"))
            wizard.actual_total = sum(wizard.charge_ids.mapped("actual_amount"))

    def action_apply(self):
        self._logistics_check_access("write")
        self.ensure_one()
        self.charge_ids._resolve_dispute(self.resolution, self.note)
        return {"type": "ir.actions.act_window_close"}
