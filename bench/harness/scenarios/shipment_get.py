"""GET /shipments/{ref} latency."""

import json

from .. import load
from ..report import fmt_latency, fmt_num, fmt_ratio, verdict
from .common import HEALTH, _open, _ratio
from .result import ScenarioResult


def scenario_shipment_get(bench):
    sizes = bench.sizes
    rate, seconds = sizes.get_rate, sizes.get_seconds
    path = "/shipments/%s" % bench.ids["portal_shipment"]
    status, body = bench.api_get(path)
    milestones = len(json.loads(body).get("milestones", [])) if status == 200 else 0
    ours = load.latency_summary(
        _open(bench, rate, seconds, lambda _n: bench.api_get(path)[0])
    )
    health = load.latency_summary(
        _open(bench, rate, seconds, lambda _n: bench.http.request("GET", HEALTH)[0])
    )
    met = ours["p95_ms"] is not None and ours["p95_ms"] < 25 and not ours["errors"]
    return ScenarioResult(
        rows=[
            {
                "scenario": "Portal GET /shipments/{ref} (%s milestones) at %s req/s"
                % (milestones, fmt_num(rate)),
                "ours": fmt_latency(ours, rate=rate),
                "baseline": "/web/health " + fmt_latency(health, rate=rate),
                "ratio": "p95 %s" % fmt_ratio(_ratio(ours["p95_ms"], health["p95_ms"])),
                "target": "p95 < 25 ms",
                "result": verdict(met),
            }
        ],
        details={
            "rate": rate,
            "seconds": seconds,
            "milestones": milestones,
            "ours": ours,
            "health": health,
        },
    )
