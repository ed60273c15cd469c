import base64

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.logistics_integration_base.lib import receipt

from ..lib import files

KINDS = [
    ("carrier_invoice", "Carrier invoices"),
    ("settlement_feed", "TMS settlement feed"),
    ("rate_card", "Rate card"),
]
FLOWS = {
    "carrier_invoice": "freight.invoice",
    "settlement_feed": "freight.charge",
    "rate_card": "freight.rate_card",
}
OUTCOME_LABELS = {
    receipt.ACCEPTED: "accepted, applied by a batch job",
    receipt.DUPLICATE: "already received: refused as a duplicate",
    receipt.CONFLICT: "refused",
    receipt.REJECTED: "rejected",
}


class LogisticsFreightImportWizard(models.TransientModel):
    """Carrier invoice files, TMS settlement feeds and rate cards, CSV or JSON.

    No side door: each document becomes an inbound message of its flow, which
    a batch job applies; the wizard only reads the file and reports what the
    message log answered.
    """

    _name = "logistics.freight.import.wizard"
    _description = "Import Freight Files"

    kind = fields.Selection(KINDS, required=True, default="carrier_invoice")
    data_file = fields.Binary(string="File", required=True, attachment=False)
    filename = fields.Char()
    endpoint_id = fields.Many2one(
        "logistics.endpoint",
        string="TMS",
        domain="[('system', '=', 'tms')]",
        help="The TMS whose shipment ids the settlement feed uses.",
    )
    carrier_id = fields.Many2one("res.partner", string="Carrier")
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id
    )
    rate_card_name = fields.Char(string="Rate card name")
    date_from = fields.Date(string="Valid from", default=fields.Date.context_today)
    date_to = fields.Date(string="Valid until")
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    result = fields.Text(readonly=True)
    accepted_count = fields.Integer(readonly=True)
    refused_count = fields.Integer(readonly=True)

    @api.onchange("filename")
    def _onchange_filename(self):
        if self.filename and not self.rate_card_name:
            self.rate_card_name = self.filename.rsplit(".", 1)[0]

    def action_import(self):
        self._logistics_check_access("write")
        self.ensure_one()
        text = files.decode(base64.b64decode(self.data_file or b""))
        try:
            items = self._items(text, files.file_format(self.filename))
        except files.FileFormatError as err:
            raise UserError(
                _(
                    "%(file)s cannot be imported: %(error)s",
                    file=self.filename,
                    error=err,
                )
            ) from err
        answers = self.env["logistics.message"]._receive_batch(
            FLOWS[self.kind], items, endpoint=self._endpoint()
        )
        self.write(self._result_vals(answers))
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _endpoint(self):
        if self.kind == "settlement_feed":
            return self.endpoint_id
        return None

    def _items(self, text, file_format):
        return getattr(self, "_items_%s" % self.kind)(text, file_format)

    def _items_carrier_invoice(self, text, file_format):
        if file_format == files.JSON:
            invoices = files.invoices_from_json(text)
        else:
            invoices = files.invoices_from_csv(text)
        return [
            {
                "payload": invoice,
                "idempotency_key": files.invoice_key(invoice),
                "external_id": str(invoice.get("invoice_number")),
            }
            for invoice in invoices
        ]

    def _items_settlement_feed(self, text, file_format):
        if not self.endpoint_id:
            raise UserError(_("Choose the TMS the settlement feed comes from."))
        now = fields.Datetime.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        if file_format == files.JSON:
            events = files.feed_from_json(text, now)
        else:
            events = files.feed_from_csv(text, now)
        Shipment = self.env["logistics.shipment"]
        return [Shipment._tms_event_item(event, None) for event in events]

    def _items_rate_card(self, text, file_format):
        if not self.carrier_id:
            raise UserError(_("Choose the carrier of the rate card."))
        header = {
            "name": self.rate_card_name or self.filename or _("Rate card"),
            "carrier": {
                "scac": self.carrier_id.scac_code or None,
                "name": self.carrier_id.name,
            },
            "currency": self.currency_id.name,
            "valid_from": fields.Date.to_string(self.date_from),
            "valid_to": fields.Date.to_string(self.date_to) if self.date_to else None,
        }
        if file_format == files.JSON:
            card = files.rate_card_from_json(text, header)
        else:
            card = files.rate_card_from_csv(text, header)
        return [
            {
                "payload": card,
                "idempotency_key": files.rate_card_key(card),
                "external_id": card["name"],
            }
        ]

    @staticmethod
    def _result_vals(answers):
        lines, accepted = [], 0
        for message, outcome, reason in answers:
            accepted += outcome == receipt.ACCEPTED
            lines.append(
                "%s: %s%s"
                % (
                    message.external_id or message.id,
                    OUTCOME_LABELS.get(outcome, outcome),
                    " (%s)" % reason if reason else "",
                )
            )
        return {
            "state": "done",
            "result": "\n".join(lines),
            "accepted_count": accepted,
            "refused_count": len(answers) - accepted,
        }
