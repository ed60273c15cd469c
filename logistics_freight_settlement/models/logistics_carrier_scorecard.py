from odoo import fields, models, tools
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

from .logistics_shipment_cost_facts import SCORECARD_DATE, SCORECARD_WHERE

# Ratios of sums, whatever the grouping (carrier, month, lane...): a group's
# tender acceptance is its accepted tenders over its tenders, not the average
# of its shipments' rates (see lib/scorecard.py, which computes the same).
RATIOS = {
    "tender_acceptance_percent": (
        "100.0 * SUM(%(tender_accepted_count)s) / NULLIF(SUM(%(tender_count)s), 0)"
    ),
    "claimed_cost_percent": (
        "100.0 * SUM(CASE WHEN %(freight_cost)s IS NOT NULL "
        "THEN %(claimed_amount)s END) / NULLIF(SUM(%(freight_cost)s), 0)"
    ),
    "rate_card_variance_percent": (
        "100.0 * (SUM(%(rated_cost)s) - SUM(%(rate_card_cost)s)) "
        "/ NULLIF(SUM(%(rate_card_cost)s), 0)"
    ),
}
RATIO_TERMS = (
    "tender_accepted_count",
    "tender_count",
    "freight_cost",
    "claimed_amount",
    "rated_cost",
    "rate_card_cost",
)


class LogisticsCarrierScorecard(models.Model):
    """The carrier scorecard: one row per ended shipment with a carrier, read
    straight from the facts stored on the shipment as they arrived
    (`logistics_shipment_cost_facts.py`, the connector's service facts), so
    that a pivot by carrier and month is one indexed scan of the shipments.

    On-time % and claims per 100 shipments are averages of the shipments'
    facts; tender acceptance %, claimed / freight cost % and cost over the
    rate card % are ratios of the group's sums (`_read_group_select`).
    """

    _name = "logistics.carrier.scorecard"
    _description = "Carrier Scorecard"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "shipment_id"

    shipment_id = fields.Many2one("logistics.shipment", readonly=True)
    carrier_id = fields.Many2one("res.partner", string="Carrier", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Datetime(
        readonly=True, help="When the shipment was delivered, or else ended."
    )
    status = fields.Selection(related="shipment_id.status", string="Shipment status")
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    lane = fields.Char(readonly=True)
    on_time_percent = fields.Float(
        string="On time (%)",
        readonly=True,
        aggregator="avg",
        help="Shipments delivered in the promised window, of those that had one.",
    )
    tender_count = fields.Integer(string="Tenders", readonly=True)
    tender_accepted_count = fields.Integer(string="Tenders accepted", readonly=True)
    tender_acceptance_percent = fields.Float(
        string="Tender acceptance (%)",
        readonly=True,
        aggregator="avg",
        help="Tenders accepted, of the tenders answered (a declined tender "
        "counts against the shipment's carrier).",
    )
    claim_count = fields.Integer(string="Claims", readonly=True)
    claim_rate = fields.Float(
        string="Claims per 100 shipments", readonly=True, aggregator="avg"
    )
    claimed_amount = fields.Monetary(string="Claimed", readonly=True)
    freight_cost = fields.Monetary(readonly=True)
    claimed_cost_percent = fields.Float(
        string="Claimed / freight cost (%)",
        readonly=True,
        aggregator="avg",
        help="What was claimed, of the freight cost (shipments whose cost is known).",
    )
    cost_per_kg = fields.Float(readonly=True, aggregator="avg", digits=(16, 4))
    cost_per_km = fields.Float(readonly=True, aggregator="avg", digits=(16, 4))
    rated_cost = fields.Monetary(string="Billed (rate-carded charges)", readonly=True)
    rate_card_cost = fields.Monetary(string="Rate card", readonly=True)
    rate_card_variance_percent = fields.Float(
        string="Over rate card (%)",
        readonly=True,
        aggregator="avg",
        help="How much the carrier charged over its rate card, for the charges "
        "the rate card prices (negative: under).",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %(view)s AS (
                    SELECT id AS id,
                           id AS shipment_id,
                           carrier_id,
                           company_id,
                           %(date)s AS date,
                           warehouse_id,
                           lane,
                           100.0 * on_time AS on_time_percent,
                           COALESCE(tender_count, 0) AS tender_count,
                           COALESCE(tender_accepted_count, 0)
                               AS tender_accepted_count,
                           100.0 * tender_accepted_count
                               / NULLIF(tender_count, 0)
                               AS tender_acceptance_percent,
                           COALESCE(claim_count, 0) AS claim_count,
                           100.0 * COALESCE(claim_count, 0) AS claim_rate,
                           COALESCE(claimed_amount, 0) AS claimed_amount,
                           freight_cost,
                           100.0 * claimed_amount / NULLIF(freight_cost, 0)
                               AS claimed_cost_percent,
                           cost_per_kg,
                           cost_per_km,
                           rated_cost,
                           rate_card_cost,
                           100.0 * (rated_cost - rate_card_cost)
                               / NULLIF(rate_card_cost, 0)
                               AS rate_card_variance_percent
                      FROM logistics_shipment
                     WHERE %(where)s
                )
                """,
                view=SQL.identifier(self._table),
                # As the shipment's scorecard indexes have them: index scans.
                date=SQL(SCORECARD_DATE),
                where=SQL(SCORECARD_WHERE),
            )
        )

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec == "__count":
            return super()._read_group_select(aggregate_spec, query)
        fname, _property, func = parse_read_group_spec(aggregate_spec)
        if func == "avg" and fname in RATIOS:
            return SQL(
                RATIOS[fname],
                **{
                    term: self._field_to_sql(self._table, term, query)
                    for term in RATIO_TERMS
                },
            )
        return super()._read_group_select(aggregate_spec, query)
