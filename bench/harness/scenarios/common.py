"""What the scenarios share: the sizes, the bench (stack, clients, SQL), the
senders of event batches."""

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg2

from .. import load
from ..events import EventFactory, Signer, reference

WEBHOOK = "/logistics/tms/%s/events"
API = "/api/logistics/v1"
HEALTH = "/web/health"
JOB_RUN = "/queue_job/runjob"  # queue_job's runner runs each job through it
REST_ENDPOINT = "bench"
POLL = 0.25
SETTLE_POLL = 0.5
RETRY_PAUSE = 1.0
PG_RECONNECT_BOUND = 120  # seconds the harness waits for PostgreSQL to answer
SENDERS = 4
FINISHED = ("done", "stale", "dead")


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
    scale_events: int = 20_000
    scale_batch: int = 500
    scale_bound: float = 300
    scale_drain_bound: float = 600
    node_kill_events: int = 100_000
    node_kill_window: float = 60
    node_kill_batch: int = 500
    node_kill_down_seconds: float = 10
    node_kill_drain_bound: float = 900
    multi_fault_events: int = 100_000
    multi_fault_window: float = 60
    multi_fault_batch: int = 500
    multi_fault_drain_bound: float = 900
    tms_down_shipments: int = 300
    tms_down_seconds: float = 300
    tms_down_drain_bound: float = 1200
    growth_levels: tuple = (10_000, 100_000, 1_000_000)
    growth_events: int = 1_000
    growth_bound: float = 300
    settle_bound: float = 600
    profile_batch: int = 200
    profile_reads: int = 50
    profile_orders: int = 10
    report_shipments: int = 1_000_000

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
                scale_events=1_000,
                scale_batch=100,
                scale_bound=60,
                scale_drain_bound=120,
                node_kill_events=2_000,
                node_kill_window=20,
                node_kill_batch=100,
                node_kill_down_seconds=3,
                node_kill_drain_bound=420,
                multi_fault_events=2_000,
                multi_fault_window=20,
                multi_fault_batch=100,
                multi_fault_drain_bound=420,
                tms_down_shipments=20,
                tms_down_seconds=20,
                tms_down_drain_bound=240,
                growth_levels=(500, 2_000),
                growth_events=100,
                growth_bound=120,
                settle_bound=120,
                profile_batch=20,
                profile_reads=5,
                profile_orders=2,
                report_shipments=20_000,
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
                    "scale_events",
                    "release_shipments",
                    "tms_down_shipments",
                    "growth_events",
                    "report_shipments",
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
                    "scale_bound",
                    "scale_drain_bound",
                    "node_kill_drain_bound",
                    "multi_fault_drain_bound",
                    "tms_down_drain_bound",
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

    def post_event_results(self, events, single=False, endpoint=REST_ENDPOINT):
        """POST events to the webhook: (HTTP status, one result per event)."""
        body, headers = self.signer.request(events[0] if single else {"events": events})
        status, answer = self.http.request("POST", WEBHOOK % endpoint, body, headers)
        return status, json.loads(answer)["results"] if status == 202 else []

    def post_events(self, events, single=False, endpoint=REST_ENDPOINT):
        """POST events to the webhook: (HTTP status, count per outcome)."""
        status, results = self.post_event_results(events, single, endpoint)
        outcomes = {}
        for result in results:
            outcomes[result["status"]] = outcomes.get(result["status"], 0) + 1
        return status, outcomes

    def api_get(self, path):
        return self.http.request(
            "GET", API + path, headers={"X-API-Key": self.ids["api_key"]}
        )


def _rate(count, seconds):
    return round(count / seconds, 1) if seconds > 0 else None


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


def _open(bench, rate, seconds, call):
    records, _started = load.open_loop(rate, int(rate * seconds), seconds, call)
    return records
