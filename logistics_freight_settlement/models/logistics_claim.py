from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount

from ..lib import claims

CLAIM_ACTIVITY = "logistics_freight_settlement.mail_activity_type_carrier_claim"
CLAIM_PRODUCT = "logistics_freight_settlement.product_product_carrier_claim"
SEQUENCE_CODE = "logistics.claim"


class LogisticsClaim(models.Model):
    """A claim against the carrier for damage, shortage or loss of goods.

    Opened by a TMS event (reason code, proof-of-delivery remarks, short
    delivery: `logistics_shipment_claim.py`), by the customer through the API,
    or by hand. The status follows `lib/claims.py`: open, submitted to the
    carrier, accepted / partially accepted / rejected, settled. The accepted
    amount becomes a vendor credit note from the carrier, or a deduction line
    on the carrier's next freight bill (the company's setting); where the
    customer's terms say so, the customer gets a credit note too. Each status
    change is in the audit log.
    """

    _name = "logistics.claim"
    _description = "Carrier Claim"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "shipment_id.name", "carrier_reference"]

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
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
    carrier_id = fields.Many2one(
        "res.partner",
        compute="_compute_carrier_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        tracking=True,
        help="The shipment's carrier, who the claim is against.",
    )
    customer_id = fields.Many2one(
        "res.partner",
        compute="_compute_customer_id",
        store=True,
        index="btree_not_null",
        string="Customer",
    )
    sale_order_id = fields.Many2one(related="shipment_id.sale_order_id")
    kind = fields.Selection(claims.KINDS, required=True, tracking=True)
    source = fields.Selection(
        claims.SOURCES, required=True, default="manual", readonly=True
    )
    state = fields.Selection(
        claims.STATES,
        default=claims.OPEN,
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    description = fields.Text()
    line_ids = fields.One2many("logistics.claim.line", "claim_id", copy=True)
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    amount_claimed = fields.Monetary(
        compute="_compute_amount_claimed", store=True, tracking=True
    )
    amount_accepted = fields.Monetary(
        copy=False,
        tracking=True,
        help="What the carrier accepts to pay: the whole claim, part of it, or "
        "nothing.",
    )
    incident_date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        help="When the damage, shortage or loss was found (the delivery, for "
        "the TMS's reports).",
    )
    filing_deadline = fields.Date(
        compute="_compute_filing_deadline",
        store=True,
        readonly=False,
        help="The last day to submit the claim to the carrier: the incident "
        "date plus the carrier's claim days (or the company's).",
    )
    is_overdue = fields.Boolean(
        compute="_compute_is_overdue", string="Past the filing deadline"
    )
    submitted_on = fields.Date(readonly=True, copy=False)
    decided_on = fields.Date(readonly=True, copy=False)
    carrier_reference = fields.Char(
        copy=False, help="The carrier's number for the claim."
    )
    decision_note = fields.Text(copy=False)
    settlement_mode = fields.Selection(
        claims.SETTLEMENT_MODES,
        required=True,
        default=lambda self: (
            self.env.company.freight_claim_settlement or claims.CREDIT_NOTE
        ),
    )
    credit_note_id = fields.Many2one(
        "account.move",
        string="Vendor credit note",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    credit_note_state = fields.Selection(related="credit_note_id.state")
    deduction_line_id = fields.Many2one(
        "account.move.line",
        string="Deduction",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The line of the carrier's freight bill that deducts the accepted amount.",
    )
    deduction_bill_id = fields.Many2one(
        related="deduction_line_id.move_id", string="Deducted on"
    )
    customer_credit_note_id = fields.Many2one(
        "account.move",
        string="Customer credit note",
        readonly=True,
        copy=False,
    )
    source_message_id = fields.Many2one(
        "logistics.message",
        string="Source message",
        readonly=True,
        copy=False,
        ondelete="set null",
        index="btree_not_null",
    )
    evidence_ids = fields.One2many(
        "ir.attachment",
        "res_id",
        string="Evidence",
        domain=[("res_model", "=", "logistics.claim")],
        help="Photos, proof of delivery, reports: the attachments of the claim.",
    )
    evidence_count = fields.Integer(compute="_compute_evidence_count")

    _sql_constraints = [
        (
            "amount_accepted_positive",
            "CHECK(amount_accepted >= 0)",
            "The accepted amount cannot be negative.",
        ),
    ]

    @api.depends("shipment_id.carrier_id")
    def _compute_carrier_id(self):
        for claim in self:
            claim.carrier_id = claim.carrier_id or claim.shipment_id.carrier_id

    @api.depends("shipment_id.partner_id")
    def _compute_customer_id(self):
        for claim in self:
            claim.customer_id = claim.shipment_id.partner_id.commercial_partner_id

    @api.depends("line_ids.amount")
    def _compute_amount_claimed(self):
        for claim in self:
            claim.amount_claimed = claim.currency_id.round(
                sum(claim.line_ids.mapped("amount"))
            )

    @api.depends("incident_date", "carrier_id.freight_claim_days", "company_id")
    def _compute_filing_deadline(self):
        for claim in self:
            days = (
                claim.carrier_id.commercial_partner_id.freight_claim_days
                or (claim.company_id or self.env.company).freight_claim_days
            )
            claim.filing_deadline = claims.filing_deadline(claim.incident_date, days)

    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for claim in self:
            claim.is_overdue = bool(
                claim.state == claims.OPEN
                and claim.filing_deadline
                and claim.filing_deadline < today
            )

    def _compute_evidence_count(self):
        counts = dict(
            self.env["ir.attachment"]._read_group(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)],
                ["res_id"],
                ["__count"],
            )
        )
        for claim in self:
            claim.evidence_count = counts.get(claim.id, 0)

    @api.constrains("carrier_id", "state")
    def _check_carrier(self):
        for claim in self:
            if claim.state != claims.OPEN and not claim.carrier_id:
                raise ValidationError(
                    _("%s names no carrier: a claim is against one.", claim.name)
                )

    # ------------------------------------------------------------------
    # CRUD

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self._logistics_next_number(SEQUENCE_CODE, vals)
        records = super().create(vals_list)
        for claim in records:
            claim._audit(
                _(
                    "Claim %(claim)s opened (%(origin)s): %(kind)s of %(shipment)s, "
                    "%(amount)s claimed from %(carrier)s.",
                    claim=claim.name,
                    origin=dict(claims.SOURCES)[claim.source],
                    kind=dict(claims.KINDS)[claim.kind],
                    shipment=claim.shipment_id.name,
                    amount=claim._format(claim.amount_claimed),
                    carrier=claim.carrier_id.name or _("no carrier yet"),
                ),
                message=claim.source_message_id,
            )
        return records

    @api.ondelete(at_uninstall=False)
    def _unlink_only_open(self):
        if any(claim.state not in (claims.OPEN, claims.CANCELLED) for claim in self):
            raise UserError(
                _("Only open or cancelled claims can be deleted: cancel it instead.")
            )

    # ------------------------------------------------------------------
    # actions

    def action_submit(self):
        """Open -> submitted: the claim goes to the carrier."""
        self._logistics_check_access("write")
        for claim in self:
            claim._check_submittable()
            claim._move_to(
                claims.SUBMITTED,
                _(
                    "Claim %(claim)s submitted to %(carrier)s: %(amount)s.",
                    claim=claim.name,
                    carrier=claim.carrier_id.name,
                    amount=claim._format(claim.amount_claimed),
                ),
                submitted_on=fields.Date.context_today(claim),
            )
            claim._close_activities(_("Submitted to the carrier."))
        return True

    def action_accept(self):
        """The carrier accepts the whole claim."""
        self._logistics_check_access("write")
        for claim in self:
            claim._decide(claim.amount_claimed)
        return True

    def action_accept_partially(self):
        """The carrier accepts the amount entered in `amount_accepted`."""
        self._logistics_check_access("write")
        for claim in self:
            if claim.currency_id.compare_amounts(
                claim.amount_accepted, claim.amount_claimed
            ) >= 0 or claim.currency_id.is_zero(claim.amount_accepted):
                raise UserError(
                    _(
                        "Enter the amount %(carrier)s accepts, more than nothing "
                        "and less than the %(amount)s claimed.",
                        carrier=claim.carrier_id.name,
                        amount=claim._format(claim.amount_claimed),
                    )
                )
            claim._decide(claim.amount_accepted)
        return True

    def action_reject(self):
        """The carrier rejects the claim: nothing is owed."""
        self._logistics_check_access("write")
        for claim in self:
            claim._decide(0.0)
        return True

    def action_cancel(self):
        self._logistics_check_access("write")
        for claim in self:
            claim._move_to(
                claims.CANCELLED,
                _(
                    "Claim %(claim)s cancelled by %(user)s.",
                    claim=claim.name,
                    user=self.env.user.name,
                ),
            )
            claim._close_activities(_("Claim cancelled."))
        return True

    def action_create_credit_note(self):
        """A new vendor credit note for an accepted claim whose credit note was
        cancelled (or that was to be deducted and is credited after all)."""
        self._logistics_check_access("write")
        for claim in self:
            if claim.state not in claims.DECIDED_FOR_PAYMENT or (
                claim.credit_note_id and claim.credit_note_id.state != "cancel"
            ):
                raise UserError(
                    _(
                        "%s is not accepted and waiting for a credit note.",
                        claim.name,
                    )
                )
            claim.write(
                {
                    "settlement_mode": claims.CREDIT_NOTE,
                    "credit_note_id": claim._create_vendor_credit_note().id,
                }
            )
            claim._audit(
                _(
                    "Claim %(claim)s: new vendor credit note %(move)s.",
                    claim=claim.name,
                    move=claim.credit_note_id.name,
                )
            )
        return True

    def action_view_credit_note(self):
        self._logistics_check_access("read", read_models=["account.move"])
        self.ensure_one()
        move = self.credit_note_id or self.deduction_bill_id
        return move._get_records_action() if move else False

    def action_view_evidence(self):
        self._logistics_check_access("read")
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Evidence of %s", self.name),
            "res_model": "ir.attachment",
            "view_mode": "kanban,list,form",
            "domain": [("res_model", "=", self._name), ("res_id", "=", self.id)],
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }

    # ------------------------------------------------------------------
    # status machine

    def _move_to(self, new_state, text, message=None, **vals):
        """Change the status (as `lib/claims.py` allows), with chatter and audit."""
        self.ensure_one()
        try:
            claims.check_transition(self.state, new_state)
        except claims.InvalidTransition as err:
            raise UserError(
                _(
                    "%(claim)s is %(state)s: it cannot become %(new)s.",
                    claim=self.name,
                    state=dict(claims.STATES)[self.state],
                    new=dict(claims.STATES)[new_state],
                )
            ) from err
        self.write(dict(vals, state=new_state))
        self.message_post(body=text)
        self._audit(text, message=message)

    def _check_submittable(self):
        self.ensure_one()
        if not self.carrier_id:
            raise UserError(_("%s names no carrier: set the carrier first.", self.name))
        if self.currency_id.is_zero(self.amount_claimed):
            raise UserError(
                _("%s claims nothing: add the lines and their value.", self.name)
            )
        if self.is_overdue:
            raise UserError(
                _(
                    "The filing deadline of %(claim)s was %(deadline)s: the carrier "
                    "no longer takes it. Change the deadline if the carrier agreed "
                    "to a later one.",
                    claim=self.name,
                    deadline=self.filing_deadline,
                )
            )

    def _decide(self, accepted):
        """Record the carrier's answer and settle what it accepted."""
        self.ensure_one()
        try:
            new_state = claims.decision(self.amount_claimed, accepted)
        except ValueError as err:
            raise UserError(
                _("%(claim)s: %(error)s", claim=self.name, error=str(err))
            ) from err
        self._move_to(
            new_state,
            _(
                "%(carrier)s answered claim %(claim)s: %(state)s, %(accepted)s of "
                "%(claimed)s. %(note)s",
                carrier=self.carrier_id.name,
                claim=self.name,
                state=dict(claims.STATES)[new_state],
                accepted=self._format(accepted),
                claimed=self._format(self.amount_claimed),
                note=self.decision_note or "",
            ),
            amount_accepted=accepted,
            decided_on=fields.Date.context_today(self),
        )
        if new_state in claims.DECIDED_FOR_PAYMENT:
            self._settle_accepted()

    def _settle_accepted(self):
        """The accepted amount: a vendor credit note now, or a deduction on the
        carrier's next freight bill (the settlement run); a customer credit
        note where the customer's terms say so."""
        self.ensure_one()
        if self.settlement_mode == claims.CREDIT_NOTE:
            self.credit_note_id = self._create_vendor_credit_note()
        if self.customer_id.freight_claim_customer_credit:
            self.customer_credit_note_id = self._create_customer_credit_note()

    def _mark_settled(self, text, **vals):
        for claim in self.filtered(lambda c: c.state in claims.DECIDED_FOR_PAYMENT):
            claim._move_to(claims.SETTLED, text % {"claim": claim.name}, **vals)

    # ------------------------------------------------------------------
    # accounting

    def _claim_line_vals(self, name, amount):
        self.ensure_one()
        product = self.env.ref(CLAIM_PRODUCT, raise_if_not_found=False)
        vals = {
            "name": name,
            "quantity": 1.0,
            "price_unit": amount,
            "logistics_claim_id": self.id,
        }
        if product:
            vals["product_id"] = product.id
        return vals

    def _create_vendor_credit_note(self):
        """The carrier's credit note for the accepted amount (posted when the
        company posts carrier bills automatically)."""
        self.ensure_one()
        # The freight manager decided; the integration books it (a freight
        # manager may have no accounting rights).
        move = (
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
                    "ref": self.carrier_reference or self.name,
                    "invoice_origin": self.name,
                    "invoice_line_ids": [
                        Command.create(
                            self._claim_line_vals(
                                _(
                                    "Claim %(claim)s: %(kind)s of shipment "
                                    "%(shipment)s",
                                    claim=self.name,
                                    kind=dict(claims.KINDS)[self.kind],
                                    shipment=self.shipment_id.name,
                                ),
                                self.amount_accepted,
                            )
                        )
                    ],
                }
            )
        )
        if self.company_id.freight_auto_post_bills:
            move.action_post()
        self.message_post(
            body=_("Vendor credit note %s for the accepted amount.", move.name)
        )
        return move

    def _create_customer_credit_note(self):
        """A draft credit note passing the accepted amount on to the customer."""
        self.ensure_one()
        partner = self.sale_order_id.partner_invoice_id or self.customer_id
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "out_refund",
                    "company_id": self.company_id.id,
                    "partner_id": partner.id,
                    "currency_id": self.currency_id.id,
                    "invoice_origin": self.sale_order_id.name or self.name,
                    "ref": self.name,
                    "invoice_line_ids": [
                        Command.create(
                            self._claim_line_vals(
                                _(
                                    "Credit for the %(kind)s of shipment %(shipment)s "
                                    "(claim %(claim)s)",
                                    kind=dict(claims.KINDS)[self.kind].lower(),
                                    shipment=self.shipment_id.name,
                                    claim=self.name,
                                ),
                                self.amount_accepted,
                            )
                        )
                    ],
                }
            )
        )
        self.message_post(body=_("Customer credit note %s (draft).", move.name))
        return move

    # ------------------------------------------------------------------
    # helpers

    def _format(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _audit(self, text, message=None):
        self.ensure_one()
        self.env["logistics.audit.log"]._append(
            action="claim",
            outcome="success",
            message=message,
            record=self,
            details=text,
        )

    def _close_activities(self, feedback):
        activity_type = self.env.ref(CLAIM_ACTIVITY, raise_if_not_found=False)
        activities = self.activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type
        )
        if activities:
            activities.action_feedback(feedback=feedback)

    def _schedule_activity(self):
        self.ensure_one()
        self.activity_schedule(
            CLAIM_ACTIVITY,
            date_deadline=self.filing_deadline or fields.Date.context_today(self),
            summary=_("Submit claim %s to the carrier", self.name),
            note=self.description,
            user_id=self.company_id._freight_dispute_user().id,
        )

    def _api_json(self):
        """The claim as the customer API shows it."""
        self.ensure_one()
        return {
            "reference": self.name,
            "kind": self.kind,
            "status": self.state,
            "currency": self.currency_id.name,
            "amount_claimed": self.amount_claimed,
            "amount_accepted": self.amount_accepted
            if self.state in (claims.ACCEPTED, claims.PARTIAL, claims.SETTLED)
            else None,
            "filing_deadline": fields.Date.to_string(self.filing_deadline)
            if self.filing_deadline
            else None,
            "lines": [
                {
                    "product_code": line.product_id.default_code or None,
                    "quantity": line.quantity,
                }
                for line in self.line_ids
            ],
        }
