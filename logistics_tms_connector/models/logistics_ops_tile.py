from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..lib import milestones, service_report
from .logistics_shipment_performance import EXCEPTION_OF_MILESTONE

OPEN_STATUSES = [
    code
    for code, _label in milestones.STATUSES
    if code not in milestones.CLOSED_STATUSES
]
TILE_STATUS, TILE_EXCEPTION_AGE, TILE_ON_TIME = "status", "exception_age", "on_time"
# Hours since an open exception was raised: its latest exception milestone (a
# delay found by the overdue check has none: when the shipment last changed).
EXCEPTION_HOURS = """
    SELECT s.id, s.company_id,
           EXTRACT(EPOCH FROM (now() at time zone 'UTC')
                   - COALESCE(max(m.event_time), s.write_date)) / 3600 AS hours
      FROM logistics_shipment s
 LEFT JOIN logistics_shipment_milestone m
        ON m.shipment_id = s.id AND m.code IN %(codes)s
     WHERE s.exception_type IS NOT NULL AND s.exception_resolved_at IS NULL
       AND s.status NOT IN %(closed)s
  GROUP BY s.id, s.company_id, s.write_date
"""
# A tile's id: its company's, then its place among the company's tiles.
TILES_PER_COMPANY = 1000


class LogisticsOpsTile(models.Model):
    """The business dashboard's tiles: open shipments by status, open
    exceptions by age, the on-time % of the week (from the service report).

    One set of tiles per company, each counting that company's shipments only
    (a record rule shows the companies the user works in). A SQL view,
    computed when read: the status counts read the open shipments only, from
    the index on status and company alone, the exceptions their partial index,
    the on-time % the week's rows of the report.
    """

    _name = "logistics.ops.tile"
    _description = "Operations Dashboard Tile"
    _auto = False
    _order = "company_id, sequence, id"

    company_id = fields.Many2one("res.company", readonly=True)
    sequence = fields.Integer(readonly=True)
    kind = fields.Selection(
        [
            (TILE_STATUS, "Shipments by status"),
            (TILE_EXCEPTION_AGE, "Open exceptions by age"),
            (TILE_ON_TIME, "On time this week"),
        ],
        readonly=True,
    )
    status = fields.Selection(milestones.STATUSES, readonly=True)
    bucket = fields.Selection(
        [(code, label) for code, label, _bound in service_report.AGE_BUCKETS],
        string="Age",
        readonly=True,
    )
    count = fields.Integer(readonly=True, help="Shipments.")
    value = fields.Float(
        readonly=True, help="On time this week: the % of known deliveries."
    )
    level = fields.Selection(service_report.LEVELS, compute="_compute_level")

    @api.depends("kind", "count", "value", "status", "bucket")
    def _compute_level(self):
        for tile in self:
            tile.level = service_report.tile_level(
                tile.kind,
                tile.value if tile.count else None,
                tile.count,
                tile.status or tile.bucket,
            )

    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        statuses = dict(self._fields["status"]._description_selection(self.env))
        buckets = dict(self._fields["bucket"]._description_selection(self.env))
        for tile in self:
            tile.display_name = (
                statuses.get(tile.status)
                or buckets.get(tile.bucket)
                or kinds.get(tile.kind)
                or ""
            )

    def init(self):
        self.env["logistics.service.report"].init()  # the table read below
        statuses = SQL(", ").join(
            SQL("(%s, %s)", index, code) for index, code in enumerate(OPEN_STATUSES)
        )
        buckets = SQL(", ").join(
            SQL("(%s, %s)", index, code)
            for index, (code, _label, _bound) in enumerate(service_report.AGE_BUCKETS)
        )
        # Dropped first: a view's columns cannot change in place on an upgrade.
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """CREATE OR REPLACE VIEW logistics_ops_tile AS (
                WITH open_status AS (
                    SELECT company_id, status, count(*) AS n
                      FROM logistics_shipment
                     WHERE status IN %(open)s GROUP BY status, company_id
                ), exceptions AS (%(exceptions)s
                ), aged AS (
                    SELECT company_id, %(bucket)s AS bucket, count(*) AS n
                      FROM exceptions GROUP BY 1, 2
                ), week AS (
                    SELECT company_id,
                           100.0 * sum(on_time_sum) / NULLIF(sum(on_time_known), 0)
                               AS rate,
                           COALESCE(sum(on_time_known), 0) AS known
                      FROM logistics_service_report
                     WHERE day >= date_trunc('week', now() at time zone 'UTC')::date
                  GROUP BY company_id
                )
                SELECT c.id * %(per_company)s + 100 + s.rank AS id,
                       c.id AS company_id, 10 + s.rank AS sequence,
                       'status'::varchar AS kind, s.code::varchar AS status,
                       NULL::varchar AS bucket,
                       COALESCE(o.n, 0)::integer AS count, NULL::float8 AS value
                  FROM res_company c CROSS JOIN (VALUES %(statuses)s) AS s (rank, code)
             LEFT JOIN open_status o ON o.company_id = c.id AND o.status = s.code
                UNION ALL
                SELECT c.id * %(per_company)s + 200 + b.rank, c.id, 100 + b.rank,
                       'exception_age', NULL, b.code::varchar,
                       COALESCE(a.n, 0)::integer, NULL
                  FROM res_company c CROSS JOIN (VALUES %(buckets)s) AS b (rank, code)
             LEFT JOIN aged a ON a.company_id = c.id AND a.bucket = b.code
                UNION ALL
                SELECT c.id * %(per_company)s + 300, c.id, 200, 'on_time', NULL, NULL,
                       COALESCE(w.known, 0)::integer, w.rate
                  FROM res_company c
             LEFT JOIN week w ON w.company_id = c.id
            )""",
                open=tuple(OPEN_STATUSES),
                exceptions=self._exception_hours_sql(),
                bucket=SQL(service_report.age_bucket_sql("hours")),
                statuses=statuses,
                buckets=buckets,
                per_company=TILES_PER_COMPANY,
            )
        )

    @api.model
    def _exception_hours_sql(self):
        return SQL(
            EXCEPTION_HOURS,
            codes=tuple(EXCEPTION_OF_MILESTONE),
            closed=tuple(milestones.CLOSED_STATUSES),
        )

    def action_open_records(self):
        """Drill down from a tile to the shipments (or report rows) behind it."""
        self._logistics_check_access(
            "read",
            read_models=["logistics.shipment", "logistics.service.report"],
        )
        self.ensure_one()
        if self.kind == TILE_ON_TIME:
            action = self.env["ir.actions.act_window"]._for_xml_id(
                "logistics_tms_connector.logistics_service_report_action"
            )
            action["context"] = {"search_default_this_week": 1}
            action["domain"] = [("company_id", "=", self.company_id.id)]
            return action
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_tms_connector.logistics_shipment_action"
        )
        action["context"] = {}
        if self.kind == TILE_STATUS:
            action["domain"] = [
                ("company_id", "=", self.company_id.id),
                ("status", "=", self.status),
            ]
        else:
            action["domain"] = [("id", "in", self._exception_shipment_ids())]
        action["name"] = self.display_name
        return action

    def _exception_shipment_ids(self):
        """The shipments of this exception-age tile (the view's bucket)."""
        self.env.cr.execute(
            SQL(
                "SELECT id FROM (%s) e WHERE e.company_id = %s AND %s = %s",
                self._exception_hours_sql(),
                self.company_id.id,
                SQL(service_report.age_bucket_sql("e.hours")),
                self.bucket,
            )
        )
        allowed = self.env["logistics.shipment"].search(
            [("id", "in", [row[0] for row in self.env.cr.fetchall()])]
        )
        return allowed.ids
