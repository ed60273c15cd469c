from odoo import _, api, fields, models


# One model, one file per concern (see account_move.py).
# pylint: disable=consider-merging-classes-inherited
class AccountMove(models.Model):
    _inherit = "account.move"

    logistics_claim_count = fields.Integer(compute="_compute_logistics_claim_count")

    @api.depends("line_ids.logistics_claim_id")
    def _compute_logistics_claim_count(self):
        for move in self:
            move.logistics_claim_count = len(move.line_ids.logistics_claim_id)

    def action_view_logistics_claims(self):
        self._logistics_check_access("read", read_models=["logistics.claim"])
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_freight_settlement.logistics_claim_action"
        )
        action["domain"] = [("id", "in", self.line_ids.logistics_claim_id.ids)]
        action["context"] = {}
        action["name"] = _("Claims of %s", self.name)
        return action

    def _invoice_paid_hook(self):
        """A carrier's credit note for a claim paid or reconciled: settled."""
        result = super()._invoice_paid_hook()
        refunds = self.filtered(lambda move: move.move_type == "in_refund")
        if refunds:
            claims = (
                self.env["logistics.claim"]
                .sudo()
                .search([("credit_note_id", "in", refunds.ids)])
            )
            claims._mark_settled(_("Claim %(claim)s settled: its credit note is paid."))
        return result
