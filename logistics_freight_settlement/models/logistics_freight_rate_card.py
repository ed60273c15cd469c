from odoo import Command, _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.logistics_integration_base.lib import errors

from ..lib import charge_codes

RATE_CARD_FLOW = "freight.rate_card"


class LogisticsFreightRateCard(models.Model):
    """A carrier's tariff: rates per charge type, in one currency, for a period.

    Where expected amounts come from when the tender answer has none. Rate
    cards are imported from CSV or JSON files through the message log (flow
    `freight.rate_card`, applied by a batch job).
    """

    _name = "logistics.freight.rate.card"
    _description = "Freight Rate Card"
    _inherit = ["mail.thread"]
    _order = "carrier_id, date_from desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    carrier_id = fields.Many2one(
        "res.partner", required=True, index=True, tracking=True
    )
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        help="Empty: every company.",
    )
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id
    )
    date_from = fields.Date(
        string="Valid from", required=True, default=fields.Date.context_today
    )
    date_to = fields.Date(string="Valid until", help="Empty: until further notice.")
    line_ids = fields.One2many(
        "logistics.freight.rate.card.line", "rate_card_id", string="Rates", copy=True
    )
    source_message_id = fields.Many2one(
        "logistics.message", string="Source message", readonly=True, copy=False
    )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for card in self:
            if card.date_to and card.date_to < card.date_from:
                raise ValidationError(
                    _("Rate card %s ends before it starts.", card.name)
                )

    # ------------------------------------------------------------------
    # business methods

    @api.model
    def _expected_amount(self, charge):
        """What the carrier's valid rate card says a charge should cost, or None."""
        card = self.sudo().search(
            [
                ("carrier_id", "=", charge.carrier_id.id),
                ("company_id", "in", [charge.company_id.id, False]),
                ("date_from", "<=", charge.date),
                "|",
                ("date_to", "=", False),
                ("date_to", ">=", charge.date),
            ],
            limit=1,
        )
        line = card.line_ids.filtered(
            lambda rate: rate.charge_type_id == charge.charge_type_id
        )[:1]
        if not line:
            return None
        amount = line._amount(charge.shipment_id)
        return card.currency_id._convert(
            amount, charge.currency_id, charge.company_id, charge.date
        )

    @api.model
    def _freight_apply_rate_card(self, message):
        """Flow `freight.rate_card`: create or replace a carrier's rate card."""
        document = message.payload
        carrier = self.env["logistics.carrier.invoice"]._freight_carrier(
            document["carrier"]
        )
        currency = self.env["logistics.freight.charge"]._freight_currency(
            document["currency"]
        )
        types = self.env["logistics.freight.charge.code.map"]._resolve(
            [line["code"] for line in document["lines"]],
            carrier=carrier,
            where="/lines/%s/code",
        )
        self._check_single_rate_per_type(document["lines"], types)
        card = self.search(
            [
                ("carrier_id", "=", carrier.id),
                ("name", "=", document["name"]),
                ("date_from", "=", document["valid_from"]),
                ("company_id", "=", message.company_id.id),
            ],
            limit=1,
        )
        vals = {
            "name": document["name"],
            "carrier_id": carrier.id,
            "company_id": message.company_id.id,
            "currency_id": currency.id,
            "date_from": document["valid_from"],
            "date_to": document.get("valid_to") or False,
            "source_message_id": message.id,
            "line_ids": [Command.clear()]
            + [
                Command.create(self._prepare_line_vals(line, types))
                for line in document["lines"]
            ],
        }
        if card:
            card.write(vals)
        else:
            card = self.create(vals)
        message.write({"res_model": self._name, "res_id": card.id})
        return {"rate_card": card.id, "lines": len(card.line_ids)}

    @api.model
    def _prepare_line_vals(self, line, types):
        return {
            "charge_type_id": types[charge_codes.normalize(line["code"])].id,
            "basis": line["basis"],
            "rate": line["rate"],
            "minimum_amount": line.get("minimum") or 0.0,
        }

    @api.model
    def _check_single_rate_per_type(self, lines, types):
        seen = {}
        for position, line in enumerate(lines):
            charge_type = types[charge_codes.normalize(line["code"])]
            if charge_type in seen:
                raise errors.PermanentError(
                    _(
                        "Lines %(first)s and %(second)s both rate %(type)s: one "
                        "rate per charge type.",
                        first=seen[charge_type],
                        second=position,
                        type=charge_type.name,
                    ),
                    details=[
                        {
                            "pointer": "/lines/%s/code" % position,
                            "reason": "second rate for %s" % charge_type.code,
                        }
                    ],
                )
            seen[charge_type] = position
