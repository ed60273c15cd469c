"""Flow `freight.charge`: TMS `freight.charges` events and settlement feeds
to freight charges (created, updated, or refused once settled)."""

from odoo import _, api, fields, models
from odoo.tools import format_amount

from odoo.addons.logistics_integration_base.lib import errors

from ..lib import charge_codes
from .logistics_freight_charge import OPEN_STATES, STATES, TMS


class LogisticsFreightCharge(models.Model):
    # One concern of the model per file (see logistics_freight_charge.py).
    # pylint: disable=consider-merging-classes-inherited
    _inherit = "logistics.freight.charge"

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
