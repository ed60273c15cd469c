from odoo import api, fields, models, tools
from odoo.tools import SQL

# Latency averages over a group: the sum over the processed count.
WEIGHTED = {"latency_avg_ms": ("latency_sum_ms", "processed")}


class LogisticsFlowActivity(models.Model):
    """Per flow, company and hour: messages received, done, failed and dead,
    and their latency (average and p95), over the last 14 days of the message
    log (a record rule shows the companies the user works in).

    A SQL view read by the dashboard's graph: the received_at index bounds it
    to the fortnight, and each row is one flow's hour. The p95 of a group of
    hours is the worst hour's (``max``): percentiles do not add up.
    """

    _name = "logistics.flow.activity"
    _description = "Integration Flow Activity"
    _auto = False
    _order = "hour desc, flow_code"
    _rec_name = "flow_code"

    flow_id = fields.Many2one("logistics.flow", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    flow_code = fields.Char(string="Flow code", readonly=True)
    direction = fields.Char(readonly=True)
    hour = fields.Datetime(readonly=True)
    received = fields.Integer(readonly=True)
    done = fields.Integer(readonly=True)
    failed = fields.Integer(string="Failed (retrying)", readonly=True)
    dead = fields.Integer(readonly=True)
    processed = fields.Integer(readonly=True)
    latency_sum_ms = fields.Float(readonly=True)
    latency_avg_ms = fields.Float(
        string="Average latency (ms)", readonly=True, aggregator="avg"
    )
    latency_p95_ms = fields.Float(
        string="p95 latency (ms)",
        readonly=True,
        aggregator="max",
        help="Of the hour; over several hours, the worst hour's.",
    )

    def init(self):
        # Dropped first: a view's columns cannot change in place on an upgrade.
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """CREATE OR REPLACE VIEW logistics_flow_activity AS (
                SELECT min(m.id) AS id, m.flow_id, m.company_id, f.code AS flow_code,
                       f.direction, date_trunc('hour', m.received_at) AS hour,
                       count(*) AS received,
                       count(*) FILTER (WHERE m.state = 'done') AS done,
                       count(*) FILTER (WHERE m.state = 'failed') AS failed,
                       count(*) FILTER (WHERE m.state = 'dead') AS dead,
                       count(m.processed_at) AS processed,
                       COALESCE(sum(m.latency_ms)
                           FILTER (WHERE m.processed_at IS NOT NULL), 0)
                           AS latency_sum_ms,
                       avg(m.latency_ms) FILTER (WHERE m.processed_at IS NOT NULL)
                           AS latency_avg_ms,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY m.latency_ms)
                           FILTER (WHERE m.processed_at IS NOT NULL)
                           AS latency_p95_ms
                  FROM logistics_message m
                  JOIN logistics_flow f ON f.id = m.flow_id
                 WHERE m.received_at >=
                       (now() at time zone 'UTC') - interval '14 days'
              GROUP BY m.flow_id, m.company_id, f.code, f.direction,
                       date_trunc('hour', m.received_at)
            )"""
            )
        )

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        fname, _dot, func = aggregate_spec.partition(":")
        if func == "avg" and fname in WEIGHTED:
            total, count = WEIGHTED[fname]
            return SQL(
                "SUM(%s) / NULLIF(SUM(%s), 0)",
                self._field_to_sql(self._table, total, query),
                self._field_to_sql(self._table, count, query),
            )
        return super()._read_group_select(aggregate_spec, query)

    def action_open_messages(self):
        """Drill down from an hour of a flow to its messages."""
        self._logistics_check_access("read", read_models=["logistics.message"])
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_integration_base.logistics_message_action"
        )
        action["domain"] = [
            ("flow_id", "=", self.flow_id.id),
            ("company_id", "=", self.company_id.id),
            ("received_at", ">=", self.hour),
            ("received_at", "<", fields.Datetime.add(self.hour, hours=1)),
        ]
        action["context"] = {}
        return action
