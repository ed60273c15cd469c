from odoo import _, models


# One model, one file per concern (see account_move.py).
# pylint: disable=consider-merging-classes-inherited
class AccountMove(models.Model):
    _inherit = "account.move"

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
