from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import dashboard


class LogisticsFlowStat(models.Model):
    """Per flow: volumes, failures, backlog and latency, computed when read.

    A SQL view over the message log: received, done, failed and dead over the
    last hour and day, the backlog and the age of its oldest message, and the
    p50/p95 latency from received to processed.
    """

    _name = "logistics.flow.stat"
    _description = "Integration Flow Figures"
    _auto = False
    _order = "flow_code"
    _rec_name = "flow_code"

    flow_id = fields.Many2one("logistics.flow", readonly=True)
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
        self.env.cr.execute(
            SQL(
                """CREATE OR REPLACE VIEW logistics_flow_stat AS (
                WITH recent AS (
                    SELECT id, flow_id, state, received_at, processed_at,
                           latency_ms
                      FROM logistics_message
                     WHERE received_at >=
                           (now() at time zone 'UTC') - interval '24 hours'
                ), pending AS (
                    SELECT flow_id, count(*) AS backlog, min(received_at) AS oldest
                      FROM logistics_message
                     WHERE state IN ('queued', 'failed')
                  GROUP BY flow_id
                ), broken AS (
                    SELECT flow_id,
                           count(*) FILTER (WHERE state = 'failed') AS failed,
                           count(*) FILTER (WHERE state = 'dead') AS dead
                      FROM logistics_message
                     WHERE state IN ('failed', 'dead')
                  GROUP BY flow_id
                )
                SELECT f.id AS id, f.id AS flow_id, f.code AS flow_code,
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
                  FROM logistics_flow f
             LEFT JOIN recent r ON r.flow_id = f.id
             LEFT JOIN pending p ON p.flow_id = f.id
             LEFT JOIN broken b ON b.flow_id = f.id
              GROUP BY f.id, f.code, f.direction
            )"""
            )
        )

    def action_open_messages(self):
        """Drill down from a figure to the messages behind it."""
        self._logistics_check_access("read", read_models=["logistics.message"])
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_integration_base.logistics_message_action"
        )
        action["domain"] = [("flow_id", "=", self.flow_id.id)]
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
            ("state", "in", ("failed", "dead")),
        ]
        action["context"] = {}
        return action
