from odoo import fields, models
from odoo.tools import SQL

from ..lib import milestones, performance
from .logistics_shipment_exception import EXCEPTION_FOR_CODE

# Milestones that are an exception, and which: the shipment's timeline keeps
# every one, where `exception_type` only holds the open one.
EXCEPTION_OF_MILESTONE = {
    **EXCEPTION_FOR_CODE,
    milestones.TENDER_DECLINED: "tms_refused",
    milestones.DELAYED: "delay",
}
# Facts stored as 1 / 0 (NULL: unknown), so that a report's average of them
# is a rate: the average of `on_time` over shipments is the on-time %.
RATE_FACTS = ("on_time", "in_full", "otif", "on_time_appointment")
TIME_FACTS = ("transit_hours", "pickup_dwell_minutes", "delivery_dwell_minutes")


def _rate(value):
    return None if value is None else float(value)


def _region(partner):
    """A partner's region for lanes: country, and state where known (US-CA)."""
    country = partner.country_id.code or "?"
    state = partner.state_id.code
    return f"{country}-{state}" if state else country


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """Service-level facts, computed once when the shipment ends (delivered,
    returned or cancelled), from its timeline and quantities: never on read."""

    _inherit = "logistics.shipment"

    service_facts_at = fields.Datetime(
        string="Service facts computed", readonly=True, copy=False
    )
    delivered_at = fields.Datetime(readonly=True, copy=False)
    on_time = fields.Float(
        string="On time",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="1 when delivered in the promised window, 0 when not (or never "
        "delivered); empty when there was no promised window.",
    )
    on_time_appointment = fields.Float(
        string="On time (appointment)",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="1 when delivered in the confirmed delivery appointment, 0 when "
        "not (or never delivered); empty without a confirmed appointment.",
    )
    in_full = fields.Float(
        string="In full",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="1 when every ordered quantity was picked up and delivered.",
    )
    otif = fields.Float(
        string="OTIF",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="On time and in full (1), or not (0).",
    )
    transit_hours = fields.Float(
        readonly=True,
        copy=False,
        aggregator="avg",
        help="Pickup departure to delivery.",
    )
    pickup_dwell_minutes = fields.Float(
        string="Dwell at pickup (min)",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="Arrival at pickup to departure.",
    )
    delivery_dwell_minutes = fields.Float(
        string="Dwell at delivery (min)",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="Last arrival at delivery to delivered.",
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", readonly=True, copy=False, index="btree_not_null"
    )
    origin_region = fields.Char(readonly=True, copy=False)
    destination_region = fields.Char(readonly=True, copy=False)
    lane = fields.Char(
        readonly=True,
        copy=False,
        help="Origin region to destination region (country, and state where "
        "known), as the shipment ended.",
    )
    exception_count = fields.Integer(
        string="Exceptions met",
        readonly=True,
        copy=False,
        help="Exception milestones on the timeline (declined tender, delay, "
        "failed attempt, refusal, return).",
    )

    def write(self, vals):
        result = super().write(vals)
        if vals.get("status") in milestones.CLOSED_STATUSES:
            self._compute_service_facts()
        return result

    def _compute_service_facts(self):
        """Store the facts of these shipments (see lib/performance.py)."""
        now = fields.Datetime.now()
        for shipment in self:
            facts = performance.shipment_facts(
                [(m.code, m.event_time) for m in shipment.milestone_ids],
                # Odoo reads an empty datetime as False: no bound (None).
                promised=performance.Window(
                    shipment.requested_delivery_start or None,
                    shipment.promised_delivery_end
                    or shipment.requested_delivery_end
                    or None,
                ),
                # The confirmed appointment (logistics_shipment_appointment.py).
                appointment=shipment._appointment_slot(),
                ordered=shipment._service_ordered_quantities(),
                delivered=shipment._service_delivered_quantities(),
                ended_undelivered=shipment._service_ended_undelivered(),
                exceptions=[
                    EXCEPTION_OF_MILESTONE[m.code]
                    for m in shipment.milestone_ids
                    if m.code in EXCEPTION_OF_MILESTONE
                ],
                weight_kg=shipment.total_weight_kg,
            )
            shipment.write(
                {
                    "service_facts_at": now,
                    "delivered_at": facts["delivered_at"] or False,
                    "exception_count": facts["exception_count"],
                    **shipment._service_dimensions(),
                }
            )
            shipment._store_averaged_facts(
                {
                    **{field: _rate(facts[field]) for field in RATE_FACTS},
                    **{field: facts[field] for field in TIME_FACTS},
                }
            )

    def _service_dimensions(self):
        """What the reports group by, fixed as the shipment ended."""
        origin, destination = _region(self.shipper_id), _region(self.consignee_id)
        return {
            "warehouse_id": self.picking_ids.picking_type_id.warehouse_id[:1].id,
            "origin_region": origin,
            "destination_region": destination,
            "lane": f"{origin} → {destination}",
        }

    def _store_averaged_facts(self, values):
        """Store the averaged facts as they are: an unknown one stays NULL,
        which a report's average skips (the ORM would store 0.0, a late or
        instant shipment)."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "UPDATE logistics_shipment SET %s WHERE id = %s",
                SQL(", ").join(
                    SQL("%s = %s", SQL.identifier(field), value)
                    for field, value in values.items()
                ),
                self.id,
            )
        )
        self.invalidate_recordset(list(values))

    def _service_ordered_quantities(self):
        ordered = {}
        for line in self.line_ids:
            key = line.product_id.id
            ordered[key] = ordered.get(key, 0.0) + line.quantity
        return ordered

    def _service_delivered_quantities(self):
        """What reached the consignee: the quantities the TMS reported picked
        up, else the whole shipment; None until it is delivered."""
        if self.status != milestones.STATUS_DELIVERED:
            return None
        delivered = {}
        for line in self.line_ids:
            quantity = (
                line.picked_quantity if self.tms_picked_reported else line.quantity
            )
            delivered[line.product_id.id] = (
                delivered.get(line.product_id.id, 0.0) + quantity
            )
        return delivered

    def _service_ended_undelivered(self):
        """Returned, or cancelled once picked up: a delivery that failed."""
        if self.status == milestones.STATUS_RETURNED:
            return True
        return self.status == milestones.STATUS_CANCELLED and any(
            m.code == milestones.DEPARTED_PICKUP for m in self.milestone_ids
        )
