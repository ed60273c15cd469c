"""Freight disputes: opened by the reconciliation, resolved by finance (accept
actual, accept expected, credit note requested)."""

from odoo import Command, _, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..lib import reconcile
from .logistics_freight_charge import DISPUTE_ACTIVITY, RESOLUTIONS


class LogisticsFreightCharge(models.Model):
    # One concern of the model per file (see logistics_freight_charge.py).
    # pylint: disable=consider-merging-classes-inherited
    _inherit = "logistics.freight.charge"

    def action_open_dispute_wizard(self):
        self._logistics_check_access(
            "write", read_models=["logistics.freight.dispute.wizard"]
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Resolve dispute"),
            "res_model": "logistics.freight.dispute.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_charge_ids": [Command.set(self.ids)]},
        }

    def _dispute(self, vals, message=None):
        reason = self._dispute_text(vals["decision"])
        if self.state == "disputed" and self.dispute_reason == reason:
            return
        self.write(
            dict(
                vals,
                state="disputed",
                approved_amount=0.0,
                dispute_reason=reason,
                resolution=False,
                resolution_note=False,
            )
        )
        self.activity_schedule(
            DISPUTE_ACTIVITY,
            summary=_("Freight dispute: %s", self.display_name),
            note=reason,
            user_id=self.company_id._freight_dispute_user().id,
        )
        self.message_post(body=reason)
        self.env["logistics.audit.log"]._append(
            action="dispute",
            outcome="refused",
            message=message,
            record=self,
            details=_("Freight charge disputed: %s", reason),
        )

    def _dispute_text(self, decision):
        amount = self._format
        if decision == reconcile.UNEXPECTED:
            return _(
                "%(charge)s: %(actual)s charged by %(carrier)s and nothing was "
                "expected (no tender amount, no rate card).",
                charge=self.display_name,
                actual=amount(self.actual_amount),
                carrier=self.carrier_id.name,
            )
        return _(
            "%(charge)s: %(actual)s charged by %(carrier)s, %(expected)s expected: "
            "a variance of %(variance)s (%(percent)s %%) is beyond the tolerance "
            "(%(rule)s).",
            charge=self.display_name,
            actual=amount(self.actual_amount),
            carrier=self.carrier_id.name,
            expected=amount(self.expected_amount),
            variance=amount(self.actual_amount - self.expected_amount),
            percent=self.variance_percent,
            rule=self.tolerance_id.name or _("no rule: exact match only"),
        )

    def _format(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _close_dispute_activities(self, feedback):
        activities = self.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref(DISPUTE_ACTIVITY)
        )
        if activities:
            activities.action_feedback(feedback=feedback)

    def _resolve_dispute(self, resolution, note=None):
        """Record how finance settled disputed charges, and approve them."""
        for charge in self:
            charge._resolve_one(resolution, note)

    def _resolve_one(self, resolution, note):
        self.ensure_one()
        if self.state != "disputed":
            raise UserError(
                _("%s is not disputed: there is nothing to resolve.", self.display_name)
            )
        amount = self._resolved_amount(resolution)
        self.write(
            {
                "state": "approved",
                "approved_amount": amount,
                "resolution": resolution,
                "resolution_note": note or False,
                "resolved_by_id": self.env.uid,
                "resolved_at": fields.Datetime.now(),
            }
        )
        if resolution == "credit_note":
            self._request_credit_note()
        text = _(
            "Dispute of %(charge)s resolved by %(user)s: %(resolution)s, %(amount)s "
            "approved. %(note)s",
            charge=self.display_name,
            user=self.env.user.name,
            resolution=dict(RESOLUTIONS)[resolution],
            amount=self._format(amount),
            note=note or "",
        )
        self._close_dispute_activities(text)
        self.message_post(body=text)
        self.env["logistics.audit.log"]._append(
            action="dispute_resolved",
            outcome="success",
            message=self.source_message_id,
            record=self,
            details=_("Freight dispute resolved: %s", self.dispute_reason),
            resolution=text,
        )

    def _resolved_amount(self, resolution):
        if resolution == "accept_expected":
            if not self.expected_source:
                raise UserError(
                    _(
                        "Nothing was expected for %s: accept the actual amount or "
                        "request a credit note.",
                        self.display_name,
                    )
                )
            return self.expected_amount
        if resolution == "credit_note" and self._overcharge() <= 0:
            raise UserError(
                _(
                    "%s is not an overcharge: a credit note is only requested for "
                    "more than expected.",
                    self.display_name,
                )
            )
        return self.actual_amount

    def _overcharge(self):
        expected = self.expected_amount if self.expected_source else 0.0
        return self.currency_id.round(self.actual_amount - expected)

    def _request_credit_note(self):
        """A draft vendor credit note for the overcharge, to match the carrier's."""
        self.ensure_one()
        line_vals = dict(
            self._prepare_bill_line_vals(self._overcharge()),
            name=_("Credit note requested: %s", self._bill_line_label()),
        )
        # Finance decided; the draft credit note is booked for it by the
        # integration (a freight manager may have no accounting rights).
        credit_note = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "in_refund",
                    "company_id": self.company_id.id,
                    "partner_id": self.carrier_id.id,
                    "currency_id": self.currency_id.id,
                    "invoice_date": fields.Date.context_today(self),
                    "invoice_origin": self.shipment_id.name,
                    "invoice_line_ids": [Command.create(line_vals)],
                }
            )
        )
        credit_note.message_post(
            body=_(
                "Requested from %(carrier)s for the dispute of %(charge)s.",
                carrier=self.carrier_id.name,
                charge=self.display_name,
            )
        )
        return credit_note
