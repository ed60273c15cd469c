"""Accepted claims settled by deduction: a negative line on the carrier's next
freight bill of the settlement run."""

from odoo import Command, _, api, models

from ..lib import claims


# One model, one file per concern (see logistics_freight_settlement.py).
# pylint: disable=consider-merging-classes-inherited
class LogisticsFreightSettlement(models.AbstractModel):
    _inherit = "logistics.freight.settlement"

    @api.model
    def _bill(self, charges):
        bills = super()._bill(charges)
        self._deduct_claims(bills)
        return bills

    @api.model
    def _deductible_claims(self, bill):
        return self.env["logistics.claim"].search(
            [
                ("company_id", "=", bill.company_id.id),
                ("carrier_id", "=", bill.partner_id.id),
                ("currency_id", "=", bill.currency_id.id),
                ("state", "in", list(claims.DECIDED_FOR_PAYMENT)),
                ("settlement_mode", "=", claims.DEDUCTION),
                ("deduction_line_id", "=", False),
            ],
            order="id",
        )

    @api.model
    def _deduct_claims(self, bills):
        """Deduct the carriers' accepted claims from their new bills, each claim
        once, as far as a bill's total goes (a bill never turns negative: a
        larger claim waits for a larger bill)."""
        for bill in bills.sorted("id"):
            room = bill.amount_untaxed
            for claim in self._deductible_claims(bill):
                if bill.currency_id.compare_amounts(claim.amount_accepted, room) > 0:
                    continue
                bill.write(
                    {
                        "invoice_line_ids": [
                            Command.create(
                                claim._claim_line_vals(
                                    _(
                                        "Claim %(claim)s deducted: %(kind)s of "
                                        "shipment %(shipment)s",
                                        claim=claim.name,
                                        kind=dict(claims.KINDS)[claim.kind].lower(),
                                        shipment=claim.shipment_id.name,
                                    ),
                                    -claim.amount_accepted,
                                )
                            )
                        ]
                    }
                )
                room -= claim.amount_accepted
                line = bill.invoice_line_ids.filtered(
                    lambda ln, c=claim: ln.logistics_claim_id == c
                )[:1]
                claim._mark_settled(
                    _("Claim %(claim)s settled: deducted on the carrier's bill.")
                    + " "
                    + (bill.name or ""),
                    deduction_line_id=line.id,
                )
