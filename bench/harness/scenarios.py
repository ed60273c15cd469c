"""The scenarios: each runs our path and its baseline in the same run.

A scenario returns ``{"rows": [table rows], "details": {...}, "notes": [...]}``.
Every loop is bounded twice: by a count (the sizes) and by a deadline.
"TMS events applied" means the message reached state ``done`` (its milestone
is stored and the shipment changed), read from the database with SQL.
"""

import json
import math
import random
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import psycopg2
from psycopg2 import sql

from . import load, seed
from .events import EventFactory, Signer, client_changes, reference, shipment_name
from .report import HIT, INFO, MISSED, NOT_RUN, verdict

WEBHOOK = "/logistics/tms/%s/events"
API = "/api/logistics/v1"
HEALTH = "/web/health"
REST_ENDPOINT = "bench"
POLL = 0.25
VISIBILITY_POLL = 0.05
SETTLE_POLL = 0.5
RETRY_PAUSE = 1.0
BURST_RETRIES = 3
FAULT_RETRIES = 60  # one a second: a TMS keeps trying while the database is away
PG_RECONNECT_BOUND = 120  # seconds the harness waits for PostgreSQL to answer
PG_RESTART_TIMEOUT = 120
CRON_RERUN_BOUND = 180  # seconds for every per-minute cron to run again
STARTED_JOB_WAIT = 15  # seconds the restart waits for a job to be running
BURST_RESEND_EVERY = 50  # one batch in 50 is delivered twice (at-least-once TMS)
BURST_THREADS = 8
SENDERS = 4
ACHIEVED_SHARE = 0.9  # an open loop below 90 % of its rate says so
VERIFY_SAMPLES = 10
GROWTH_FLAT_FACTOR = 1.25
GROWTH_SEED = 42
MIB_PER_GIB = 1024
BIG_TABLES = (
    "logistics_shipment",
    "logistics_message",
    "logistics_shipment_milestone",
    "mail_message",
    "mail_tracking_value",
    "queue_job",
)
FINISHED = ("done", "stale", "dead")
BULK_TABLES = (
    "logistics_shipment",
    "logistics_message",
    "logistics_shipment_milestone",
)
# The hot-path statements (as the ORM and the addons write them), explained
# at each cost-growth level: a sequential scan of a big table is a scan that
# grows with history.
HOT_QUERIES = {
    "_tms_find: shipment by TMS reference": """
        SELECT id FROM logistics_shipment
         WHERE endpoint_id = %(endpoint)s AND tms_reference = %(reference)s
         ORDER BY id DESC LIMIT 1""",
    "_existing_by_key: idempotency keys": """
        SELECT id FROM logistics_message
         WHERE flow_id = %(flow)s AND idempotency_key IN %(keys)s
         ORDER BY id DESC""",
    "_claim_due: next batch": """
        SELECT id FROM logistics_message
         WHERE flow_id = %(flow)s AND state IN ('queued', 'failed')
           AND (next_attempt_at IS NULL
                OR next_attempt_at <= now() at time zone 'UTC')
         ORDER BY event_time NULLS FIRST, event_sequence NULLS FIRST, id
         LIMIT 200 FOR UPDATE SKIP LOCKED""",
    "_cron_dispatch_due: flows with due messages": """
        SELECT DISTINCT flow_id FROM logistics_message
         WHERE state IN ('queued', 'failed')
           AND (next_attempt_at IS NULL
                OR next_attempt_at <= now() at time zone 'UTC')""",
    "aggregate position lock": """
        SELECT id FROM logistics_aggregate_position
         WHERE flow_id = %(flow)s AND aggregate_key = %(aggregate)s FOR UPDATE""",
    "_portal_json: timeline of a shipment": """
        SELECT id FROM logistics_shipment_milestone
         WHERE shipment_id IN %(shipments)s ORDER BY event_time, id""",
    "queue_job identity key (one pending batch job)": """
        SELECT id FROM queue_job
         WHERE identity_key = %(identity)s
           AND state IN ('wait_dependencies', 'pending', 'enqueued')
         ORDER BY date_created DESC, id DESC LIMIT 1""",
}
# Written by bench/bench_settlement.py (another command), read here.
SETTLEMENT_JSON = Path(__file__).resolve().parents[1] / "results" / "settlement.json"


@dataclass(frozen=True)
class Sizes:
    """Counts and time bounds of every scenario (default: scale 1)."""

    base_shipments: int = 10_000
    apply_events: int = 10_000
    apply_batch: int = 200
    apply_rpc_events: int = 3_000
    apply_rpc_seconds: float = 30
    apply_single_events: int = 1_000
    apply_bound: float = 300
    accept_events: int = 5_000
    accept_batches: tuple = (100, 250, 500)
    accept_single_events: int = 1_000
    accept_bound: float = 120
    latency_seconds: float = 20
    webhook_rate: float = 50
    visibility_rate: float = 100
    visibility_bound: float = 60
    orders_rate: float = 10
    orders_seconds: float = 10
    get_rate: float = 20
    get_seconds: float = 15
    release_shipments: int = 300
    release_bound: float = 240
    burst_events: int = 100_000
    burst_window: float = 60
    burst_batch: int = 500
    burst_drain_bound: float = 600
    fault_events: int = 20_000
    fault_window: float = 60
    fault_batch: int = 200
    fault_drain_bound: float = 900
    growth_levels: tuple = (10_000, 100_000, 1_000_000)
    growth_events: int = 1_000
    growth_bound: float = 300
    settle_bound: float = 600
    profile_batch: int = 200
    profile_reads: int = 50
    profile_orders: int = 10

    @classmethod
    def for_run(cls, scale=1.0, smoke=False):
        sizes = cls()
        if smoke:
            sizes = replace(
                sizes,
                base_shipments=500,
                apply_events=400,
                apply_rpc_events=100,
                apply_rpc_seconds=10,
                apply_single_events=50,
                apply_bound=120,
                accept_events=500,
                accept_batches=(100, 250),
                accept_single_events=50,
                accept_bound=60,
                latency_seconds=3,
                visibility_bound=30,
                orders_seconds=2,
                get_seconds=3,
                release_shipments=10,
                release_bound=120,
                burst_events=2_000,
                burst_window=5,
                burst_drain_bound=120,
                fault_events=2_000,
                fault_window=20,
                fault_batch=100,
                fault_drain_bound=420,
                growth_levels=(500, 2_000),
                growth_events=100,
                growth_bound=120,
                settle_bound=120,
                profile_batch=20,
                profile_reads=5,
                profile_orders=2,
            )
        if scale != 1.0:
            counts = {
                name: max(1, int(getattr(sizes, name) * scale))
                for name in (
                    "apply_events",
                    "apply_rpc_events",
                    "apply_single_events",
                    "accept_events",
                    "accept_single_events",
                    "release_shipments",
                    "growth_events",
                )
            }
            # The burst keeps its shape (events in a window) and the growth
            # levels their meaning; a smaller scale only drops the big levels.
            levels = tuple(
                level
                for level in sizes.growth_levels
                if level <= max(sizes.growth_levels[0], 1_000_000 * scale)
            )
            bounds = {
                name: getattr(sizes, name) * max(1.0, scale)
                for name in (
                    "apply_bound",
                    "accept_bound",
                    "release_bound",
                    "burst_drain_bound",
                    "growth_bound",
                    "settle_bound",
                )
            }
            sizes = replace(sizes, growth_levels=levels, **counts, **bounds)
        return sizes


class Bench:
    """What every scenario shares: the stack, the seeded ids, the clients."""

    def __init__(self, stack, ids, secret, *, sizes, run_tag, results_dir):
        self.stack = stack
        self.ids = ids
        self.sizes = sizes
        self.http = load.Http(stack.url)
        self.signer = Signer(secret)
        self.pg = stack.pg()
        self.results_dir = Path(results_dir)
        self.factory = EventFactory(
            [reference(n) for n in range(1, sizes.base_shipments + 1)], run_tag
        )
        self.flow_id = ids["tms_event_flow_id"]
        self._rpc = None

    @property
    def rpc(self):
        if self._rpc is None:
            self._rpc = load.Rpc(self.stack.url, self.stack.db, "admin", "admin")
        return self._rpc

    # -- SQL ------------------------------------------------------------

    def query(self, sql, params=None):
        return self._sql(sql, params, fetch=True)

    def execute(self, sql, params=None):
        self._sql(sql, params, fetch=False)

    def _sql(self, sql, params, fetch):
        """One autocommit statement; a connection lost to a PostgreSQL restart
        is opened again, until the server answers (bounded)."""
        deadline = time.monotonic() + PG_RECONNECT_BOUND
        while True:
            try:
                if self.pg.closed:
                    self.pg = self.stack.pg()
                with self.pg.cursor() as cr:
                    cr.execute(sql, params)
                    return cr.fetchall() if fetch else None
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                if time.monotonic() > deadline:
                    raise
                self.pg.close()
                time.sleep(RETRY_PAUSE)

    def max_message_id(self):
        return self.query("SELECT coalesce(max(id), 0) FROM logistics_message")[0][0]

    def tms_states(self, since):
        return dict(
            self.query(
                """SELECT state, count(*) FROM logistics_message
                    WHERE id > %s AND flow_id = %s GROUP BY state""",
                (since, self.flow_id),
            )
        )

    def wait_tms(self, since, expected, bound):
        """Poll until ``expected`` events since ``since`` finished, or ``bound``."""
        started = time.monotonic()
        while True:
            states = self.tms_states(since)
            finished = sum(states.get(s, 0) for s in FINISHED)
            elapsed = time.monotonic() - started
            if finished >= expected or elapsed > bound:
                return {
                    "states": states,
                    "finished_at": time.monotonic(),
                    "timed_out": finished < expected,
                }
            time.sleep(POLL)

    def settle(self):
        """Wait until no message and no job is pending (bounded): the next
        scenario starts on an idle server."""
        started = time.monotonic()
        while time.monotonic() - started < self.sizes.settle_bound:
            ((messages, jobs),) = self.query(
                """SELECT (SELECT count(*) FROM logistics_message
                            WHERE state IN ('queued', 'processing')
                               OR (state = 'failed' AND next_attempt_at <= now()
                                   at time zone 'UTC')),
                          (SELECT count(*) FROM queue_job
                            WHERE state IN ('pending', 'enqueued', 'started'))"""
            )
            if not messages and not jobs:
                return round(time.monotonic() - started, 1)
            time.sleep(SETTLE_POLL)
        return None

    # -- HTTP -----------------------------------------------------------

    def post_events(self, events, single=False, endpoint=REST_ENDPOINT):
        body, headers = self.signer.request(events[0] if single else {"events": events})
        status, answer = self.http.request("POST", WEBHOOK % endpoint, body, headers)
        outcomes = {}
        if status == 202:
            for result in json.loads(answer)["results"]:
                outcomes[result["status"]] = outcomes.get(result["status"], 0) + 1
        return status, outcomes

    def api_get(self, path):
        return self.http.request(
            "GET", API + path, headers={"X-API-Key": self.ids["api_key"]}
        )


def _rate(count, seconds):
    return round(count / seconds, 1) if seconds > 0 else None


def _fmt_rate(value, unit="ev/s"):
    return "%s %s" % (_num(value), unit) if value is not None else "n/a"


def _num(value):
    if value is None:
        return "n/a"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _ratio(ours, baseline):
    if not ours or not baseline:
        return None
    return ours / baseline


def _fmt_ratio(value):
    if value is None:
        return "n/a"
    return "%sx" % ("%.2g" % value if value < 1 else _num(value))


# ---------------------------------------------------------------------------
# TMS events applied (sustained)


def send_batches(bench, batches, senders, bound, single=False):
    """Post pre-built batches (closed loop); return totals and wall time."""
    batches = iter(batches)

    def tasks():
        for events in batches:
            yield lambda events=events: _post(bench, events, single)

    results, elapsed = load.closed_loop(senders, tasks(), bound)
    accepted = sum(r["accepted"] for r in results)
    failed = sum(1 for r in results if r["status"] != 202)
    return {
        "requests": len(results),
        "failed_requests": failed,
        "accepted": accepted,
        "seconds": elapsed,
        "request_seconds": [r["seconds"] for r in results],
    }


def _post(bench, events, single):
    status, outcomes = bench.post_events(events, single=single)
    return {
        "status": status,
        "accepted": outcomes.get("accepted", 0) + outcomes.get("duplicate", 0),
    }


def _lazy_batches(bench, total, size, tag):
    """Batches built when a sender takes them (in order, under the loop's lock)."""
    sent = 0
    while sent < total:
        count = min(size, total - sent)
        sent += count
        yield bench.factory.batch(count, tag)


def applied_through_webhooks(bench, total, tag, bound):
    since = bench.max_message_id()
    started = time.monotonic()
    sent = send_batches(
        bench, _lazy_batches(bench, total, bench.sizes.apply_batch, tag), 2, bound
    )
    waited = bench.wait_tms(since, sent["accepted"], bound)
    states = waited["states"]
    seconds = waited["finished_at"] - started
    milestones = bench.query(
        "SELECT count(*) FROM logistics_shipment_milestone WHERE message_id > %s",
        (since,),
    )[0][0]
    return {
        "events": total,
        "accepted": sent["accepted"],
        "accept_seconds": round(sent["seconds"], 2),
        "done": states.get("done", 0),
        "states": states,
        "milestones_created": milestones,
        "seconds": round(seconds, 2),
        "applied_per_second": _rate(states.get("done", 0), seconds),
        "timed_out": waited["timed_out"],
    }


def baseline_rpc(bench):
    """(a) An external client writes milestone + status + ETA, one call per event."""
    sizes = bench.sizes
    ids = dict(
        bench.query(
            "SELECT tms_reference, id FROM logistics_shipment WHERE endpoint_id = %s",
            (bench.ids["endpoint_id"],),
        )
    )
    events = bench.factory.batch(sizes.apply_rpc_events, "rpc")
    rpc = bench.rpc
    # The client writes the TMS-owned `eta` and the Odoo-owned `status` in one
    # call. No context key lets a client pass the ownership guard: for the
    # baseline, the administrator hands `eta` to Odoo in the matrix (through
    # the ORM, which clears every worker's ownership cache) and gives it back.
    eta_rows = rpc.execute(
        "logistics.field.ownership",
        "search_read",
        [("model_name", "=", "logistics.shipment"), ("field_name", "=", "eta")],
        ["owner"],
    )
    rpc.execute(
        "logistics.field.ownership",
        "write",
        [r["id"] for r in eta_rows],
        {"owner": "odoo"},
    )

    def task(event):
        vals, milestone = client_changes(event)
        vals["milestone_ids"] = [(0, 0, milestone)]
        try:
            rpc.execute(
                "logistics.shipment",
                "write",
                [ids[event["aggregate"]["id"]]],
                vals,
            )
        except load.RpcError as err:
            return {"ok": False, "error": str(err)[:200]}
        return {"ok": True}

    try:
        results, elapsed = load.closed_loop(
            SENDERS,
            (lambda event=event: task(event) for event in events),
            sizes.apply_rpc_seconds,
        )
    finally:
        for row in eta_rows:
            rpc.execute(
                "logistics.field.ownership",
                "write",
                [row["id"]],
                {"owner": row["owner"]},
            )
    ok = sum(r["ok"] for r in results)
    errors = [r["error"] for r in results if not r["ok"]][:3]
    return {
        "events": len(results),
        "ok": ok,
        "errors": errors,
        "clients": SENDERS,
        "seconds": round(elapsed, 2),
        "applied_per_second": _rate(ok, elapsed),
    }


def baseline_single_jobs(bench):
    """(b) The same webhooks, with the flow switched to one queue job per event."""
    sizes = bench.sizes
    bench.execute(
        "UPDATE logistics_flow SET processing_mode = 'single' WHERE id = %s",
        (bench.flow_id,),
    )
    try:
        return applied_through_webhooks(
            bench, sizes.apply_single_events, "single", sizes.apply_bound
        )
    finally:
        bench.execute(
            "UPDATE logistics_flow SET processing_mode = 'batch' WHERE id = %s",
            (bench.flow_id,),
        )


def scenario_apply(bench):
    sizes = bench.sizes
    ours = applied_through_webhooks(
        bench, sizes.apply_events, "apply", sizes.apply_bound
    )
    bench.settle()
    rpc = baseline_rpc(bench)
    bench.settle()
    single = baseline_single_jobs(bench)
    rate = ours["applied_per_second"]
    ratio_a = _ratio(rate, rpc["applied_per_second"])
    ratio_b = _ratio(rate, single["applied_per_second"])
    met = (
        (rate or 0) >= 1_000
        and (ratio_a or 0) >= 10
        and (ratio_b or 0) >= 20
        and not ours["timed_out"]
    )
    notes = []
    if ours["timed_out"]:
        notes.append("our path did not finish within %s s" % sizes.apply_bound)
    if rpc["errors"]:
        notes.append("JSON-RPC baseline errors: %s" % "; ".join(rpc["errors"]))
    return {
        "rows": [
            {
                "scenario": "TMS events applied (milestone + status + ETA), sustained",
                "ours": "%s (%s events, batches of %s)"
                % (_fmt_rate(rate), _num(ours["done"]), sizes.apply_batch),
                "baseline": "(a) JSON-RPC per event: %s; (b) job per event: %s"
                % (
                    _fmt_rate(rpc["applied_per_second"]),
                    _fmt_rate(single["applied_per_second"]),
                ),
                "ratio": "%s vs (a), %s vs (b)"
                % (_fmt_ratio(ratio_a), _fmt_ratio(ratio_b)),
                "target": "≥ 1,000 ev/s; ≥ 10x (a); ≥ 20x (b)",
                "result": verdict(met),
            }
        ],
        "details": {"ours": ours, "baseline_rpc": rpc, "baseline_single_job": single},
        "notes": notes,
    }


# ---------------------------------------------------------------------------
# events accepted


def scenario_accept(bench):
    sizes = bench.sizes
    by_batch = {}
    for size in sizes.accept_batches:
        since = bench.max_message_id()
        sent = send_batches(
            bench,
            _lazy_batches(bench, sizes.accept_events, size, "accept%s" % size),
            SENDERS,
            sizes.accept_bound,
        )
        stored = sum(bench.tms_states(since).values())
        by_batch[size] = {
            "events": sizes.accept_events,
            "accepted": sent["accepted"],
            "stored": stored,
            "failed_requests": sent["failed_requests"],
            "seconds": round(sent["seconds"], 2),
            "accepted_per_second": _rate(sent["accepted"], sent["seconds"]),
            "request_p50_ms": _ms(load.percentile(sent["request_seconds"], 0.5)),
            "request_p95_ms": _ms(load.percentile(sent["request_seconds"], 0.95)),
        }
        bench.settle()
    since = bench.max_message_id()
    single = send_batches(
        bench,
        ([event] for event in bench.factory.batch(sizes.accept_single_events, "one")),
        SENDERS,
        sizes.accept_bound,
        single=True,
    )
    single_stored = sum(bench.tms_states(since).values())
    single_rate = _rate(single["accepted"], single["seconds"])
    best_size, best = max(
        by_batch.items(), key=lambda item: item[1]["accepted_per_second"] or 0
    )
    rate = best["accepted_per_second"]
    lost = sum(b["accepted"] - b["stored"] for b in by_batch.values())
    met = (rate or 0) >= 5_000 and lost <= 0
    return {
        "rows": [
            {
                "scenario": "Events accepted (durably stored, answered)",
                "ours": "%s (batch %s; %s)"
                % (
                    _fmt_rate(rate),
                    best_size,
                    ", ".join(
                        "%s: %s" % (size, _num(b["accepted_per_second"]))
                        for size, b in by_batch.items()
                    ),
                ),
                "baseline": "single-event webhook: %s" % _fmt_rate(single_rate),
                "ratio": _fmt_ratio(_ratio(rate, single_rate)),
                "target": "≥ 5,000 ev/s accepted",
                "result": verdict(met),
            }
        ],
        "details": {
            "senders": SENDERS,
            "by_batch_size": by_batch,
            "single": {
                "events": sizes.accept_single_events,
                "accepted": single["accepted"],
                "stored": single_stored,
                "seconds": round(single["seconds"], 2),
                "accepted_per_second": single_rate,
                "request_p95_ms": _ms(load.percentile(single["request_seconds"], 0.95)),
            },
            "accepted_not_stored": lost,
        },
        "notes": [
            "jobs apply the accepted events concurrently (same 2 cores), as in "
            "production; the scenario waits for them before the next one"
        ],
    }


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


# ---------------------------------------------------------------------------
# latency of the single-event webhook


def _open(bench, rate, seconds, call):
    records, _started = load.open_loop(rate, int(rate * seconds), seconds, call)
    return records


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
    return {
        "rows": [
            {
                "scenario": "Single-event webhook at %s req/s" % _num(rate),
                "ours": _latency(ours, ("p50", "p95", "p99"), rate),
                "baseline": "/web/health "
                + _latency(health, ("p50", "p95", "p99"), rate),
                "ratio": "p95 %s" % _fmt_ratio(ratio),
                "target": "p95 ≤ 2x /web/health p95",
                "result": verdict(met),
            }
        ],
        "details": {"rate": rate, "seconds": seconds, "ours": ours, "health": health},
        "notes": [
            "latency from the intended start of each request (open loop, no "
            "coordinated omission); the jobs applying these events share the "
            "2 HTTP workers"
        ],
    }


# ---------------------------------------------------------------------------
# webhook received -> visible in GET /shipments/{ref}


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
    met = p95 is not None and p95 < 1000 and not missing and verified["ok"]
    return {
        "rows": [
            {
                "scenario": "Webhook received → visible in GET /shipments/{ref}, "
                "%s ev/s" % _num(rate),
                "ours": "p50/p95 %s/%s ms; %s of %s events checked in the API%s%s"
                % (
                    _round(p50),
                    _round(p95),
                    verified["found"],
                    verified["checked"],
                    "; %s never visible" % missing if missing else "",
                    "; webhooks: only %s req/s achieved"
                    % _num(webhooks["achieved_rate"])
                    if (webhooks["achieved_rate"] or 0) < ACHIEVED_SHARE * rate
                    else "",
                ),
                "target": "p95 < 1 s",
                "result": verdict(met),
            }
        ],
        "details": {
            "rate": rate,
            "seconds": seconds,
            "webhooks": webhooks,
            "events": len(sent),
            "not_visible_within_bound": missing,
            "p50_ms": _round(p50),
            "p95_ms": _round(p95),
            "p99_ms": _round(load.percentile(latencies, 0.99)),
            "api_check": verified,
        },
        "notes": [
            "visibility read from the committed message state every %s ms (SQL), "
            "then %s events checked through GET /shipments/{ref}"
            % (int(VISIBILITY_POLL * 1000), VERIFY_SAMPLES)
        ],
    }


def _round(value):
    return None if value is None else round(value, 1)


def _latency(summary, quantiles=("p50", "p95"), rate=None):
    """ "p50/p95 a/b ms", and the failed requests when there are some."""
    text = "%s %s ms" % (
        "/".join(quantiles),
        "/".join(str(summary["%s_ms" % q]) for q in quantiles),
    )
    if summary["errors"]:
        text += " (%s of %s requests failed: HTTP %s)" % (
            summary["errors"],
            summary["requests"],
            ", ".join(map(str, summary["error_statuses"])),
        )
    if rate and (summary["achieved_rate"] or 0) < ACHIEVED_SHARE * rate:
        text += " (only %s req/s achieved)" % _num(summary["achieved_rate"])
    return text


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


# ---------------------------------------------------------------------------
# customer API


def scenario_orders(bench):
    sizes = bench.sizes
    rate, seconds = sizes.orders_rate, sizes.orders_seconds
    tag = bench.factory.run_tag
    body_lines = [{"product_code": bench.ids["product_code"], "quantity": 2}]

    def submit(number):
        body = json.dumps(
            {"customer_reference": "%s-PO-%s" % (tag, number), "lines": body_lines}
        ).encode()
        status, _answer = bench.http.request(
            "POST",
            API + "/orders",
            body,
            {
                "Content-Type": "application/json",
                "X-API-Key": bench.ids["api_key"],
                "Idempotency-Key": "%s-order-%s" % (tag, number),
            },
        )
        return status

    ours = load.latency_summary(_open(bench, rate, seconds, submit), ok=(201,))
    bench.settle()
    rpc = bench.rpc

    def rpc_order(number):
        try:
            order_id = rpc.execute(
                "sale.order",
                "create",
                {
                    "partner_id": bench.ids["customer_id"],
                    "client_order_ref": "%s-RPC-%s" % (tag, number),
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": bench.ids["product_id"],
                                "product_uom_qty": 2,
                            },
                        )
                    ],
                },
            )
            rpc.execute("sale.order", "action_confirm", [order_id])
        except load.RpcError:
            return 500
        return 200

    baseline = load.latency_summary(_open(bench, rate, seconds, rpc_order))
    met = ours["p95_ms"] is not None and ours["p95_ms"] < 250 and not ours["errors"]
    return {
        "rows": [
            {
                "scenario": "Portal POST /orders (pricing, tax, credit, "
                "availability) at %s req/s" % _num(rate),
                "ours": _latency(ours, rate=rate),
                "baseline": "JSON-RPC create + confirm "
                + _latency(baseline, rate=rate),
                "ratio": "p95 %s"
                % _fmt_ratio(_ratio(ours["p95_ms"], baseline["p95_ms"])),
                "target": "p95 < 250 ms",
                "result": verdict(met),
            }
        ],
        "details": {
            "rate": rate,
            "seconds": seconds,
            "ours": ours,
            "baseline": baseline,
        },
        "notes": [
            "both paths confirm the order, which creates the delivery and releases "
            "its shipment to the TMS simulator (warehouse trigger 'order confirmed')"
        ],
    }


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
    return {
        "rows": [
            {
                "scenario": "Portal GET /shipments/{ref} (%s milestones) at %s req/s"
                % (milestones, _num(rate)),
                "ours": _latency(ours, rate=rate),
                "baseline": "/web/health " + _latency(health, rate=rate),
                "ratio": "p95 %s"
                % _fmt_ratio(_ratio(ours["p95_ms"], health["p95_ms"])),
                "target": "p95 < 25 ms",
                "result": verdict(met),
            }
        ],
        "details": {
            "rate": rate,
            "seconds": seconds,
            "milestones": milestones,
            "ours": ours,
            "health": health,
        },
    }


# ---------------------------------------------------------------------------
# release to the TMS simulator


def scenario_release(bench):
    sizes = bench.sizes
    by_protocol = {}
    for protocol, endpoint_id in (
        ("REST", bench.ids["endpoint_id"]),
        ("SOAP", bench.ids["soap_endpoint_id"]),
    ):
        by_protocol[protocol] = _release(bench, endpoint_id, sizes.release_shipments)
        bench.settle()
    rates = {p: r["shipments_per_second"] for p, r in by_protocol.items()}
    met = all((rate or 0) >= 100 for rate in rates.values()) and not any(
        r["timed_out"] for r in by_protocol.values()
    )
    return {
        "rows": [
            {
                "scenario": "Shipment release to the TMS simulator",
                "ours": "REST %s, SOAP %s (%s shipments each)"
                % (
                    _fmt_rate(rates["REST"], "shipments/s"),
                    _fmt_rate(rates["SOAP"], "shipments/s"),
                    sizes.release_shipments,
                ),
                "target": "≥ 100 shipments/s",
                "result": verdict(met),
            }
        ],
        "details": by_protocol,
    }


def _release(bench, endpoint_id, count):
    rpc = bench.rpc
    ids = []
    tomorrow = datetime.now().replace(microsecond=0) + timedelta(days=1)
    windows = {
        name: (tomorrow + timedelta(hours=hours)).isoformat(sep=" ")
        for name, hours in (
            ("requested_pickup_start", 8),
            ("requested_pickup_end", 12),
            ("requested_delivery_start", 32),
            ("requested_delivery_end", 41),
        )
    }
    chunk = 100
    for start in range(0, count, chunk):
        ids += rpc.execute(
            "logistics.shipment",
            "create",
            [
                {
                    "endpoint_id": endpoint_id,
                    "partner_id": bench.ids["customer_id"],
                    "shipper_id": bench.ids["company_partner_id"],
                    "consignee_id": bench.ids["customer_id"],
                    **windows,
                    "line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": bench.ids["product_id"],
                                "uom_id": bench.ids["product_uom_id"],
                                "quantity": 2,
                                "weight_kg": 25.0,
                            },
                        )
                    ],
                }
                for _n in range(start, min(start + chunk, count))
            ],
        )
    since = bench.max_message_id()
    started = time.monotonic()
    rpc.execute("logistics.shipment", "action_release", ids)
    released_at = time.monotonic()
    deadline = started + bench.sizes.release_bound
    while True:
        states = dict(
            bench.query(
                """SELECT state, count(*) FROM logistics_message
                    WHERE id > %s AND flow_code = 'shipment.release'
                    GROUP BY state""",
                (since,),
            )
        )
        finished = sum(states.get(s, 0) for s in FINISHED)
        if finished >= count or time.monotonic() > deadline:
            break
        time.sleep(POLL)
    seconds = time.monotonic() - started
    referenced = bench.query(
        "SELECT count(*) FROM logistics_shipment WHERE id IN %s "
        "AND tms_reference IS NOT NULL",
        (tuple(ids),),
    )[0][0]
    return {
        "shipments": count,
        "states": states,
        "with_tms_reference": referenced,
        "release_call_seconds": round(released_at - started, 2),
        "seconds": round(seconds, 2),
        "shipments_per_second": _rate(states.get("done", 0), seconds),
        "timed_out": finished < count,
    }


# ---------------------------------------------------------------------------
# burst


class BurstSender:
    """Sends burst batches, retrying like a TMS, and counts what happened."""

    def __init__(self, bench, deadline, retries=BURST_RETRIES):
        self.bench = bench
        self.deadline = deadline
        self.retries = retries
        self.lock = threading.Lock()
        self.accepted_ids = set()
        self.counts = dict.fromkeys(
            ("not_sent", "retries", "failed", "resent", "duplicates"), 0
        )
        self.resend_statuses = {}

    def bump(self, key, by=1):
        with self.lock:
            self.counts[key] += by

    def send(self, number, events):
        if time.monotonic() > self.deadline:
            self.bump("not_sent", len(events))
            return
        for _attempt in range(self.retries):
            status, answer = _post_raw(self.bench, events)
            if status == 202:
                with self.lock:
                    self.accepted_ids.update(
                        r["event_id"]
                        for r in answer
                        if r["status"] in ("accepted", "duplicate")
                    )
                break
            self.bump("retries")
            time.sleep(RETRY_PAUSE)
        else:
            self.bump("failed", len(events))
            return
        if number % BURST_RESEND_EVERY == 0:  # the TMS delivers it again
            status, answer = _post_raw(self.bench, events)
            self.bump("resent", len(events))
            with self.lock:
                self.resend_statuses[status] = self.resend_statuses.get(status, 0) + 1
            if status == 202:
                self.bump("duplicates", sum(r["status"] == "duplicate" for r in answer))


def _burst_send(bench, sender, started, shape=None):
    """Offer the burst at its rate; return when every request has returned.

    `shape`: (events, batch size, window), the burst's own by default.
    """
    sizes = bench.sizes
    total, size, window = shape or (
        sizes.burst_events,
        sizes.burst_batch,
        sizes.burst_window,
    )
    requests = math.ceil(total / size)
    interval = window / requests
    with ThreadPoolExecutor(max_workers=BURST_THREADS) as pool:
        sent = 0
        for number in range(requests):
            delay = started + number * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            count = min(size, total - sent)
            sent += count
            pool.submit(sender.send, number, bench.factory.batch(count, "burst"))
    return time.monotonic()


def _stored_event_ids(bench, since):
    """The event ids of the TMS events logged after message `since`."""
    return {
        row[0]
        for row in bench.query(
            "SELECT external_id FROM logistics_message WHERE id > %s AND flow_id = %s",
            (since, bench.flow_id),
        )
    }


def _doubled(bench, since):
    messages = bench.query(
        """SELECT count(*) FROM (SELECT external_id FROM logistics_message
            WHERE id > %s AND flow_id = %s GROUP BY external_id
           HAVING count(*) > 1) AS twice""",
        (since, bench.flow_id),
    )[0][0]
    milestones = bench.query(
        """SELECT count(*) FROM (SELECT message_id FROM logistics_shipment_milestone
            WHERE message_id > %s GROUP BY message_id HAVING count(*) > 1) AS twice""",
        (since,),
    )[0][0]
    return messages, milestones


def scenario_burst(bench):
    sizes = bench.sizes
    total, window = sizes.burst_events, sizes.burst_window
    since = bench.max_message_id()
    bench.stack.rss.reset()
    started = time.monotonic()
    sender = BurstSender(bench, started + window)
    send_end = _burst_send(bench, sender, started)
    stored_ids = _stored_event_ids(bench, since)
    waited = bench.wait_tms(since, len(stored_ids), sizes.burst_drain_bound)
    drain = waited["finished_at"] - send_end
    states = waited["states"]
    doubled_messages, doubled_milestones = _doubled(bench, since)
    doubled = doubled_messages + doubled_milestones
    accepted = len(sender.accepted_ids)
    lost = len(sender.accepted_ids - stored_ids) + sender.counts["failed"]
    not_applied = len(stored_ids) - states.get("done", 0) - states.get("stale", 0)
    rss = bench.stack.rss.summary()
    worker_peak = max(
        (
            v
            for k, v in rss.items()
            if k in ("http worker", "cron worker", "job runner")
        ),
        default=None,
    )
    checks = {
        "all offered events accepted in the window": accepted >= total,
        "0 lost": lost == 0,
        "0 applied twice": doubled == 0,
        "drained < 3 min": not waited["timed_out"] and drain < 180,
        "RSS < 1 GiB per worker": worker_peak is not None and worker_peak < MIB_PER_GIB,
    }
    drained = (
        "%.0f s" % drain
        if not waited["timed_out"]
        else "not drained after %.0f s (%s left)" % (drain, not_applied)
    )
    return {
        "rows": [
            {
                "scenario": "Burst: %s events offered in %s s, then drain"
                % (_num(total), _num(window)),
                "ours": "accepted %s in the window (%s); lost %s; applied twice %s; "
                "drain %s; peak RSS/worker %s MiB"
                % (
                    _num(accepted),
                    _fmt_rate(_rate(accepted, send_end - started)),
                    lost,
                    doubled,
                    drained,
                    _num(worker_peak),
                ),
                "target": "0 lost, 0 doubled, drained < 3 min, RSS < 1 GiB",
                "result": verdict(all(checks.values())),
            }
        ],
        "details": {
            "offered": total,
            "batch": sizes.burst_batch,
            "window_seconds": window,
            "sent_in_window": total - sender.counts["not_sent"],
            "accepted": accepted,
            "stored": len(stored_ids),
            "send_seconds": round(send_end - started, 1),
            "client": dict(sender.counts, resend_http_statuses=sender.resend_statuses),
            "lost": lost,
            "doubled_messages": doubled_messages,
            "doubled_milestones": doubled_milestones,
            "states_after_drain": states,
            "not_applied": not_applied,
            "drain_seconds": round(drain, 1),
            "drain_timed_out": waited["timed_out"],
            "peak_rss_mib": rss,
            "checks": checks,
        },
        "notes": [
            "requests that could not start within the window are not sent (the "
            "TMS would keep them); one batch in %s is delivered twice on purpose"
            % BURST_RESEND_EVERY
        ],
    }


def _restart_postgres(bench):
    """Restart the PostgreSQL cluster the stack runs on (Debian's tools, as
    root); return (seconds it took, database time once it answered again)."""
    ((cluster,),) = bench.query("SHOW cluster_name")
    version, _slash, name = cluster.partition("/")
    if not (version and name) or not shutil.which("pg_ctlcluster"):
        raise RuntimeError(
            "cannot restart PostgreSQL here: cluster %r, pg_ctlcluster %s"
            % (cluster, shutil.which("pg_ctlcluster") or "missing")
        )
    started = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", version, name, "restart"],
        check=True,
        capture_output=True,
        timeout=PG_RESTART_TIMEOUT,
    )
    ((back_at,),) = bench.query("SELECT now() AT TIME ZONE 'UTC'")
    return round(time.monotonic() - started, 1), back_at


def _crons_ran_since(bench, moment, bound):
    """Wait (bounded) until every active cron due each minute has run again
    after `moment`; return those that did not."""
    started = time.monotonic()
    while True:
        stale = bench.query(
            """SELECT cron_name FROM ir_cron
                WHERE active AND interval_type = 'minutes' AND interval_number = 1
                  AND (lastcall IS NULL OR lastcall < %s)""",
            (moment,),
        )
        if not stale or time.monotonic() - started > bound:
            return sorted(row[0] for row in stale)
        time.sleep(SETTLE_POLL)


def _started_jobs(bench, bound):
    """The uuids of the jobs running now; waits (bounded) for one to run."""
    started = time.monotonic()
    while True:
        uuids = [
            row[0]
            for row in bench.query("SELECT uuid FROM queue_job WHERE state = 'started'")
        ]
        if uuids or time.monotonic() - started > bound:
            return uuids
        time.sleep(POLL / 5)


def _jobs_left(bench, bound):
    """Wait (bounded) until no job waits or runs; return {state: count} left."""
    started = time.monotonic()
    while True:
        left = dict(
            bench.query(
                """SELECT state, count(*) FROM queue_job
                    WHERE state IN ('pending', 'enqueued', 'started')
                    GROUP BY state"""
            )
        )
        if not left or time.monotonic() - started > bound:
            return left
        time.sleep(SETTLE_POLL)


def scenario_fault_pg_restart(bench):
    """A burst with PostgreSQL restarted in its middle: senders get errors and
    retry, as a TMS does; every accepted event must be applied exactly once,
    and the crons must run again."""
    sizes = bench.sizes
    shape = (sizes.fault_events, sizes.fault_batch, sizes.fault_window)
    since = bench.max_message_id()
    started = time.monotonic()
    # A TMS retries until the database is back: a minute of retries.
    sender = BurstSender(bench, started + sizes.fault_window, retries=FAULT_RETRIES)
    restart = {}

    def restart_midway():
        time.sleep(sizes.fault_window / 2)
        # Restart while a job runs: the case where queue_job left jobs started.
        restart["cut_jobs"] = _started_jobs(bench, STARTED_JOB_WAIT)
        restart["seconds"], restart["back_at"] = _restart_postgres(bench)
        restart["after"] = round(time.monotonic() - started, 1)

    restarter = threading.Thread(target=restart_midway)
    restarter.start()
    send_end = _burst_send(bench, sender, started, shape)
    restarter.join()
    stored_ids = _stored_event_ids(bench, since)
    waited = bench.wait_tms(since, len(stored_ids), sizes.fault_drain_bound)
    drain = waited["finished_at"] - send_end
    states = waited["states"]
    doubled_messages, doubled_milestones = _doubled(bench, since)
    lost = len(sender.accepted_ids - stored_ids)
    not_applied = len(stored_ids) - sum(states.get(s, 0) for s in ("done", "stale"))
    idle_crons = _crons_ran_since(bench, restart["back_at"], CRON_RERUN_BOUND)
    stuck_jobs = _jobs_left(bench, sizes.fault_drain_bound)
    cut_jobs = dict(
        bench.query(
            "SELECT uuid, state FROM queue_job WHERE uuid = ANY(%s)",
            (restart["cut_jobs"],),
        )
    )
    checks = {
        "PostgreSQL restarted mid-burst": restart["after"] < send_end - started,
        "every event delivered (senders retried)": sender.counts["failed"] == 0,
        "0 lost": lost == 0,
        "0 applied twice": doubled_messages + doubled_milestones == 0,
        "every accepted event applied": not waited["timed_out"] and not_applied == 0,
        "crons ran again after the restart": not idle_crons,
        "no job left started or waiting": not stuck_jobs,
    }
    return {
        "rows": [
            {
                "scenario": "Fault: PostgreSQL restarted in a burst of %s events"
                % _num(sizes.fault_events),
                "ours": "restart %.1f s at %.0f s; lost %s; applied twice %s; "
                "not applied %s; drained %s"
                % (
                    restart["seconds"],
                    restart["after"],
                    lost,
                    doubled_messages + doubled_milestones,
                    not_applied,
                    "%.0f s" % drain
                    if not waited["timed_out"]
                    else "not after %.0f s" % drain,
                ),
                "target": "0 lost, 0 doubled, all applied, crons alive",
                "result": verdict(all(checks.values())),
            }
        ],
        "details": {
            "restart": {k: str(v) for k, v in restart.items()},
            "client": dict(sender.counts),
            "stored": len(stored_ids),
            "lost": lost,
            "doubled_messages": doubled_messages,
            "doubled_milestones": doubled_milestones,
            "states_after_drain": states,
            "not_applied": not_applied,
            "drain_seconds": round(drain, 1),
            "crons_not_run_after_restart": idle_crons,
            "jobs_running_at_restart_then": cut_jobs,
            "jobs_left_unfinished": stuck_jobs,
            "checks": checks,
        },
        "notes": [
            "jobs cut by the restart are requeued by the suite's lost-job cron "
            "(a minute's grace); the drain includes that wait"
        ],
    }


def _post_raw(bench, events):
    body, headers = bench.signer.request({"events": events})
    status, answer = bench.http.request("POST", WEBHOOK % REST_ENDPOINT, body, headers)
    return status, json.loads(answer)["results"] if status == 202 else []


# ---------------------------------------------------------------------------
# cost growth


def scenario_growth(bench):
    sizes = bench.sizes
    points = []
    top = sizes.base_shipments
    rng = random.Random(GROWTH_SEED)
    for level in sizes.growth_levels:
        started = time.monotonic()
        if level > top:
            _grow(bench, top + 1, level)
            top = level
        fresh = _untouched(bench, top)
        if len(fresh) < sizes.growth_events:
            # Earlier scenarios reached every shipment of the first level: add
            # as many as it needs, so that every level does the same work.
            _grow(bench, top + 1, top + sizes.growth_events)
            fresh += range(top + 1, top + sizes.growth_events + 1)
            top += sizes.growth_events
        seeded = round(time.monotonic() - started, 1)
        bench.settle()
        counts = seed.table_counts(bench.pg)
        references = [reference(n) for n in rng.sample(fresh, sizes.growth_events)]
        scans_before = _scans(bench)
        since = bench.max_message_id()
        started = time.monotonic()
        events = bench.factory.for_references(references, "growth%s" % level)
        batches = [
            events[i : i + sizes.apply_batch]
            for i in range(0, len(events), sizes.apply_batch)
        ]
        sent = send_batches(bench, batches, 2, sizes.growth_bound)
        waited = bench.wait_tms(since, sent["accepted"], sizes.growth_bound)
        wall = waited["finished_at"] - started
        (apply_span,) = bench.query(
            """SELECT extract(epoch FROM max(processed_at) - min(processed_at))
                 FROM logistics_message WHERE id > %s AND flow_id = %s""",
            (since, bench.flow_id),
        )[0]
        time.sleep(1)  # statistics are flushed at transaction end
        scans = _scan_delta(scans_before, _scans(bench))
        done = waited["states"].get("done", 0)
        points.append(
            {
                "level": level,
                "tables": counts,
                "seeded_seconds": seeded,
                "events": len(events),
                "done": done,
                "ms_per_event": round(wall * 1000 / max(done, 1), 2),
                "accept_ms_per_event": round(
                    sum(sent["request_seconds"]) * 1000 / max(len(events), 1), 2
                ),
                "apply_ms_per_event": round(
                    float(apply_span or 0) * 1000 / max(done, 1), 2
                ),
                "seq_scans": scans,
                "plans_with_seq_scan": {
                    query: tables
                    for query, tables in _plans(bench, top).items()
                    if tables
                },
                "timed_out": waited["timed_out"],
            }
        )
    first, last = points[0], points[-1]
    growth = (
        round(last["ms_per_event"] / first["ms_per_event"], 2)
        if first["ms_per_event"]
        else None
    )
    scanned = sorted(
        {
            "%s (%s)" % (query, ", ".join(tables))
            for query, tables in last["plans_with_seq_scan"].items()
            if set(tables) & set(BIG_TABLES)
        }
    )
    met = growth is not None and growth <= GROWTH_FLAT_FACTOR and not scanned
    return {
        "rows": [
            {
                "scenario": "Cost growth: time per event with %s shipments"
                % " / ".join(_short(p["tables"]["logistics_shipment"]) for p in points),
                "ours": " / ".join("%s ms" % p["ms_per_event"] for p in points)
                + (
                    "; sequential scan in %s" % "; ".join(scanned)
                    if scanned
                    else "; hot-path plans use indexes"
                ),
                "ratio": "%sx from first to last" % _num(growth) if growth else "n/a",
                "target": "flat (≤ %sx and no scan that grows with history)"
                % GROWTH_FLAT_FACTOR,
                "result": verdict(met),
            }
        ],
        "details": {"points": points, "growth_factor": growth, "scanned": scanned},
        "notes": [
            "each level adds bulk shipments (SQL) with one applied event and its "
            "milestone each, so the message log grows with the shipments; %s events "
            "per level go to shipments drawn uniformly from those no event of the "
            "run reached yet (the first level adds as many), so that each event does "
            "the same work at every level (its shipment's first status change); the "
            "hot-path statements are EXPLAINed at each level (details: "
            "plans_with_seq_scan; seq_scans are pg_stat deltas, harness polling "
            "included)" % sizes.growth_events
        ],
    }


def _grow(bench, first, last):
    """Bulk shipments ``first``..``last``, each with an applied event in its past."""
    seed.insert_shipments(
        bench.pg,
        bench.ids,
        first,
        last,
        with_history=True,
        then="2026-01-01 00:00:00",
    )
    # A table that grew over months has been vacuumed: so are these (hint bits
    # and visibility map set, statistics fresh).
    for table in BULK_TABLES:
        bench.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))


def _untouched(bench, top):
    """Numbers of the bulk shipments up to ``top`` no event of this run reached.

    Their next event is their first since the history seeded with them, so it
    does the same work at every level (a milestone, the ETA, a status change
    and its tracking message): the levels differ only in what the database
    holds.
    """
    touched = bench.factory.steps
    return [n for n in range(1, top + 1) if reference(n) not in touched]


def _plans(bench, level):
    """Tables each hot-path statement reads with a sequential scan (EXPLAIN)."""
    ref = reference(level)
    params = {
        "endpoint": bench.ids["endpoint_id"],
        "reference": ref,
        "flow": bench.flow_id,
        "keys": ("%s-x1" % ref, "%s-x2" % ref),
        "aggregate": "tms-shipment/%s" % ref,
        "shipments": (level,),
        "identity": "logistics-flow-tms.event",
    }
    answer = {}
    for name, statement in HOT_QUERIES.items():
        ((plan,),) = bench.query("EXPLAIN (FORMAT JSON) " + statement, params)
        answer[name] = sorted(_seq_scanned(plan[0]["Plan"]))
    return answer


def _seq_scanned(node):
    found = set()
    if node.get("Node Type") == "Seq Scan":
        found.add(node["Relation Name"])
    for child in node.get("Plans", []):
        found |= _seq_scanned(child)
    return found


def _short(count):
    if count >= 1_000_000:
        return "%gM" % round(count / 1_000_000, 2)
    if count >= 1_000:
        return "%gk" % round(count / 1_000, 1)
    return str(count)


def _scans(bench):
    rows = bench.query(
        """SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0)
             FROM pg_stat_user_tables WHERE relname IN %s""",
        (BIG_TABLES,),
    )
    return {name: (seq, read, idx) for name, seq, read, idx in rows}


def _scan_delta(before, after):
    return {
        name: {
            "seq_scan": after[name][0] - before.get(name, (0, 0, 0))[0],
            "seq_tup_read": after[name][1] - before.get(name, (0, 0, 0))[1],
            "idx_scan": after[name][2] - before.get(name, (0, 0, 0))[2],
        }
        for name in after
    }


# ---------------------------------------------------------------------------
# settlement (measured by bench/bench_settlement.py) and the profile


def scenario_settlement(_bench):
    path = SETTLEMENT_JSON
    if not path.is_file():
        return {
            "rows": [
                {
                    "scenario": "Settlement run, 10,000 charges",
                    "ours": "no bench/results/settlement.json",
                    "target": "< 60 s",
                    "result": NOT_RUN,
                }
            ],
            "details": {},
            "notes": ["run bench/bench_settlement.py to measure it"],
        }
    data = json.loads(path.read_text())
    seconds = data.get("settlement_seconds")
    met = seconds is not None and seconds < 60 and data.get("all_settled", True)
    return {
        "rows": [
            {
                "scenario": "Settlement run, %s charges" % _num(data.get("charges")),
                "ours": "%s s wall, %s bills created (%s customer invoices)"
                % (seconds, data.get("vendor_bills"), data.get("customer_invoices")),
                "target": "< 60 s",
                "result": verdict(met),
            }
        ],
        "details": data,
        "notes": [
            "from bench/results/settlement.json (bench/bench_settlement.py, %s; "
            "mode: %s), not measured by run.py" % (data.get("date"), data.get("mode"))
        ],
    }


def scenario_profile(bench):
    out = bench.results_dir / "profile"
    sizes = bench.sizes
    figures = bench.stack.shell(
        Path(__file__).resolve().parent / "shell_profile.py",
        {
            "output": str(out),
            "batch": sizes.profile_batch,
            "references": [reference(n) for n in range(1, 51)],
            "portal_shipment": bench.ids["portal_shipment"],
            "reads": sizes.profile_reads,
            "orders": sizes.profile_orders,
            "customer_id": bench.ids["customer_id"],
            "product_code": bench.ids["product_code"],
        },
        "profile",
    )
    return {
        "rows": [
            {
                "scenario": "Profile (cProfile, in-process, rolled back)",
                "ours": "; ".join(
                    "%s %s ms/item, %s queries/item"
                    % (name, f["ms_per_item"], f["queries_per_item"])
                    for name, f in figures.items()
                ),
                "target": INFO,
                "result": INFO,
            }
        ],
        "details": dict(figures, files=str(out)),
        "notes": ["tables in %s, read in bench/PROFILE.md" % out.name],
    }


SCENARIOS = {
    "apply": scenario_apply,
    "accept": scenario_accept,
    "webhook_latency": scenario_webhook_latency,
    "visibility": scenario_visibility,
    "orders": scenario_orders,
    "shipment_get": scenario_shipment_get,
    "release": scenario_release,
    "burst": scenario_burst,
    "fault_pg_restart": scenario_fault_pg_restart,
    "settlement": scenario_settlement,
    "growth": scenario_growth,
    "profile": scenario_profile,
}
DEFAULT_ORDER = tuple(SCENARIOS)

__all__ = ["DEFAULT_ORDER", "HIT", "MISSED", "SCENARIOS", "Bench", "Sizes"]
