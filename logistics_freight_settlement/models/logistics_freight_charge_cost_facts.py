"""Freight charges arriving, changing or cancelled after their shipment ended
(charges often come after the delivery): the shipment's cost facts are
stored again (`logistics_shipment_cost_facts.py`)."""

from odoo import api, models

from .logistics_freight_charge import TMS

# What a charge's cost facts are made of (amounts, currency, date, rate card).
COST_FIELDS = frozenset(
    {
        "shipment_id",
        "carrier_id",
        "charge_type_id",
        "currency_id",
        "date",
        "tms_amount",
        "tms_reported_at",
        "carrier_invoice_line_id",
        "expected_amount",
        "expected_source",
        "state",
    }
)


class LogisticsFreightCharge(models.Model):
    # One concern of the model per file (see logistics_freight_charge.py).
    # pylint: disable=consider-merging-classes-inherited
    _inherit = "logistics.freight.charge"

    @api.model_create_multi
    def create(self, vals_list):
        charges = super().create(vals_list)
        charges.shipment_id._refresh_cost_facts()
        return charges

    def write(self, vals):
        before = self.env["logistics.shipment"]
        if "shipment_id" in vals:
            before = self.shipment_id
        result = super().write(vals)
        if COST_FIELDS.intersection(vals):
            (before | self.shipment_id)._refresh_cost_facts()
        return result

    def unlink(self):
        shipments = self.shipment_id
        result = super().unlink()
        shipments._refresh_cost_facts()
        return result

    @api.model
    def _freight_apply_charges(self, message):
        """The TMS may tell the distance with the charges: cost per km."""
        result = super()._freight_apply_charges(message)
        data = message.payload["data"]
        distance = data.get("distance_km")
        if distance is not None:
            shipment = self.env["logistics.shipment"]._tms_find(message, data)
            if shipment.distance_km != distance:
                self.env["logistics.field.ownership"]._guarded_write(
                    shipment, {"distance_km": distance}, TMS, message
                )
                shipment._refresh_cost_facts()
        return result
