"""Freight cost, tender and claim facts of a shipment, for the carrier
scorecard: stored when the shipment ends (with its service facts) and again
when a fact arrives later (a freight charge, a carrier invoice, a distance, a
claim), never on read."""

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, create_index

from ..lib import claims, scorecard

COST_FACTS = (
    "freight_cost",
    "cost_per_kg",
    "cost_per_km",
    "rated_cost",
    "rate_card_cost",
)
# Where the scorecard reads its rows: ended shipments with a carrier, by the
# date they ended (see logistics.carrier.scorecard).
SCORECARD_DATE = "COALESCE(delivered_at, service_facts_at)"
SCORECARD_WHERE = "service_facts_at IS NOT NULL AND carrier_id IS NOT NULL"


# One model, one file per seam (see logistics_shipment.py of the connector).
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    _inherit = "logistics.shipment"

    cost_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company currency"
    )
    distance_km = fields.Float(
        string="Distance (km)",
        readonly=True,
        copy=False,
        help="As the TMS reported it with the freight charges; empty: unknown.",
    )
    freight_cost = fields.Monetary(
        currency_field="cost_currency_id",
        readonly=True,
        copy=False,
        help="What the carrier charges for the shipment (the actual amounts of "
        "its charges, cancelled ones left out), in the company's currency; "
        "empty until an amount is known.",
    )
    cost_per_kg = fields.Float(
        string="Cost per kg",
        readonly=True,
        copy=False,
        aggregator="avg",
        digits=(16, 4),
        help="Freight cost by weight; empty when either is unknown.",
    )
    cost_per_km = fields.Float(
        string="Cost per km",
        readonly=True,
        copy=False,
        aggregator="avg",
        digits=(16, 4),
        help="Freight cost by distance; empty when either is unknown.",
    )
    rated_cost = fields.Monetary(
        string="Cost of rate-carded charges",
        currency_field="cost_currency_id",
        readonly=True,
        copy=False,
        help="What the charges the carrier's rate card prices cost.",
    )
    rate_card_cost = fields.Monetary(
        string="Rate card cost",
        currency_field="cost_currency_id",
        readonly=True,
        copy=False,
        help="What the carrier's rate card says those charges should cost.",
    )
    tender_count = fields.Integer(
        string="Tenders",
        readonly=True,
        copy=False,
        help="Tender answers on the timeline, accepted or declined.",
    )
    tender_accepted_count = fields.Integer(
        string="Tenders accepted", readonly=True, copy=False
    )
    # Stored (was counted on read): the scorecard sums it. Written when a
    # claim is opened, cancelled or moved; cancelled claims do not count.
    claim_count = fields.Integer(
        compute="_compute_claim_count",
        store=True,
        help="Claims against the carrier, cancelled ones left out.",
    )
    claimed_amount = fields.Monetary(
        currency_field="cost_currency_id",
        compute="_compute_claimed_amount",
        store=True,
        help="What the claims against the carrier claim, in the company's "
        "currency (cancelled ones left out).",
    )

    def _auto_init(self):
        """Fill the claim columns with SQL when they are added (a recompute
        in Python of every shipment would take hours at a million); amounts
        as claimed, in the claim's currency (the company's by default)."""
        cr = self.env.cr
        for column, column_type, value in (
            ("claim_count", "int4", "COUNT(*)"),
            ("claimed_amount", "numeric", "SUM(c.amount_claimed)"),
        ):
            if column_exists(cr, self._table, column):
                continue
            create_column(cr, self._table, column, column_type)
            if column_exists(cr, "logistics_claim", "amount_claimed"):
                cr.execute(
                    SQL(
                        "UPDATE logistics_shipment s SET %s = t.value FROM "
                        "(SELECT c.shipment_id, %s AS value FROM logistics_claim c "
                        "WHERE c.state != %s GROUP BY c.shipment_id) t "
                        "WHERE t.shipment_id = s.id",
                        SQL.identifier(column),
                        SQL(value),
                        claims.CANCELLED,
                    )
                )
        return super()._auto_init()

    def init(self):
        result = super().init()
        # The carrier scorecard's reads: by date (all carriers) and by carrier.
        create_index(
            self.env.cr,
            "logistics_shipment_scorecard_date_index",
            self._table,
            [f"({SCORECARD_DATE})", "carrier_id"],
            where=SCORECARD_WHERE,
        )
        create_index(
            self.env.cr,
            "logistics_shipment_scorecard_carrier_index",
            self._table,
            ["carrier_id", f"({SCORECARD_DATE})"],
            where=SCORECARD_WHERE,
        )
        return result

    @api.depends("claim_ids.state")
    def _compute_claim_count(self):
        counts = dict(
            self.env["logistics.claim"]._read_group(
                [("shipment_id", "in", self.ids), ("state", "!=", claims.CANCELLED)],
                ["shipment_id"],
                ["__count"],
            )
        )
        for shipment in self:
            shipment.claim_count = counts.get(shipment, 0)

    @api.depends(
        "claim_ids.state",
        "claim_ids.amount_claimed",
        "claim_ids.currency_id",
        "claim_ids.incident_date",
    )
    def _compute_claimed_amount(self):
        for shipment in self:
            company = shipment.company_id or self.env.company
            shipment.claimed_amount = sum(
                claim.currency_id._convert(
                    claim.amount_claimed,
                    company.currency_id,
                    company,
                    claim.incident_date or fields.Date.today(),
                )
                for claim in shipment.claim_ids
                if claim.state != claims.CANCELLED
            )

    # ------------------------------------------------------------------
    # when facts arrive

    def _compute_service_facts(self):
        """The shipment ends: its cost and tender facts with its service facts."""
        result = super()._compute_service_facts()
        self._compute_cost_facts()
        return result

    def _refresh_cost_facts(self):
        """A cost fact arrived: store it on the shipments that have ended
        (the others get theirs when they end)."""
        self.filtered("service_facts_at")._compute_cost_facts()

    def _compute_cost_facts(self):
        """Store the cost and tender facts (see lib/scorecard.py); an unknown
        one stays NULL, which a report's average skips."""
        for shipment in self:
            tendered, accepted = scorecard.tender_counts(
                shipment.milestone_ids.mapped("code")
            )
            facts = scorecard.cost_facts(
                shipment._scorecard_charge_costs(),
                weight_kg=shipment.total_weight_kg,
                distance_km=shipment.distance_km or None,
            )
            shipment._store_averaged_facts(
                {
                    **{field: facts[field] for field in COST_FACTS},
                    "tender_count": tendered,
                    "tender_accepted_count": accepted,
                }
            )

    def _scorecard_charge_costs(self):
        """Each freight charge's actual and rate card amounts, in the
        company's currency."""
        self.ensure_one()
        RateCard = self.env["logistics.freight.rate.card"]
        costs = []
        for charge in self.freight_charge_ids:
            known = bool(charge.actual_source)
            rate_card = None
            if known and charge.state != "cancelled":
                if charge.expected_source == "rate_card":
                    rate_card = charge.expected_amount_company
                else:
                    amount = RateCard._expected_amount(charge)
                    rate_card = None if amount is None else charge._to_company(amount)
            costs.append(
                scorecard.ChargeCost(
                    actual=charge.actual_amount_company if known else None,
                    rate_card=rate_card,
                    cancelled=charge.state == "cancelled",
                )
            )
        return costs
