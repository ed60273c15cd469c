import logging
from datetime import datetime

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import milestones, service_report
from ..lib.service_report import DIMENSIONS, WEIGHTED_MEASURES

_logger = logging.getLogger(__name__)

# The day a shipment counts for: delivered, else when it ended (returned,
# cancelled). The same expression in the index, the refresh and the hook.
ENDED_DAY = "((COALESCE(delivered_at, service_facts_at))::date)"
DIRTY_TABLE = "logistics_service_report_dirty"
WATERMARK_PARAM = "logistics_tms_connector.service_report_watermark"
NO_FACTS = datetime(1970, 1, 1)


class LogisticsServiceReport(models.Model):
    """Service level by day, customer, carrier, lane, warehouse, service level
    and end status: stored daily aggregates of the ended shipments' facts.

    A table (not a view over the shipments): a pivot over a million shipments
    reads some ten thousand rows of sums and counts instead. Rows are per day
    for this month and the last (this week, this month: exact by day), per
    month before (a month, quarter or year is exact; a day or week of it is
    its first). It is refreshed by the days that changed: the days a shipment
    ended or was recomputed in since the last refresh (the shipment's hook
    marks them; a watermark on ``service_facts_at`` catches facts written by
    SQL) are deleted and summed again (the whole month when it is summed by
    month), the other rows are left alone; days that leave the daily window
    are rolled up into their month. Rates are weighted: sums over known
    counts, whatever the grouping (``_read_group_select``).
    """

    _name = "logistics.service.report"
    _description = "Service Level Report"
    _auto = False
    _order = "day desc, id desc"
    _rec_name = "day"

    day = fields.Date(
        readonly=True,
        string="Ended on",
        help="The day the shipments ended; before the daily window (this month "
        "and the last), the first of their month: older rows are summed by "
        "month.",
    )
    grain = fields.Selection(
        [("day", "Day"), ("month", "Month")], string="Summed by", readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    carrier_id = fields.Many2one("res.partner", string="Carrier", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    origin_region = fields.Char(readonly=True)
    destination_region = fields.Char(readonly=True)
    lane = fields.Char(readonly=True)
    service_level = fields.Selection(
        [("standard", "Standard"), ("express", "Express"), ("economy", "Economy")],
        readonly=True,
    )
    status = fields.Selection(milestones.STATUSES, string="End status", readonly=True)
    shipments = fields.Integer(readonly=True)
    exceptions = fields.Integer(string="Exceptions met", readonly=True)
    on_time = fields.Float(string="On time", readonly=True, aggregator="avg")
    in_full = fields.Float(string="In full", readonly=True, aggregator="avg")
    otif = fields.Float(string="OTIF", readonly=True, aggregator="avg")
    transit_hours = fields.Float(readonly=True, aggregator="avg")
    pickup_dwell_minutes = fields.Float(
        string="Dwell at pickup (min)", readonly=True, aggregator="avg"
    )
    delivery_dwell_minutes = fields.Float(
        string="Dwell at delivery (min)", readonly=True, aggregator="avg"
    )
    # The sums and counts behind the rates.
    on_time_sum = fields.Float(readonly=True)
    on_time_known = fields.Integer(readonly=True)
    in_full_sum = fields.Float(readonly=True)
    in_full_known = fields.Integer(readonly=True)
    otif_sum = fields.Float(readonly=True)
    otif_known = fields.Integer(readonly=True)
    transit_sum = fields.Float(readonly=True)
    transit_known = fields.Integer(readonly=True)
    pickup_dwell_sum = fields.Float(readonly=True)
    pickup_dwell_known = fields.Integer(readonly=True)
    delivery_dwell_sum = fields.Float(readonly=True)
    delivery_dwell_known = fields.Integer(readonly=True)
    refreshed_at = fields.Datetime(readonly=True)

    def init(self):
        cr = self.env.cr
        cr.execute(
            SQL(
                """CREATE TABLE IF NOT EXISTS logistics_service_report (
                id serial PRIMARY KEY,
                day date NOT NULL,
                grain varchar NOT NULL,
                company_id integer, partner_id integer, carrier_id integer,
                warehouse_id integer, origin_region varchar,
                destination_region varchar, lane varchar,
                service_level varchar, status varchar,
                shipments integer NOT NULL, exceptions integer NOT NULL,
                on_time float8, in_full float8, otif float8,
                transit_hours float8, pickup_dwell_minutes float8,
                delivery_dwell_minutes float8,
                on_time_sum float8, on_time_known integer,
                in_full_sum float8, in_full_known integer,
                otif_sum float8, otif_known integer,
                transit_sum float8, transit_known integer,
                pickup_dwell_sum float8, pickup_dwell_known integer,
                delivery_dwell_sum float8, delivery_dwell_known integer,
                refreshed_at timestamp
            )"""
            )
        )
        # The refresh deletes by day; the pivot filters by day (this week,
        # month) and groups by customer or lane within it.
        cr.execute(
            "CREATE INDEX IF NOT EXISTS logistics_service_report_day_idx "
            "ON logistics_service_report (day)"
        )
        cr.execute(
            "CREATE INDEX IF NOT EXISTS logistics_service_report_partner_day_idx "
            "ON logistics_service_report (partner_id, day)"
        )
        # Append-only, no unique key: a shipment that ends never waits on
        # another transaction marking the same day (the refresh de-duplicates).
        cr.execute(
            SQL(
                "CREATE TABLE IF NOT EXISTS %s (day date NOT NULL)",
                SQL.identifier(DIRTY_TABLE),
            )
        )

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        """Rates and average times over a group: its sums over its known
        counts (an average of the rows' averages would weigh a day of one
        shipment like a day of a thousand)."""
        fname, _dot, func = aggregate_spec.partition(":")
        if func == "avg" and fname in WEIGHTED_MEASURES:
            total, known = WEIGHTED_MEASURES[fname]
            return SQL(
                "SUM(%s) / NULLIF(SUM(%s), 0)",
                self._field_to_sql(self._table, total, query),
                self._field_to_sql(self._table, known, query),
            )
        return super()._read_group_select(aggregate_spec, query)

    # ------------------------------------------------------------------
    # refresh

    @api.model
    def _cron_refresh(self):
        self._refresh()

    @api.model
    def _refresh(self):
        """Sum again the days touched since the last refresh (and roll the
        days that left the daily window up into their months); return the
        days touched."""
        cr = self.env.cr
        # One refresh at a time (the pivot keeps reading meanwhile).
        cr.execute("LOCK TABLE logistics_service_report IN EXCLUSIVE MODE")
        watermark = self.env["ir.config_parameter"].sudo().get_param(WATERMARK_PARAM)
        if not watermark:
            return self._rebuild()
        cr.execute(SQL("DELETE FROM %s RETURNING day", SQL.identifier(DIRTY_TABLE)))
        days = {row[0] for row in cr.fetchall()}
        cr.execute(
            SQL(
                "SELECT DISTINCT %s FROM logistics_shipment "
                "WHERE service_facts_at > %s",
                SQL(ENDED_DAY),
                watermark,
            )
        )
        days |= {row[0] for row in cr.fetchall()}
        cutoff = service_report.daily_cutoff(fields.Date.today())
        cr.execute(
            "DELETE FROM logistics_service_report WHERE grain = 'day' AND day < %s "
            "RETURNING day",
            [cutoff],
        )
        aged = {row[0] for row in cr.fetchall()}
        daily, months = service_report.periods(days | aged, cutoff)
        if daily:
            cr.execute(
                "DELETE FROM logistics_service_report "
                "WHERE grain = 'day' AND day = ANY(%s)",
                [daily],
            )
            self._sum("day", SQL("%s = ANY(%s)", SQL(ENDED_DAY), daily))
        if months:
            cr.execute(
                "DELETE FROM logistics_service_report "
                "WHERE grain = 'month' AND day = ANY(%s)",
                [months],
            )
            self._sum("month", self._months_sql(months))
        self._set_watermark()
        return sorted(days)

    @api.model
    def _rebuild(self):
        """Every day again, from scratch (first refresh, or on demand)."""
        cr = self.env.cr
        cr.execute("LOCK TABLE logistics_service_report IN EXCLUSIVE MODE")
        cr.execute("TRUNCATE logistics_service_report")
        cr.execute(SQL("DELETE FROM %s", SQL.identifier(DIRTY_TABLE)))
        cutoff = service_report.daily_cutoff(fields.Date.today())
        self._sum("day", SQL("%s >= %s", SQL(ENDED_DAY), cutoff))
        self._sum("month", SQL("%s < %s", SQL(ENDED_DAY), cutoff))
        self._set_watermark()
        cr.execute("SELECT DISTINCT day FROM logistics_service_report ORDER BY day")
        return [row[0] for row in cr.fetchall()]

    def _set_watermark(self):
        self.env.cr.execute(
            "SELECT max(service_facts_at) FROM logistics_shipment "
            "WHERE service_facts_at IS NOT NULL"
        )
        # No facts yet: every fact to come is after the epoch.
        latest = self.env.cr.fetchone()[0] or NO_FACTS
        self.env["ir.config_parameter"].sudo().set_param(
            WATERMARK_PARAM, fields.Datetime.to_string(latest)
        )

    def _months_sql(self, months):
        """The shipments ended in ``months`` (firsts of the month): a range
        on the ended-day index, then the months themselves."""
        return SQL(
            "%(day)s >= %(first)s AND %(day)s < %(end)s "
            "AND date_trunc('month', %(day)s)::date = ANY(%(months)s)",
            day=SQL(ENDED_DAY),
            first=min(months),
            end=service_report.next_month(max(months)),
            months=months,
        )

    def _sum(self, grain, where):
        """Insert fresh sums of the ended shipments matching ``where``, one
        row per ``grain`` (day, or first of the month) and dimensions."""
        cr = self.env.cr
        dimensions = SQL(", ").join(SQL.identifier(d) for d in DIMENSIONS)
        sums = []
        for measure in WEIGHTED_MEASURES:
            source = SQL.identifier(measure)
            sums += [
                SQL("sum(%s)", source),
                SQL("count(%s)", source),
                SQL("sum(%s) / NULLIF(count(%s), 0)", source, source),
            ]
        columns = [
            SQL.identifier(c)
            for measure, (total, known) in WEIGHTED_MEASURES.items()
            for c in (total, known, measure)
        ]
        period = (
            SQL(ENDED_DAY)
            if grain == "day"
            else SQL("date_trunc('month', %s)::date", SQL(ENDED_DAY))
        )
        cr.execute(
            SQL(
                """INSERT INTO logistics_service_report
                       (day, grain, %(dimensions)s, shipments, exceptions,
                        %(columns)s, refreshed_at)
                SELECT %(period)s, %(grain)s, %(dimensions)s, count(*),
                       COALESCE(sum(exception_count), 0), %(sums)s,
                       now() at time zone 'UTC'
                  FROM logistics_shipment
                 WHERE service_facts_at IS NOT NULL AND %(where)s
              GROUP BY %(period)s, %(dimensions)s""",
                dimensions=dimensions,
                columns=SQL(", ").join(columns),
                sums=SQL(", ").join(sums),
                period=period,
                grain=grain,
                where=where,
            )
        )
        _logger.info("Service report: %s rows by %s", cr.rowcount, grain)
        self.env.invalidate_all()

    @api.model
    def _mark_dirty(self, days):
        """Days to sum again at the next refresh (in the writer's transaction)."""
        days = sorted({d for d in days if d})
        if days:
            self.env.cr.execute(
                SQL(
                    "INSERT INTO %s (day) SELECT unnest(%s::date[])",
                    SQL.identifier(DIRTY_TABLE),
                    days,
                )
            )
