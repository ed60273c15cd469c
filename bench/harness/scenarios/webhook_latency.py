"""Latency of the single-event webhook."""

from .. import load
from .common import HEALTH, _open
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
    return ScenarioResult(
        details={"rate": rate, "seconds": seconds, "ours": ours, "health": health},
    )
