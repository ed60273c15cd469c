from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..lib import dashboard

# A row's id: its flow's, then its company's.
COMPANIES_PER_FLOW = 1_000_000


class LogisticsFlowStat(models.Model):
    """Per flow and company: volumes, failures, backlog and latency, computed
    when read.

    A SQL view over the message log: received, done, failed and dead over the
    last hour and day, the backlog and the age of its oldest message, and the
    p50/p95 latency from received to processed. Each company's messages count
    on its own row (a record rule shows the companies the user works in).
    """

    _name = "logistics.flow.stat"
    _description = "Integration Flow Figures"
    _auto = False
    _order = "flow_code, company_id"
    _rec_name = "flow_code"

    flow_id = fields.Many2one("logistics.flow", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    flow_code = fields.Char(readonly=True)
    direction = fields.Char(readonly=True)
    received_1h = fields.Integer(string="Received (1 h)", readonly=True)
    received_24h = fields.Integer(string="Received (24 h)", readonly=True)
    done_24h = fields.Integer(string="Done (24 h)", readonly=True)
    failed = fields.Integer(string="Failed (retrying)", readonly=True)
    dead = fields.Integer(readonly=True)
    backlog = fields.Integer(readonly=True, help="Queued or failed: waiting.")
    oldest_pending_s = fields.Integer(
        string="Oldest pending (s)",
        readonly=True,
        help="Age of the oldest waiting one.",
    )
    error_rate_1h = fields.Float(
        string="Errors (1 h, %)", readonly=True, help="Failed or dead among processed."
    )
    latency_p50_1h = fields.Integer(string="p50 latency 1 h (ms)", readonly=True)
    latency_p95_1h = fields.Integer(string="p95 latency 1 h (ms)", readonly=True)
    latency_p50_24h = fields.Integer(string="p50 latency 24 h (ms)", readonly=True)
    latency_p95_24h = fields.Integer(string="p95 latency 24 h (ms)", readonly=True)
    health = fields.Selection(
        dashboard.LEVELS,
        compute="_compute_health",
        help="The tile's colour: thresholds in lib/dashboard.py.",
    )

    @api.depends("failed", "dead", "backlog", "oldest_pending_s", "error_rate_1h")
    def _compute_health(self):
        for stat in self:
            stat.health = dashboard.flow_health(
                failed=stat.failed,
                dead=stat.dead,
                backlog=stat.backlog,
                oldest_pending_s=stat.oldest_pending_s,
                error_rate_1h=stat.error_rate_1h,
            )

    def init(self):
        # Dropped first: a view's columns cannot change in place on an upgrade.
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """CREATE OR REPLACE VIEW logistics_flow_stat AS (
                WITH recent AS (
                    SELECT id, flow_id, company_id, state, received_at,
                           processed_at, latency_ms
                      FROM logistics_message
                     WHERE received_at >=
                           (now() at time zone 'UTC') - interval '24 hours'
                ), pending AS (
                    SELECT flow_id, company_id, count(*) AS backlog,
                           min(received_at) AS oldest
                      FROM logistics_message
                     WHERE state IN ('queued', 'failed')
                  GROUP BY flow_id, company_id
                ), broken AS (
                    SELECT flow_id, company_id,
                           count(*) FILTER (WHERE state = 'failed') AS failed,
                           count(*) FILTER (WHERE state = 'dead') AS dead
                      FROM logistics_message
                     WHERE state IN ('failed', 'dead')
                  GROUP BY flow_id, company_id
                )
                SELECT f.id::bigint * %(per_flow)s + c.id AS id, f.id AS flow_id,
                       c.id AS company_id, f.code AS flow_code,
                       f.direction AS direction,
                       count(r.id) FILTER (WHERE r.received_at >=
                           (now() at time zone 'UTC') - interval '1 hour')
                           AS received_1h,
                       count(r.id) AS received_24h,
                       count(r.id) FILTER (WHERE r.state = 'done') AS done_24h,
                       COALESCE(max(b.failed), 0) AS failed,
                       COALESCE(max(b.dead), 0) AS dead,
                       COALESCE(max(p.backlog), 0) AS backlog,
                       COALESCE(EXTRACT(EPOCH FROM (now() at time zone 'UTC')
                           - max(p.oldest))::integer, 0) AS oldest_pending_s,
                       COALESCE(100.0 * count(r.id) FILTER (
                           WHERE r.state IN ('failed', 'dead') AND r.received_at >=
                               (now() at time zone 'UTC') - interval '1 hour')
                           / NULLIF(count(r.id) FILTER (
                           WHERE r.state IN
                                 ('done', 'failed', 'dead', 'stale', 'superseded')
                             AND r.received_at >=
                               (now() at time zone 'UTC') - interval '1 hour'), 0), 0)
                           AS error_rate_1h,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.latency_ms)
                           FILTER (WHERE r.processed_at IS NOT NULL AND r.received_at >=
                               (now() at time zone 'UTC') - interval '1 hour')
                           AS latency_p50_1h,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY r.latency_ms)
                           FILTER (WHERE r.processed_at IS NOT NULL AND r.received_at >=
                               (now() at time zone 'UTC') - interval '1 hour')
                           AS latency_p95_1h,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.latency_ms)
                           FILTER (WHERE r.processed_at IS NOT NULL) AS latency_p50_24h,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY r.latency_ms)
                           FILTER (WHERE r.processed_at IS NOT NULL) AS latency_p95_24h
                  FROM logistics_flow f CROSS JOIN res_company c
             LEFT JOIN recent r ON r.flow_id = f.id AND r.company_id = c.id
             LEFT JOIN pending p ON p.flow_id = f.id AND p.company_id = c.id
             LEFT JOIN broken b ON b.flow_id = f.id AND b.company_id = c.id
              GROUP BY f.id, c.id, f.code, f.direction
            )""",
                per_flow=COMPANIES_PER_FLOW,
            )
        )

    def action_open_messages(self):
        """Drill down from a figure to the messages behind it."""
        self._logistics_check_access("read", read_models=["logistics.message"])
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_integration_base.logistics_message_action"
        )
        action["domain"] = [
            ("flow_id", "=", self.flow_id.id),
            ("company_id", "=", self.company_id.id),
        ]
        action["context"] = {"search_default_pending": 1}
        return action

    def action_open_failures(self):
        """Drill down from the failure figures to the failed and dead messages."""
        self._logistics_check_access("read", read_models=["logistics.message"])
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_integration_base.logistics_message_action"
        )
        action["domain"] = [
            ("flow_id", "=", self.flow_id.id),
            ("company_id", "=", self.company_id.id),
            ("state", "in", ("failed", "dead")),
        ]
        action["context"] = {}
        return action
