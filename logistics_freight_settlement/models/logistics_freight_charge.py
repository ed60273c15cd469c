import logging

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from odoo.addons.logistics_integration_base.lib import errors

from ..lib import charge_codes, reconcile, terms

_logger = logging.getLogger(__name__)

CHARGE_FLOW = "freight.charge"
TMS = "tms"
STATES = [
    ("draft", "Draft"),
    ("expected", "Expected"),
    ("actual", "Waiting for the carrier invoice"),
    ("approved", "Approved"),
    ("disputed", "Disputed"),
    ("billed", "Billed by the carrier"),
    ("rebilled", "Rebilled to the customer"),
    ("collect", "Collect (customer pays)"),
    ("cancelled", "Cancelled"),
]
# A new amount may still change these; the others are settled.
OPEN_STATES = ("draft", "expected", "actual", "approved", "disputed")
SETTLED_STATES = ("billed", "rebilled", "collect")
RESOLUTIONS = [
    ("accept_actual", "Accept the actual amount"),
    ("accept_expected", "Accept the expected amount"),
    ("credit_note", "Credit note requested"),
]
EXPECTED_SOURCES = [
    ("tender", "Tender answer (TMS)"),
    ("rate_card", "Rate card"),
    ("manual", "Entered by hand"),
]
ACTUAL_SOURCES = [("tms", "TMS"), ("carrier_invoice", "Carrier invoice")]
DISPUTE_ACTIVITY = "logistics_freight_settlement.mail_activity_type_freight_dispute"


class LogisticsFreightCharge(models.Model):
    """One freight charge of a shipment: expected, actual, approved, billed.

    Charges come from TMS events and settlement feeds (flow `freight.charge`)
    and from carrier invoices (flow `freight.invoice`). Once the actual amount
    is known they are reconciled against the expected one with the tolerance
    rules (`lib/reconcile.py`): approved, disputed, or collect. The settlement
    run (`logistics.freight.settlement`) bills approved charges to the carrier
    and rebills them to the customer by the customer's freight terms.
    """

    _name = "logistics.freight.charge"
    _description = "Freight Charge"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "analytic.mixin",
        "logistics.owned.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True
    _rec_names_search = ["shipment_id.name", "charge_type_id.name", "external_code"]

    shipment_id = fields.Many2one(
        "logistics.shipment",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        related="shipment_id.company_id", store=True, index=True, precompute=True
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company currency"
    )
    customer_id = fields.Many2one(
        "res.partner",
        compute="_compute_customer_id",
        store=True,
        index="btree_not_null",
        string="Customer",
    )
    sale_order_id = fields.Many2one(related="shipment_id.sale_order_id")
    carrier_id = fields.Many2one(
        "res.partner", required=True, index=True, tracking=True
    )
    charge_type_id = fields.Many2one(
        "logistics.freight.charge.type",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
    )
    is_accessorial = fields.Boolean(related="charge_type_id.is_accessorial")
    external_code = fields.Char(
        string="Charge code", help="The code the TMS or carrier used."
    )
    line_key = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Identifies the charge among the shipment's TMS charges: a resent "
        "list updates it instead of adding another.",
    )
    description = fields.Char()
    quantity = fields.Float(default=1.0)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    expected_amount = fields.Monetary(tracking=True)
    expected_source = fields.Selection(
        EXPECTED_SOURCES, help="Empty: nothing was expected."
    )
    # Owned by the TMS (see the field ownership matrix).
    tms_amount = fields.Monetary(string="Amount reported by the TMS", copy=False)
    tms_reported_at = fields.Datetime(string="Reported by the TMS at", copy=False)
    carrier_invoice_line_id = fields.Many2one(
        "logistics.carrier.invoice.line",
        index="btree_not_null",
        ondelete="set null",
        copy=False,
    )
    carrier_invoice_id = fields.Many2one(
        related="carrier_invoice_line_id.invoice_id",
        store=True,
        index="btree_not_null",
        string="Carrier invoice",
    )
    actual_amount = fields.Monetary(
        compute="_compute_actual", store=True, tracking=True
    )
    actual_source = fields.Selection(
        ACTUAL_SOURCES, compute="_compute_actual", store=True
    )
    approved_amount = fields.Monetary(readonly=True, copy=False, tracking=True)
    variance_amount = fields.Monetary(compute="_compute_variance", store=True)
    variance_percent = fields.Float(
        string="Variance (%)", compute="_compute_variance", store=True, aggregator="avg"
    )
    decision = fields.Selection(reconcile.DECISIONS, readonly=True, copy=False)
    tolerance_id = fields.Many2one(
        "logistics.freight.tolerance", readonly=True, copy=False, ondelete="set null"
    )
    state = fields.Selection(
        STATES, default="draft", required=True, tracking=True, index=True, copy=False
    )
    freight_terms = fields.Selection(
        terms.FREIGHT_TERMS,
        readonly=True,
        copy=False,
        help="The customer's freight terms when the charge was reconciled.",
    )
    dispute_reason = fields.Text(readonly=True, copy=False)
    resolution = fields.Selection(RESOLUTIONS, readonly=True, copy=False, tracking=True)
    resolution_note = fields.Text(readonly=True, copy=False)
    resolved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    resolved_at = fields.Datetime(readonly=True, copy=False)
    source_message_id = fields.Many2one(
        "logistics.message",
        string="Source message",
        readonly=True,
        copy=False,
        ondelete="set null",
        index="btree_not_null",
    )
    correlation_id = fields.Char(string="Correlation ID", readonly=True, copy=False)
    move_line_ids = fields.One2many(
        "account.move.line", "freight_charge_id", string="Journal items", readonly=True
    )
    vendor_bill_id = fields.Many2one(
        "account.move",
        compute="_compute_moves",
        store=True,
        index="btree_not_null",
        string="Vendor bill",
    )
    credit_note_id = fields.Many2one(
        "account.move", compute="_compute_moves", store=True, string="Credit note"
    )
    customer_invoice_id = fields.Many2one(
        "account.move",
        compute="_compute_moves",
        store=True,
        index="btree_not_null",
        string="Customer invoice",
    )
    billed_amount = fields.Monetary(
        compute="_compute_moves",
        store=True,
        help="On the carrier's vendor bill, less any credit note requested.",
    )
    expected_amount_company = fields.Monetary(
        string="Expected",
        currency_field="company_currency_id",
        compute="_compute_company_amounts",
        store=True,
    )
    actual_amount_company = fields.Monetary(
        string="Actual",
        currency_field="company_currency_id",
        compute="_compute_company_amounts",
        store=True,
    )
    billed_amount_company = fields.Monetary(
        string="Billed",
        currency_field="company_currency_id",
        compute="_compute_moves",
        store=True,
    )
    rebilled_amount_company = fields.Monetary(
        string="Rebilled",
        currency_field="company_currency_id",
        compute="_compute_moves",
        store=True,
    )

    @api.depends("shipment_id.name", "charge_type_id.name")
    def _compute_display_name(self):
        for charge in self:
            charge.display_name = "%s · %s" % (
                charge.shipment_id.name or "",
                charge.charge_type_id.name or "",
            )

    @api.depends("shipment_id.partner_id")
    def _compute_customer_id(self):
        for charge in self:
            charge.customer_id = charge.shipment_id.partner_id.commercial_partner_id

    @api.depends("tms_amount", "tms_reported_at", "carrier_invoice_line_id.amount")
    def _compute_actual(self):
        for charge in self:
            if charge.carrier_invoice_line_id:
                charge.actual_amount = charge.carrier_invoice_line_id.amount
                charge.actual_source = "carrier_invoice"
            elif charge.tms_reported_at:
                charge.actual_amount = charge.tms_amount
                charge.actual_source = "tms"
            else:
                charge.actual_amount = 0.0
                charge.actual_source = False

    @api.depends("expected_amount", "expected_source", "actual_amount", "actual_source")
    def _compute_variance(self):
        for charge in self:
            if not (charge.expected_source and charge.actual_source):
                charge.variance_amount = 0.0
                charge.variance_percent = 0.0
                continue
            found = reconcile.variance(
                charge.expected_amount,
                charge.actual_amount,
                charge.currency_id.decimal_places,
            )
            charge.variance_amount = float(found.amount)
            charge.variance_percent = float(found.percentage or 0)

    # Only the lines' existence and state: amounts are read when a line is
    # linked, posted or cancelled, not on every edit of a draft line (tax sync
    # rewrites each line of a bill; following it would slow settlement down).
    @api.depends("move_line_ids", "move_line_ids.parent_state")
    def _compute_moves(self):
        for charge in self:
            lines = charge.move_line_ids.filtered(
                lambda line: line.parent_state != "cancel"
            )
            by_type = lines.grouped(lambda line: line.move_id.move_type)
            bills = by_type.get("in_invoice", lines.browse())
            refunds = by_type.get("in_refund", lines.browse())
            invoices = by_type.get("out_invoice", lines.browse())
            charge.vendor_bill_id = bills.move_id[-1:]
            charge.credit_note_id = refunds.move_id[-1:]
            charge.customer_invoice_id = invoices.move_id[-1:]
            charge.billed_amount = sum(bills.mapped("price_subtotal")) - sum(
                refunds.mapped("price_subtotal")
            )
            charge.billed_amount_company = sum((bills | refunds).mapped("balance"))
            charge.rebilled_amount_company = -sum(invoices.mapped("balance"))

    @api.depends(
        "expected_amount", "actual_amount", "currency_id", "date", "company_id"
    )
    def _compute_company_amounts(self):
        for charge in self:
            charge.expected_amount_company = charge._to_company(charge.expected_amount)
            charge.actual_amount_company = charge._to_company(charge.actual_amount)

    @api.depends("charge_type_id", "carrier_id", "company_id")
    def _compute_analytic_distribution(self):
        models_cache = {}
        Distribution = self.env["account.analytic.distribution.model"]
        for charge in self:
            if charge.charge_type_id.analytic_distribution:
                charge.analytic_distribution = (
                    charge.charge_type_id.analytic_distribution
                )
                continue
            product = charge.charge_type_id.product_id
            key = (product.id, charge.carrier_id.id, charge.company_id.id)
            if key not in models_cache:
                models_cache[key] = Distribution._get_distribution(
                    {
                        "product_id": product.id,
                        "product_categ_id": product.categ_id.id,
                        "partner_id": charge.carrier_id.id,
                        "partner_category_id": charge.carrier_id.category_id.ids,
                        "company_id": charge.company_id.id,
                    }
                )
            charge.analytic_distribution = (
                models_cache[key] or charge.analytic_distribution
            )

    # ------------------------------------------------------------------
    # CRUD

    @api.ondelete(at_uninstall=False)
    def _unlink_except_settled(self):
        settled = self.filtered(lambda charge: charge.state in SETTLED_STATES)
        if settled:
            raise UserError(
                _(
                    "Billed charges cannot be deleted: %s",
                    ", ".join(settled.mapped("display_name")),
                )
            )

    # ------------------------------------------------------------------
    # actions

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

    def action_reconcile(self):
        """Reconcile again, e.g. after a tolerance rule or rate card changed."""
        self._logistics_check_access("write")
        self.filtered(
            lambda c: c.state in ("draft", "expected", "actual", "disputed")
        )._reconcile()
        return True

    def action_cancel(self):
        self._logistics_check_access("write")
        settled = self.filtered(lambda charge: charge.state in SETTLED_STATES)
        if settled:
            raise UserError(
                _(
                    "Billed charges cannot be cancelled: %s",
                    ", ".join(settled.mapped("display_name")),
                )
            )
        self.write({"state": "cancelled"})
        self._close_dispute_activities(_("Charge cancelled."))
        return True

    def action_open_source_message(self):
        self._logistics_check_access("read", read_models=["logistics.message"])
        self.ensure_one()
        return self.source_message_id._get_records_action()

    # ------------------------------------------------------------------
    # flow freight.charge (TMS events and settlement feeds)

    @api.model
    def _freight_apply_charges(self, message):
        """Apply a `freight.charges` event: create or update the shipment's charges.

        Everything is checked before anything is written: an unknown charge
        code or currency is a permanent error and changes nothing. Resending
        the same charges changes nothing either.
        """
        data = message.payload["data"]
        lines = data["charges"]
        shipment = self.env["logistics.shipment"]._tms_find(message, data)
        currency = self._freight_currency(data["currency"], "/data/currency")
        carrier = self._freight_event_carrier(shipment, data)
        codes = [line["code"] for line in lines]
        types = self.env["logistics.freight.charge.code.map"]._resolve(
            codes,
            endpoint=message.endpoint_id,
            carrier=carrier,
            where="/data/charges/%s/code",
        )
        keys = charge_codes.line_keys(codes)
        known = self._tms_known_charges(shipment, keys, types.values())
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        refused, changed = [], self.browse()
        for line, key in zip(lines, keys, strict=True):
            charge_type = types[charge_codes.normalize(line["code"])]
            # A charge of the same type the TMS never reported is adopted once.
            charge = known.pop(key, None) or known.pop(charge_type, None)
            vals = self._prepare_tms_charge_vals(
                message,
                line,
                shipment=shipment,
                carrier=carrier,
                currency=currency,
                charge_type=charge_type,
                key=key,
            )
            if not charge:
                changed |= self.create(vals)
                counts["created"] += 1
                continue
            outcome = charge._apply_tms_vals(vals, message)
            if outcome == "refused":
                refused.append(key)
            else:
                counts[outcome] += 1
                if outcome == "updated":
                    changed |= charge
        changed._reconcile(message)
        charges = self.search([("shipment_id", "=", shipment.id)])
        return dict(
            counts,
            shipment=shipment.name,
            refused=refused,
            states={c.line_key or str(c.id): c.state for c in charges},
        )

    @api.model
    def _freight_currency(self, code, pointer="/currency"):
        """The active currency of an ISO 4217 code, or a permanent error."""
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", code)], limit=1)
        )
        if not currency.active:
            raise errors.PermanentError(
                _(
                    "Currency %(code)s is unknown or not active in Odoo: activate it "
                    "(with its rates) first.",
                    code=code,
                ),
                details=[{"pointer": pointer, "reason": "inactive currency"}],
            )
        return currency

    @api.model
    def _freight_event_carrier(self, shipment, data):
        carrier = data.get("carrier") or {}
        if carrier.get("scac"):
            return self.env["logistics.shipment"]._carrier(carrier)
        if shipment.carrier_id:
            return shipment.carrier_id
        raise errors.PermanentError(
            _(
                "The charges of %(shipment)s name no carrier and the shipment has "
                "none.",
                shipment=shipment.name,
            ),
            details=[{"pointer": "/data/carrier", "reason": "no carrier"}],
        )

    @api.model
    def _tms_known_charges(self, shipment, keys, charge_types):
        """Charges a TMS line updates: by line key, else one of the same type the
        TMS has not reported yet (expected from a rate card, or invoiced first)."""
        charges = self.search(
            [("shipment_id", "=", shipment.id), ("state", "!=", "cancelled")]
        )
        known = {c.line_key: c for c in charges if c.line_key in keys}
        for charge in charges.filtered(
            lambda c: not c.line_key and not c.tms_reported_at
        ):
            if charge.charge_type_id in charge_types:
                known.setdefault(charge.charge_type_id, charge)
        return known

    @api.model
    def _prepare_tms_charge_vals(
        self, message, line, *, shipment, carrier, currency, charge_type, key
    ):
        vals = {
            "shipment_id": shipment.id,
            "carrier_id": carrier.id,
            "charge_type_id": charge_type.id,
            "external_code": charge_codes.normalize(line["code"]),
            "line_key": key,
            "description": line.get("description") or charge_type.name,
            "quantity": line.get("quantity") or 1.0,
            "currency_id": currency.id,
            "date": (message.event_time or fields.Datetime.now()).date(),
            "source_message_id": message.id,
            "correlation_id": message.correlation_id,
            "tms_amount": line["amount"],
            "tms_reported_at": message.event_time or fields.Datetime.now(),
        }
        if line.get("expected_amount") is not None:
            vals.update(
                expected_amount=line["expected_amount"], expected_source="tender"
            )
        return vals

    def _apply_tms_vals(self, vals, message):
        """Update from a TMS line: `updated`, `unchanged` or `refused` (settled)."""
        self.ensure_one()
        owned = {"tms_amount", "tms_reported_at"}
        compared = {
            "tms_amount": vals["tms_amount"],
            "currency_id": vals["currency_id"],
            "expected_amount": vals.get("expected_amount", self.expected_amount),
        }
        differs = (
            not self.tms_reported_at
            or self.currency_id.id != compared["currency_id"]
            or self.currency_id.compare_amounts(self.tms_amount, compared["tms_amount"])
            or self.currency_id.compare_amounts(
                self.expected_amount, compared["expected_amount"]
            )
        )
        if not differs:
            return "unchanged"
        if self.state not in OPEN_STATES:
            self._refuse_settled_update(vals, message)
            return "refused"
        own = {name: value for name, value in vals.items() if name not in owned}
        own.pop("shipment_id", None)
        self.write(own)
        self.env["logistics.field.ownership"]._guarded_write(
            self, {name: vals[name] for name in owned}, TMS, message
        )
        return "updated"

    def _refuse_settled_update(self, vals, message):
        text = _(
            "The TMS reports %(amount)s for %(charge)s, which is %(state)s already: "
            "the update is not applied.",
            amount=format_amount(self.env, vals["tms_amount"], self.currency_id),
            charge=self.display_name,
            state=dict(STATES)[self.state],
        )
        self.message_post(body=text)
        self.env["logistics.audit.log"]._append(
            action="update_refused",
            outcome="refused",
            message=message,
            record=self,
            details=text,
        )

    # ------------------------------------------------------------------
    # reconciliation

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

    def _decision_label(self):
        return dict(reconcile.DECISIONS).get(self.decision, "")

    def _format(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _to_company(self, amount):
        company = self.company_id or self.env.company
        if not amount or self.currency_id == company.currency_id:
            return amount
        return self.currency_id._convert(
            amount, company.currency_id, company, self.date or fields.Date.today()
        )

    def _close_dispute_activities(self, feedback):
        activities = self.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref(DISPUTE_ACTIVITY)
        )
        if activities:
            activities.action_feedback(feedback=feedback)

    def _freight_reopen(self):
        """A bill or invoice of these charges was cancelled or deleted: they are
        settled again by the next run (never rebilled twice)."""
        for charge in self:
            if charge.state in ("billed", "rebilled") and not charge.vendor_bill_id:
                charge.state = "approved"
            elif charge.state == "rebilled" and not charge.customer_invoice_id:
                charge.state = "billed"

    # ------------------------------------------------------------------
    # disputes

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

    # ------------------------------------------------------------------
    # accounting lines

    def _bill_line_label(self):
        self.ensure_one()
        label = "%s · %s" % (self.charge_type_id.name, self.shipment_id.name)
        if self.description and self.description != self.charge_type_id.name:
            label = "%s (%s)" % (label, self.description)
        return label

    def _prepare_bill_line_vals(self, amount=None):
        """Vendor bill line of the charge: expense account, analytic, link back."""
        self.ensure_one()
        charge_type = self.charge_type_id.with_company(self.company_id)
        vals = {
            "name": self._bill_line_label(),
            "quantity": 1.0,
            "price_unit": self.approved_amount if amount is None else amount,
            "freight_charge_id": self.id,
            "analytic_distribution": self.analytic_distribution or False,
        }
        if charge_type.product_id:
            vals["product_id"] = charge_type.product_id.id
        if charge_type.expense_account_id:
            vals["account_id"] = charge_type.expense_account_id.id
        return vals

    def _prepare_rebill_line_vals(self, currency, date):
        """Customer invoice line passing the approved amount on, in ``currency``."""
        self.ensure_one()
        charge_type = self.charge_type_id.with_company(self.company_id)
        vals = {
            "name": _(
                "Freight: %(type)s, shipment %(shipment)s",
                type=self.charge_type_id.name,
                shipment=self.shipment_id.name,
            ),
            "quantity": 1.0,
            "price_unit": self.currency_id._convert(
                self.approved_amount, currency, self.company_id, date
            ),
            "freight_charge_id": self.id,
        }
        if charge_type.product_id:
            vals["product_id"] = charge_type.product_id.id
        if charge_type.income_account_id:
            vals["account_id"] = charge_type.income_account_id.id
        return vals
