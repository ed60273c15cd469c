"""Latency of the single-event webhook."""

from .. import load
from ..report import fmt_latency, fmt_num, fmt_ratio, verdict
from .common import HEALTH, _open, _ratio
from .result import ScenarioResult


def scenario_webhook_latency(bench):
    sizes = bench.sizes
    rate, seconds = sizes.webhook_rate, sizes.latency_seconds

    def webhook(_number):
        status, _outcomes = bench.post_events(
            bench.factory.batch(1, "latency"), single=True
        )
        return status

    ours = load.latency_summary(_open(bench, rate, seconds, webhook), ok=(202,))
    bench.settle()
    health = load.latency_summary(
        _open(bench, rate, seconds, lambda _n: bench.http.request("GET", HEALTH)[0])
    )
    ratio = _ratio(ours["p95_ms"], health["p95_ms"])
    met = ratio is not None and ratio <= 2 and not ours["errors"]
    return ScenarioResult(
        rows=[
            {
                "scenario": "Single-event webhook at %s req/s" % fmt_num(rate),
                "ours": fmt_latency(ours, ("p50", "p95", "p99"), rate),
                "baseline": "/web/health "
                + fmt_latency(health, ("p50", "p95", "p99"), rate),
                "ratio": "p95 %s" % fmt_ratio(ratio),
                "target": "p95 ≤ 2x /web/health p95",
                "result": verdict(met),
            }
        ],
        details={"rate": rate, "seconds": seconds, "ours": ours, "health": health},
        notes=[
            "latency from the intended start of each request (open loop, no "
            "coordinated omission); the jobs applying these events share the "
            "2 HTTP workers"
        ],
    )
