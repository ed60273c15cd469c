"""Reconciliation of freight charges: the actual amount against the expected
one with the tolerance rules (`lib/reconcile.py`): approved, disputed, collect."""

from odoo import _, models

from ..lib import reconcile, terms
from .logistics_freight_charge import OPEN_STATES, TMS


class LogisticsFreightCharge(models.Model):
    # One concern of the model per file (see logistics_freight_charge.py).
    # pylint: disable=consider-merging-classes-inherited
    _inherit = "logistics.freight.charge"

    def action_reconcile(self):
        """Reconcile again, e.g. after a tolerance rule or rate card changed."""
        self._logistics_check_access("write")
        self.filtered(
            lambda c: c.state in ("draft", "expected", "actual", "disputed")
        )._reconcile()
        return True

    def _reconcile(self, message=None):
        """Decide what happens to charges whose amounts are known or changed."""
        for charge in self.filtered(lambda c: c.state in OPEN_STATES):
            charge._reconcile_one(message)

    def _reconcile_one(self, message):
        self.ensure_one()
        if not self.actual_source:
            self._set_state("expected" if self.expected_source else "draft")
            return
        if self.actual_source == TMS and self.carrier_id.freight_invoice_required:
            self._set_state("actual")
            return
        freight_terms = self._customer_terms()
        if not terms.plan(freight_terms).pay_carrier:
            self.write({"state": "collect", "freight_terms": freight_terms})
            self._close_dispute_activities(_("Collect terms: the customer pays."))
            return
        if not self.expected_source:
            self._fill_expected_from_rate_card()
        rule = self.env["logistics.freight.tolerance"]._for_charge(self)
        decision = reconcile.decide(
            self.expected_amount if self.expected_source else None,
            self.actual_amount,
            rule._tolerance_for(self),
            self.currency_id.decimal_places,
        )
        vals = {
            "decision": decision,
            "tolerance_id": rule.id,
            "freight_terms": freight_terms,
        }
        if decision in reconcile.APPROVED_DECISIONS:
            self._approve(dict(vals, approved_amount=self.actual_amount))
        else:
            self._dispute(vals, message)

    def _set_state(self, state):
        if self.state != state:
            self.state = state

    def _customer_terms(self):
        return self.customer_id.freight_terms or terms.DEFAULT_TERMS

    def _reference_amount(self):
        """What an invoice line is compared with to find its charge."""
        return self.expected_amount if self.expected_source else self.tms_amount

    def _fill_expected_from_rate_card(self):
        amount = self.env["logistics.freight.rate.card"]._expected_amount(self)
        if amount is not None:
            self.write({"expected_amount": amount, "expected_source": "rate_card"})

    def _approve(self, vals):
        self.write(
            dict(
                vals,
                state="approved",
                dispute_reason=False,
                resolution=False,
                resolution_note=False,
            )
        )
        self._close_dispute_activities(_("Approved: %s", self._decision_label()))

    def _decision_label(self):
        return dict(reconcile.DECISIONS).get(self.decision, "")
