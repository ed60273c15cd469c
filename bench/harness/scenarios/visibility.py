"""Webhook received → visible in the API."""

import json
import threading
import time

from .. import load
from ..events import shipment_name
from .common import POLL, _open
from .result import ScenarioResult

VISIBILITY_POLL = 0.05
VERIFY_SAMPLES = 10


def scenario_visibility(bench):
    sizes = bench.sizes
    rate, seconds = sizes.visibility_rate, sizes.latency_seconds
    since = bench.max_message_id()
    sent = {}  # event id -> (request start, event)
    lock = threading.Lock()

    def webhook(_number):
        events = bench.factory.batch(1, "visible")
        started = time.monotonic()
        status, _outcomes = bench.post_events(events, single=True)
        if status == 202:
            with lock:
                sent[events[0]["event_id"]] = (started, events[0])
        return status

    seen = {}
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            rows = bench.query(
                """SELECT external_id FROM logistics_message
                    WHERE id > %s AND flow_id = %s AND state = 'done'""",
                (since, bench.flow_id),
            )
            moment = time.monotonic()
            for (event_id,) in rows:
                seen.setdefault(event_id, moment)
            stop.wait(VISIBILITY_POLL)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    records = _open(bench, rate, seconds, webhook)
    deadline = time.monotonic() + sizes.visibility_bound
    while time.monotonic() < deadline and not set(sent) <= set(seen):
        time.sleep(POLL)
    stop.set()
    poller.join(timeout=5)
    latencies = [
        (seen[event_id] - started) * 1000
        for event_id, (started, _event) in sent.items()
        if event_id in seen
    ]
    verified = _verify_visible(bench, [sent[e][1] for e in list(seen)[:VERIFY_SAMPLES]])
    p50 = load.percentile(latencies, 0.5)
    p95 = load.percentile(latencies, 0.95)
    missing = len(set(sent) - set(seen))
    webhooks = load.latency_summary(records, ok=(202,))
    return ScenarioResult(
        details={
            "rate": rate,
            "seconds": seconds,
            "webhooks": webhooks,
            "events": len(sent),
            "not_visible_within_bound": missing,
            "p50_ms": _round(p50),
            "p95_ms": _round(p95),
            "p95_ms_unrounded": p95,
            "p99_ms": _round(load.percentile(latencies, 0.99)),
            "api_check": verified,
        },
    )


def _round(value):
    return None if value is None else round(value, 1)


def _verify_visible(bench, events):
    """The API shows each event's milestone (time) on its shipment's timeline."""
    checked = found = 0
    for event in events:
        status, body = bench.api_get(
            "/shipments/%s" % shipment_name(event["aggregate"]["id"])
        )
        checked += 1
        if status == 200:
            times = {m["time"] for m in json.loads(body).get("milestones", [])}
            found += event["occurred_at"] in times
    return {"checked": checked, "found": found, "ok": checked == found}
