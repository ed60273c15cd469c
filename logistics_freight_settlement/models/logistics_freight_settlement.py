import logging

from odoo import Command, _, api, fields, models
from odoo.tools import SQL, split_every

from odoo.addons.queue_job.job import identity_exact

from ..lib import terms
from .res_config_settings import CHUNK_SIZE_PARAM, DEFAULT_CHUNK_SIZE

_logger = logging.getLogger(__name__)

CHANNEL = "root.logistics.freight_settlement"
BILLABLE_STATE = "approved"
REBILLABLE_STATE = "billed"
# Bills of hundreds of lines: no chatter entry per created move, no tracking.
BULK_MOVE_CONTEXT = {"mail_create_nolog": True, "tracking_disable": True}


class LogisticsFreightSettlement(models.AbstractModel):
    """The settlement run: approved charges to carrier bills, then to customers.

    The scheduled run only looks for work and cuts it in chunks; each chunk is
    a queue job (channel `root.logistics.freight_settlement`) that locks its
    charges, makes one vendor bill per carrier, currency and carrier invoice,
    and rebills what the customers' freight terms say. A job that fails rolls
    its chunk back whole and is retried by queue_job; two runs never bill a
    charge twice (locked rows are skipped, billed ones are no longer approved).
    """

    _name = "logistics.freight.settlement"
    _description = "Freight Settlement Run"

    @api.model
    def _cron_settle(self):
        return self._enqueue(self._chunk_size())

    @api.model
    def _chunk_size(self):
        value = self.env["ir.config_parameter"].sudo().get_param(CHUNK_SIZE_PARAM)
        try:
            size = int(value or DEFAULT_CHUNK_SIZE)
        except ValueError:
            _logger.warning("%s is not a number: %r", CHUNK_SIZE_PARAM, value)
            size = DEFAULT_CHUNK_SIZE
        return max(1, size)

    @api.model
    def _billable_domain(self):
        return [("state", "=", BILLABLE_STATE), ("vendor_bill_id", "=", False)]

    @api.model
    def _rebillable_domain(self):
        return [
            ("state", "=", REBILLABLE_STATE),
            ("freight_terms", "=", terms.PREPAID_AND_ADD),
            ("customer_invoice_id", "=", False),
            ("customer_id", "!=", False),
            ("charge_type_id.rebillable", "=", True),
        ]

    @api.model
    def _enqueue(self, chunk_size):
        """One job per chunk of pending charges; return how many were queued."""
        Charge = self.env["logistics.freight.charge"].sudo()
        queued = 0
        groups = Charge._read_group(
            self._billable_domain(),
            ["company_id", "carrier_id", "currency_id", "carrier_invoice_id"],
            ["id:array_agg"],
        )
        for _company, carrier, currency, _invoice, ids in groups:
            for chunk in split_every(chunk_size, sorted(ids), list):
                self.with_delay(
                    channel=CHANNEL,
                    identity_key=identity_exact,
                    description=_(
                        "Settle %(count)s freight charge(s) of %(carrier)s in "
                        "%(currency)s",
                        count=len(chunk),
                        carrier=carrier.name,
                        currency=currency.name,
                    ),
                )._job_settle(chunk)
                queued += 1
        for _company, ids in Charge._read_group(
            self._rebillable_domain(), ["company_id"], ["id:array_agg"]
        ):
            for chunk in split_every(chunk_size, sorted(ids), list):
                self.with_delay(
                    channel=CHANNEL,
                    identity_key=identity_exact,
                    description=_("Rebill %s freight charge(s)", len(chunk)),
                )._job_rebill(chunk)
                queued += 1
        _logger.info("freight settlement run: %s job(s) queued", queued)
        return queued

    # ------------------------------------------------------------------
    # jobs

    @api.model
    def _job_settle(self, charge_ids):
        """Job: bill a chunk of approved charges, then rebill what must be."""
        charges = self._lock(charge_ids, BILLABLE_STATE)
        if not charges:
            return _("Nothing left to settle.")
        # The run acts for the integration, whoever queued it (a freight manager
        # without accounting rights): bills and invoices are made as superuser.
        settlement = self.sudo()
        bills = settlement.env["account.move"]
        for company, company_charges in charges.grouped("company_id").items():
            bills |= settlement.with_company(company)._bill(company_charges)
        rebilled = settlement._rebill(charges)
        bills.filtered(
            lambda bill: bill.company_id.freight_auto_post_bills
        ).action_post()
        return _(
            "%(bills)s vendor bill(s) for %(charges)s charge(s); %(rebilled)s "
            "rebilled.",
            bills=len(bills),
            charges=len(charges),
            rebilled=len(rebilled),
        )

    @api.model
    def _job_rebill(self, charge_ids):
        """Job: rebill billed charges that were not rebilled with their bill."""
        charges = self._lock(charge_ids, REBILLABLE_STATE)
        rebilled = self.sudo()._rebill(charges)
        return _("%s charge(s) rebilled.", len(rebilled))

    @api.model
    def _lock(self, charge_ids, state):
        """The charges still in ``state``, locked; rows others hold are skipped."""
        Charge = self.env["logistics.freight.charge"].sudo()
        Charge.flush_model(["state", "vendor_bill_id", "customer_invoice_id"])
        self.env.cr.execute(
            SQL(
                """SELECT id FROM logistics_freight_charge
                    WHERE id = ANY(%s) AND state = %s
                 ORDER BY id
                      FOR UPDATE SKIP LOCKED""",
                list(charge_ids),
                state,
            )
        )
        return Charge.browse([row[0] for row in self.env.cr.fetchall()])

    # ------------------------------------------------------------------
    # carrier bills

    @api.model
    def _bill(self, charges):
        """One draft vendor bill per carrier, currency and carrier invoice."""
        groups = charges.grouped(
            lambda c: (c.carrier_id, c.currency_id, c.carrier_invoice_id)
        )
        bills = (
            self.env["account.move"]
            .with_context(**BULK_MOVE_CONTEXT)
            .create(
                [
                    self._prepare_bill_vals(carrier, currency, invoice, group)
                    for (carrier, currency, invoice), group in groups.items()
                ]
            )
        )
        charges.with_context(mail_notrack=True).write({"state": "billed"})
        return bills

    @api.model
    def _prepare_bill_vals(self, carrier, currency, carrier_invoice, charges):
        today = fields.Date.context_today(self)
        return {
            "move_type": "in_invoice",
            "company_id": self.env.company.id,
            "partner_id": carrier.id,
            "currency_id": currency.id,
            "invoice_date": carrier_invoice.date or today,
            "ref": carrier_invoice.name or False,
            "invoice_origin": carrier_invoice.name or _("Freight settlement"),
            "invoice_line_ids": [
                Command.create(charge._prepare_bill_line_vals())
                for charge in charges.sorted("id")
            ],
        }

    # ------------------------------------------------------------------
    # rebilling

    @api.model
    def _rebill(self, charges):
        """Pass billed charges on to customers on prepaid-and-add terms.

        A charge goes on the draft invoice of its sale order, or (no draft
        invoice, no order, or the customer wants it so) on a separate freight
        invoice per customer and currency. Returns the charges rebilled.
        """
        # Billed again after a cancelled bill: the customer has its invoice.
        charges.filtered(
            lambda c: c.state == REBILLABLE_STATE and c.customer_invoice_id
        ).with_context(mail_notrack=True).write({"state": "rebilled"})
        todo = charges.filtered(
            lambda c: (
                c.state == REBILLABLE_STATE
                and c.freight_terms == terms.PREPAID_AND_ADD
                and c.charge_type_id.rebillable
                and c.customer_id
                and not c.customer_invoice_id
            )
        )
        for company, company_charges in todo.grouped("company_id").items():
            self.with_company(company)._rebill_company(company_charges)
        todo.with_context(mail_notrack=True).write({"state": "rebilled"})
        return todo

    @api.model
    def _rebill_company(self, charges):
        today = fields.Date.context_today(self)
        on_order, separate = {}, {}
        for charge in charges:
            invoice = self._draft_order_invoice(charge)
            if invoice:
                on_order.setdefault(invoice, []).append(charge)
            else:
                key = (self._invoice_partner(charge), self._rebill_currency(charge))
                separate.setdefault(key, []).append(charge)
        for invoice, group in on_order.items():
            invoice.with_context(**BULK_MOVE_CONTEXT).write(
                {
                    "invoice_line_ids": [
                        Command.create(
                            charge._prepare_rebill_line_vals(
                                invoice.currency_id, invoice.invoice_date or today
                            )
                        )
                        for charge in group
                    ]
                }
            )
        self.env["account.move"].with_context(**BULK_MOVE_CONTEXT).create(
            [
                self._prepare_rebill_invoice_vals(partner, currency, group, today)
                for (partner, currency), group in separate.items()
            ]
        )

    @api.model
    def _draft_order_invoice(self, charge):
        if charge.customer_id.freight_invoice_separately:
            return self.env["account.move"]
        return charge.sale_order_id.invoice_ids.filtered(
            lambda move: move.move_type == "out_invoice" and move.state == "draft"
        )[:1]

    @api.model
    def _invoice_partner(self, charge):
        return charge.sale_order_id.partner_invoice_id or charge.customer_id

    @api.model
    def _rebill_currency(self, charge):
        return charge.sale_order_id.currency_id or charge.company_id.currency_id

    @api.model
    def _prepare_rebill_invoice_vals(self, partner, currency, charges, date):
        orders = {c.sale_order_id.name or c.shipment_id.name for c in charges}
        return {
            "move_type": "out_invoice",
            "company_id": self.env.company.id,
            "partner_id": partner.id,
            "currency_id": currency.id,
            "invoice_origin": ", ".join(sorted(orders)),
            "invoice_line_ids": [
                Command.create(charge._prepare_rebill_line_vals(currency, date))
                for charge in charges
            ],
        }
