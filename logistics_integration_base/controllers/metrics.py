import hmac

from odoo import http
from odoo.http import request
from odoo.tools import SQL

from ..lib import dashboard

TOKEN_PARAM = "logistics_integration_base.metrics_token"
# (field of logistics.flow.stat, Prometheus name, help)
FLOW_GAUGES = [
    ("received_1h", "logistics_flow_received_1h", "Messages received in the last hour"),
    (
        "received_24h",
        "logistics_flow_received_24h",
        "Messages received in the last day",
    ),
    ("done_24h", "logistics_flow_done_24h", "Messages done in the last day"),
    ("failed", "logistics_flow_failed", "Messages failed, waiting for a retry"),
    ("dead", "logistics_flow_dead", "Dead messages (replayable)"),
    ("backlog", "logistics_flow_backlog", "Messages waiting to be processed"),
    (
        "oldest_pending_s",
        "logistics_flow_oldest_pending_seconds",
        "Age of the oldest waiting message",
    ),
    (
        "error_rate_1h",
        "logistics_flow_error_rate_1h_percent",
        "Failed or dead among processed, last hour",
    ),
    ("latency_p50_1h", "logistics_flow_latency_p50_1h_ms", "p50 received to done, 1 h"),
    ("latency_p95_1h", "logistics_flow_latency_p95_1h_ms", "p95 received to done, 1 h"),
    (
        "latency_p95_24h",
        "logistics_flow_latency_p95_24h_ms",
        "p95 received to done, 24 h",
    ),
]


class MetricsController(http.Controller):
    """The integration's figures in Prometheus text format, behind a token:
    a flow's figures per company (labels ``flow`` and ``company``)."""

    @http.route(
        "/logistics/metrics",
        type="http",
        auth="none",
        methods=["GET"],
        save_session=False,
    )
    def metrics(self):
        token = request.env["ir.config_parameter"].sudo().get_param(TOKEN_PARAM)
        presented = request.httprequest.headers.get("Authorization", "")
        # Bytes: compare_digest refuses str with non-ASCII characters, and a
        # header may hold any Latin-1 character.
        if not token or not hmac.compare_digest(
            presented.encode("utf-8", "replace"),
            ("Bearer %s" % token).encode("utf-8", "replace"),
        ):
            return request.make_response(
                "unauthorized\n", status=401, headers=[("WWW-Authenticate", "Bearer")]
            )
        lines = self._flow_lines() + self._queue_job_lines()
        return request.make_response(
            "\n".join(lines) + "\n",
            headers=[("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
        )

    def _flow_lines(self):
        stats = (
            request.env["logistics.flow.stat"]
            .sudo()
            .search([("flow_id.active", "=", True)])
        )
        lines = []
        for field_name, metric, text in FLOW_GAUGES:
            lines += ["# HELP %s %s" % (metric, text), "# TYPE %s gauge" % metric]
            lines += [
                dashboard.metric_line(
                    metric,
                    {"flow": stat.flow_code, "company": stat.company_id.name},
                    stat[field_name] or 0,
                )
                for stat in stats
            ]
        return lines

    def _queue_job_lines(self):
        cr = request.env.cr
        cr.execute(
            SQL(
                "SELECT channel, state, count(*) FROM queue_job GROUP BY channel, state"
            )
        )
        metric = "queue_job_jobs"
        lines = [
            "# HELP %s Queue jobs by channel and state" % metric,
            "# TYPE %s gauge" % metric,
        ]
        lines += [
            '%s{channel="%s",state="%s"} %s' % (metric, channel, state, count)
            for channel, state, count in cr.fetchall()
        ]
        return lines
