from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import IntegrationCase, envelope

METRICS_TOKEN = "scrape-me"


class ObservabilityCase(IntegrationCase):
    def _messages(self):
        """One flow with 4 done (latencies 100..400 ms), 1 failed, 1 dead, 1 queued."""
        events = [
            envelope("ev-%s" % n, self.partner, self.at(8, n), "x") for n in range(7)
        ]
        self.fail_next("ev-4", self.retryable())
        self.fail_next("ev-5", ValueError("bad"))
        with self.jobs():
            results = self.receive(*events[:6])
        [(queued, _o, _r)] = self.receive(events[6])  # its job is never run
        done = [r[0] for r in results if r[0].state == "done"]
        for latency, message in zip((100, 200, 300, 400), done, strict=True):
            message.latency_ms = latency
        # The view measures from the transaction's now(), not the clock's.
        queued.received_at = self.env.cr.now() - timedelta(minutes=10)
        self.env.flush_all()
        return queued

    def _stat(self):
        return self.env["logistics.flow.stat"].search(
            [("flow_id", "=", self.flow.id), ("company_id", "=", self.env.company.id)]
        )


@tagged("post_install", "-at_install")
class TestDashboardAndAlerts(ObservabilityCase):
    def test_flow_figures(self):
        self._messages()
        stat = self._stat()
        self.assertRecordValues(
            stat,
            [
                {
                    "received_1h": 7,
                    "received_24h": 7,
                    "done_24h": 4,
                    "failed": 1,
                    "dead": 1,
                    "backlog": 2,
                    "latency_p50_1h": 250,
                    "latency_p95_1h": 385,
                }
            ],
        )
        self.assertGreaterEqual(stat.oldest_pending_s, 600)
        self.assertAlmostEqual(stat.error_rate_1h, 100 * 2 / 6, places=3)
        action = stat.action_open_messages()
        self.assertEqual(
            action["domain"],
            [("flow_id", "=", self.flow.id), ("company_id", "=", self.env.company.id)],
        )

    def test_each_company_counts_its_own_messages(self):
        self._messages()
        other = self.env["res.company"].create({"name": "Other Unit"})
        dead = self.env["logistics.message"].search(
            [("flow_id", "=", self.flow.id), ("state", "=", "dead")]
        )
        dead.company_id = other
        self.env.flush_all()
        Stat = self.env["logistics.flow.stat"]
        [mine] = Stat.search(
            [("flow_id", "=", self.flow.id), ("company_id", "=", self.env.company.id)]
        )
        [theirs] = Stat.search(
            [("flow_id", "=", self.flow.id), ("company_id", "=", other.id)]
        )
        self.assertEqual((mine.dead, mine.received_24h), (0, 6))
        self.assertEqual((theirs.dead, theirs.received_24h), (1, 1))
        user = self.env["res.users"].create(
            {
                "name": "Main company integrator",
                "login": "main.integrator",
                "company_id": self.env.company.id,
                "company_ids": [(6, 0, self.env.company.ids)],
                "groups_id": [
                    (
                        4,
                        self.env.ref(
                            "logistics_integration_base.group_integration_user"
                        ).id,
                    )
                ],
            }
        )
        self.assertEqual(
            Stat.with_user(user).search([("flow_id", "=", self.flow.id)]), mine
        )
        activity = self.env["logistics.flow.activity"].with_user(user)
        self.assertEqual(
            sum(activity.search([("flow_id", "=", self.flow.id)]).mapped("dead")), 0
        )

    def test_each_threshold_alerts_exactly_once_per_interval(self):
        self._messages()
        thresholds = {
            "backlog": 1,
            "error_rate_1h": 10,
            "dead": 0,
            "latency_p95_1h": 300,
            "oldest_pending_s": 60,
        }
        Rule = self.env["logistics.alert.rule"]
        rules = Rule.create(
            [
                {
                    "name": metric,
                    "flow_id": self.flow.id,
                    "metric": metric,
                    "threshold": threshold,
                    "interval_minutes": 30,
                }
                for metric, threshold in thresholds.items()
            ]
        )
        quiet = Rule.create(
            {"name": "quiet", "flow_id": self.flow.id, "metric": "dead", "threshold": 5}
        )
        Rule._cron_evaluate()
        Rule._cron_evaluate()  # within the interval: nothing more
        managers = self.env.ref(
            "logistics_integration_base.group_integration_manager"
        ).users.filtered(lambda u: not u.share)
        for rule in rules:
            self.assertEqual(len(rule.activity_ids), len(managers), rule.metric)
            self.assertTrue(rule.last_alert_at, rule.metric)
        self.assertFalse(quiet.activity_ids)
        # Once the interval has passed, a rule still crossed alerts again.
        rules[0].last_alert_at = fields.Datetime.now() - timedelta(minutes=31)
        Rule._cron_evaluate()
        self.assertEqual(len(rules[0].activity_ids), 2 * len(managers))
        self.assertEqual(len(rules[1].activity_ids), len(managers))


@tagged("post_install", "-at_install")
class TestMetricsEndpoint(ObservabilityCase, HttpCase):
    def test_metrics_need_the_token(self):
        self._messages()
        self.env["ir.config_parameter"].set_param(
            "logistics_integration_base.metrics_token", METRICS_TOKEN
        )
        refused = self.url_open("/logistics/metrics")
        self.assertEqual(refused.status_code, 401)
        wrong = self.url_open(
            "/logistics/metrics", headers={"Authorization": "Bearer no"}
        )
        self.assertEqual(wrong.status_code, 401)
        scraped = self.url_open(
            "/logistics/metrics", headers={"Authorization": "Bearer %s" % METRICS_TOKEN}
        )
        self.assertEqual(scraped.status_code, 200)
        self.assertIn("text/plain", scraped.headers["Content-Type"])
        text = scraped.text
        labels = 'flow="test.partner_note",company="%s"' % self.env.company.name
        self.assertIn("logistics_flow_backlog{%s} 2" % labels, text)
        self.assertIn("logistics_flow_dead{%s} 1" % labels, text)
        self.assertIn("# TYPE queue_job_jobs gauge", text)

    def test_non_ascii_authorization_is_401(self):
        self.env["ir.config_parameter"].set_param(
            "logistics_integration_base.metrics_token", METRICS_TOKEN
        )
        for presented in ("Bearer scrapé-me".encode(), "Bearer 日本".encode()):
            refused = self.url_open(
                "/logistics/metrics", headers={"Authorization": presented}
            )
            self.assertEqual(refused.status_code, 401, presented)
