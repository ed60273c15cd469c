import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import reconcile, terms

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

    The model is defined here (fields, computes, deletion, actions); each
    concern extends it in a file of its own: the `freight.charge` flow
    (`logistics_freight_charge_flow.py`), reconciliation
    (`logistics_freight_charge_reconcile.py`), disputes
    (`logistics_freight_charge_dispute.py`) and vendor bill and rebill lines
    (`logistics_freight_charge_bill_lines.py`).
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
    # helpers

    def _to_company(self, amount):
        company = self.company_id or self.env.company
        if not amount or self.currency_id == company.currency_id:
            return amount
        return self.currency_id._convert(
            amount, company.currency_id, company, self.date or fields.Date.today()
        )
