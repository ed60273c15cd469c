import logging
from datetime import timedelta

from odoo import _, api, fields, models

_logger = logging.getLogger(__name__)

METRICS = [
    ("backlog", "Backlog (messages waiting)"),
    ("error_rate_1h", "Error rate over the last hour (%)"),
    ("dead", "Dead letters"),
    ("latency_p95_1h", "p95 latency over the last hour (ms)"),
    ("oldest_pending_s", "Age of the oldest waiting message (s)"),
]


class LogisticsAlertRule(models.Model):
    """A threshold on a flow figure; crossing it alerts ops, at most once per
    interval, with an activity for each member of the group. The figures are
    a flow's in each company: the worst of them is the one reported."""

    _name = "logistics.alert.rule"
    _description = "Integration Alert Rule"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    flow_id = fields.Many2one(
        "logistics.flow", help="Empty: every flow is watched, each on its own."
    )
    metric = fields.Selection(METRICS, required=True, default="backlog")
    threshold = fields.Float(required=True, help="Alert when the figure is above it.")
    interval_minutes = fields.Integer(
        string="Not more than once every (minutes)", default=60, required=True
    )
    group_id = fields.Many2one(
        "res.groups",
        string="Notify",
        required=True,
        default=lambda self: self.env.ref(
            "logistics_integration_base.group_integration_manager",
            raise_if_not_found=False,
        ),
    )
    last_alert_at = fields.Datetime(readonly=True, copy=False)
    last_value = fields.Float(readonly=True, copy=False)

    _sql_constraints = [
        (
            "interval_positive",
            "check(interval_minutes > 0)",
            "The interval must be > 0.",
        ),
    ]

    @api.model
    def _cron_evaluate(self):
        """Check every active rule against the current flow figures."""
        rules = self.search([("active", "=", True)])
        stats = self.env["logistics.flow.stat"].search([("flow_id.active", "=", True)])
        for rule in rules:
            rule._evaluate(stats)

    def _evaluate(self, stats):
        """Alert when a watched flow is above the threshold and the rule is quiet."""
        self.ensure_one()
        watched = stats.filtered(
            lambda s: not self.flow_id or s.flow_id == self.flow_id
        )
        crossed = [
            (s, s[self.metric]) for s in watched if s[self.metric] > self.threshold
        ]
        if not crossed or self._recently_alerted():
            return False
        stat, value = max(crossed, key=lambda pair: pair[1])
        self._alert(stat, value)
        return True

    def _recently_alerted(self):
        if not self.last_alert_at:
            return False
        return fields.Datetime.now() - self.last_alert_at < timedelta(
            minutes=self.interval_minutes
        )

    def _alert(self, stat, value):
        summary = _(
            "%(flow)s (%(company)s): %(metric)s is %(value)s (threshold %(threshold)s)",
            flow=stat.flow_code,
            company=stat.company_id.name,
            metric=dict(METRICS)[self.metric],
            value=round(value, 2),
            threshold=self.threshold,
        )
        for user in self.group_id.users.filtered(lambda u: not u.share):
            self.activity_schedule(
                "mail.mail_activity_data_warning", summary=summary, user_id=user.id
            )
        self.message_post(body=summary)
        self.write({"last_alert_at": fields.Datetime.now(), "last_value": value})
        _logger.warning("integration alert: %s", summary)
