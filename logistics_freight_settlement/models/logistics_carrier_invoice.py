from odoo import Command, _, api, fields, models

from odoo.addons.logistics_integration_base.lib import errors

from ..lib import charge_codes, reconcile

INVOICE_FLOW = "freight.invoice"
STATES = [
    ("received", "Received"),
    ("to_review", "To review"),
    ("approved", "Approved"),
    ("billed", "Billed"),
]
APPROVED_CHARGE_STATES = ("approved", "billed", "rebilled", "collect")
BILLED_CHARGE_STATES = ("billed", "rebilled", "collect")


class LogisticsCarrierInvoice(models.Model):
    """A carrier's freight invoice: its lines settle the shipments' charges.

    Received through the message log (flow `freight.invoice`, from CSV or JSON
    files); a number is received once per carrier, a duplicate is refused.
    """

    _name = "logistics.carrier.invoice"
    _description = "Carrier Invoice"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Number", required=True, index=True, tracking=True)
    carrier_id = fields.Many2one("res.partner", required=True, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date = fields.Date(required=True)
    currency_id = fields.Many2one("res.currency", required=True)
    line_ids = fields.One2many(
        "logistics.carrier.invoice.line", "invoice_id", string="Lines"
    )
    charge_ids = fields.One2many(
        "logistics.freight.charge", "carrier_invoice_id", string="Charges"
    )
    amount_total = fields.Monetary(compute="_compute_amount_total", store=True)
    state = fields.Selection(
        STATES, compute="_compute_state", store=True, index=True, tracking=True
    )
    source_message_id = fields.Many2one(
        "logistics.message", string="Source message", readonly=True
    )
    correlation_id = fields.Char(string="Correlation ID", readonly=True, index=True)
    vendor_bill_ids = fields.Many2many(
        "account.move", compute="_compute_vendor_bill_ids", string="Vendor bills"
    )
    vendor_bill_count = fields.Integer(compute="_compute_vendor_bill_ids")

    _sql_constraints = [
        (
            "number_unique",
            "unique(company_id, carrier_id, name)",
            "This carrier invoice number was already received from this carrier: "
            "a duplicate is refused.",
        )
    ]

    @api.depends("line_ids.amount")
    def _compute_amount_total(self):
        for invoice in self:
            invoice.amount_total = sum(invoice.line_ids.mapped("amount"))

    @api.depends("line_ids.match_state", "line_ids.variance_amount", "charge_ids.state")
    def _compute_state(self):
        for invoice in self:
            invoice.state = invoice._freight_state()

    @api.depends("charge_ids.vendor_bill_id")
    def _compute_vendor_bill_ids(self):
        for invoice in self:
            invoice.vendor_bill_ids = invoice.charge_ids.vendor_bill_id
            invoice.vendor_bill_count = len(invoice.vendor_bill_ids)

    # ------------------------------------------------------------------
    # actions

    def action_view_charges(self):
        self._logistics_check_access("read", read_models=["logistics.freight.charge"])
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_freight_settlement.logistics_freight_charge_action"
        )
        action["domain"] = [("carrier_invoice_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_view_vendor_bills(self):
        self._logistics_check_access("read", read_models=["account.move"])
        self.ensure_one()
        return self.vendor_bill_ids._get_records_action(name=_("Vendor bills"))

    # ------------------------------------------------------------------
    # flow freight.invoice

    @api.model
    def _freight_apply_invoice(self, message):
        """Apply one carrier invoice: refused whole if anything is wrong with it."""
        document = message.payload
        company = message.company_id
        carrier = self._freight_carrier(document["carrier"])
        self._check_not_duplicate(carrier, document["invoice_number"], company)
        currency = self.env["logistics.freight.charge"]._freight_currency(
            document["currency"]
        )
        lines = document["lines"]
        shipments = self._freight_shipments(lines, company)
        types = self.env["logistics.freight.charge.code.map"]._resolve(
            [line["code"] for line in lines],
            endpoint=message.endpoint_id,
            carrier=carrier,
            where="/lines/%s/code",
        )
        self._check_total(document, currency)
        invoice = self.create(
            self._prepare_invoice_vals(
                document,
                message,
                carrier=carrier,
                currency=currency,
                shipments=shipments,
                types=types,
            )
        )
        invoice._check_currencies()
        result = invoice._freight_match(message)
        message.write({"res_model": self._name, "res_id": invoice.id})
        return dict(result, invoice=invoice.id, state=invoice.state)

    @api.model
    def _freight_carrier(self, carrier):
        """The carrier partner named by SCAC (or exact name); a permanent error
        when Odoo does not know it."""
        Partner = self.env["res.partner"].sudo()
        partner = Partner.browse()
        if carrier.get("scac"):
            partner = Partner.search([("scac_code", "=", carrier["scac"])], limit=1)
        if not partner and carrier.get("name"):
            partner = Partner.search(
                [("name", "=", carrier["name"]), ("is_company", "=", True)], limit=1
            )
        if not partner:
            raise errors.PermanentError(
                _(
                    "Unknown carrier %(carrier)s: create it (with its SCAC) first.",
                    carrier=carrier.get("scac") or carrier.get("name"),
                ),
                details=[{"pointer": "/carrier", "reason": "unknown carrier"}],
            )
        return partner

    @api.model
    def _check_not_duplicate(self, carrier, number, company):
        known = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("carrier_id", "=", carrier.id),
                ("name", "=", number),
            ],
            limit=1,
        )
        if known:
            raise errors.PermanentError(
                _(
                    "Carrier invoice %(number)s of %(carrier)s was already received "
                    "on %(date)s (message %(message)s): a duplicate is refused.",
                    number=number,
                    carrier=carrier.name,
                    date=known.create_date.date(),
                    message=known.source_message_id.id or "-",
                ),
                details=[{"pointer": "/invoice_number", "reason": "duplicate"}],
            )

    @api.model
    def _freight_shipments(self, lines, company):
        """``{reference: shipment}`` (our name or the TMS's id); every unknown
        reference is reported at once."""
        references = {line["shipment_reference"] for line in lines}
        found = (
            self.env["logistics.shipment"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    "|",
                    ("name", "in", list(references)),
                    ("tms_reference", "in", list(references)),
                ]
            )
        )
        by_reference = {s.tms_reference: s for s in found if s.tms_reference}
        by_reference.update({s.name: s for s in found})
        details = [
            {
                "pointer": "/lines/%s/shipment_reference" % position,
                "reason": "unknown shipment %r" % line["shipment_reference"],
            }
            for position, line in enumerate(lines)
            if line["shipment_reference"] not in by_reference
        ]
        if details:
            raise errors.PermanentError(
                _(
                    "Unknown shipment(s) %(refs)s: the invoice is refused until they "
                    "exist in Odoo.",
                    refs=", ".join(
                        sorted(
                            {
                                line["shipment_reference"]
                                for line in lines
                                if line["shipment_reference"] not in by_reference
                            }
                        )
                    ),
                ),
                details=details,
            )
        return by_reference

    @api.model
    def _check_total(self, document, currency):
        total = document.get("total_amount")
        if total is None:
            return
        lines_total = sum(line["amount"] for line in document["lines"])
        if currency.compare_amounts(lines_total, total):
            raise errors.PermanentError(
                _(
                    "The lines add up to %(lines)s, the invoice total says %(total)s.",
                    lines=currency.round(lines_total),
                    total=total,
                ),
                details=[{"pointer": "/total_amount", "reason": "does not add up"}],
            )

    @api.model
    def _prepare_invoice_vals(
        self, document, message, *, carrier, currency, shipments, types
    ):
        return {
            "name": document["invoice_number"],
            "carrier_id": carrier.id,
            "company_id": message.company_id.id,
            "date": document["invoice_date"],
            "currency_id": currency.id,
            "source_message_id": message.id,
            "correlation_id": message.correlation_id,
            "line_ids": [
                Command.create(
                    {
                        "sequence": position,
                        "shipment_reference": line["shipment_reference"],
                        "shipment_id": shipments[line["shipment_reference"]].id,
                        "external_code": charge_codes.normalize(line["code"]),
                        "charge_type_id": types[
                            charge_codes.normalize(line["code"])
                        ].id,
                        "description": line.get("description"),
                        "quantity": line.get("quantity") or 1.0,
                        "amount": line["amount"],
                    }
                )
                for position, line in enumerate(document["lines"])
            ],
        }

    def _open_charges(self):
        """Charges of this invoice's shipments and carrier it may still settle."""
        self.ensure_one()
        return self.env["logistics.freight.charge"].search(
            [
                ("shipment_id", "in", self.line_ids.shipment_id.ids),
                ("carrier_id", "=", self.carrier_id.id),
                ("state", "!=", "cancelled"),
                ("carrier_invoice_line_id", "=", False),
            ]
        )

    def _check_currencies(self):
        """An open charge in another currency than the invoice is for a human."""
        self.ensure_one()
        types = set(
            self.line_ids.mapped(lambda line: (line.shipment_id, line.charge_type_id))
        )
        clash = self._open_charges().filtered(
            lambda charge: (
                charge.currency_id != self.currency_id
                and charge.state not in BILLED_CHARGE_STATES
                and (charge.shipment_id, charge.charge_type_id) in types
            )
        )
        if clash:
            raise errors.PermanentError(
                _(
                    "Invoice %(number)s is in %(currency)s but charge(s) %(charges)s "
                    "are in another currency: settle them by hand.",
                    number=self.name,
                    currency=self.currency_id.name,
                    charges=", ".join(clash.mapped("display_name")),
                ),
                details=[{"pointer": "/currency", "reason": "currency mismatch"}],
            )

    def _freight_match(self, message):
        """Link each line to the charge it settles (or a new one) and reconcile."""
        self.ensure_one()
        Charge = self.env["logistics.freight.charge"]
        lines = self.line_ids.sorted("sequence")
        candidates = self._open_charges().filtered(
            lambda charge: charge.currency_id == self.currency_id
        )
        matches = reconcile.match_lines(
            [
                reconcile.InvoiceLine(
                    position, line.shipment_id.id, line.charge_type_id.id, line.amount
                )
                for position, line in enumerate(lines)
            ],
            [
                reconcile.Candidate(
                    charge.id,
                    charge.shipment_id.id,
                    charge.charge_type_id.id,
                    charge._reference_amount(),
                )
                for charge in candidates
            ],
            digits=self.currency_id.decimal_places,
        )
        settled, touched = self.env["logistics.carrier.invoice.line"], Charge
        for position, line in enumerate(lines):
            charge = Charge.browse(matches[position])
            if charge.state in BILLED_CHARGE_STATES:
                line.write({"charge_id": charge.id, "match_state": "already_settled"})
                settled |= line
                continue
            match_state = "matched" if charge else "created"
            if not charge:
                charge = Charge.create(line._prepare_charge_vals(message))
            else:
                charge.carrier_invoice_line_id = line
            line.write({"charge_id": charge.id, "match_state": match_state})
            touched |= charge
        touched._reconcile(message)
        self._flag_settled_variances(settled)
        return {
            "matched": len(lines.filtered(lambda line: line.match_state == "matched")),
            "created": len(lines.filtered(lambda line: line.match_state == "created")),
            "already_settled": len(settled),
            "disputed": len(touched.filtered(lambda c: c.state == "disputed")),
        }

    def _flag_settled_variances(self, lines):
        """Lines for charges billed already: a different amount needs a human."""
        different = lines.filtered("variance_amount")
        if not different:
            return
        self.activity_schedule(
            "logistics_freight_settlement.mail_activity_type_freight_dispute",
            summary=_("Carrier invoice lines for charges billed already"),
            note=_(
                "%(count)s line(s) of %(number)s differ from what was billed: "
                "%(lines)s",
                count=len(different),
                number=self.name,
                lines=", ".join(different.mapped("display_name")),
            ),
            user_id=self.company_id._freight_dispute_user().id,
        )

    def _freight_state(self):
        self.ensure_one()
        charges = self.charge_ids
        lines = self.line_ids
        if "disputed" in charges.mapped("state") or lines.filtered(
            lambda line: line.match_state == "already_settled" and line.variance_amount
        ):
            return "to_review"
        if not charges:
            return "billed" if lines else "received"
        states = set(charges.mapped("state"))
        if states <= set(BILLED_CHARGE_STATES):
            return "billed"
        if states <= set(APPROVED_CHARGE_STATES):
            return "approved"
        return "received"
