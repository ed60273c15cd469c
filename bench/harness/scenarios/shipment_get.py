"""GET /shipments/{ref} latency."""

import json

from .. import load
from .common import HEALTH, _open
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
    return ScenarioResult(
        details={
            "rate": rate,
            "seconds": seconds,
            "milestones": milestones,
            "ours": ours,
            "health": health,
        },
    )
