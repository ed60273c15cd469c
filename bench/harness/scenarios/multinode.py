"""Several Odoo nodes behind HAProxy: throughput at 1 and 2 nodes
(``scale_out``) and a node SIGKILLed in a burst (``fault_node_kill``).

Both stop the single-node stack's Odoo for their duration (its job runner
would take part in the election) and start it again afterwards; the nodes
run on the same database, with the same seeded shipments and event factory.
"""

import contextlib
import os
import threading
import time
from dataclasses import dataclass

from .. import cluster as multi
from .. import load
from ..events import TIMELINE_STATUS
from ..waits import DatabaseWaits
from .burst import BurstSender, _burst_send, _drain_check
from .common import POLL, _lazy_batches, _rate
from .fault_pg_restart import FAULT_RETRIES, STARTED_JOB_WAIT, _jobs_left, _started_jobs
from .result import ScenarioResult

SCALE_SENDERS = 8  # closed loop: enough to keep 2 nodes' 4 workers busy
ELECTION_BOUND = 60  # seconds for a runner to hold queue_job's lock
ETA_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
NOT_SHOWN = ("cut_jobs", "fault_at")  # a node kill's outcome keys kept out


class TrackingSender(BurstSender):
    """A burst sender that also remembers what each event should leave on
    its shipment: (reference, sequence, ETA) by event id."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offered = {}

    def send(self, number, events):
        with self.lock:
            for event in events:
                self.offered[event["event_id"]] = (
                    event["aggregate"]["id"],
                    event["sequence"],
                    event["data"]["eta"],
                )
        super().send(number, events)

    def expected_states(self):
        """{reference: (status, ETA)} after the accepted events: those of its
        latest accepted event."""
        latest = {}
        for event_id in self.accepted_ids:
            reference, sequence, eta = self.offered[event_id]
            if reference not in latest or sequence > latest[reference][0]:
                latest[reference] = (sequence, eta)
        last = len(TIMELINE_STATUS) - 1
        return {
            reference: (TIMELINE_STATUS[min(sequence, last)], eta)
            for reference, (sequence, eta) in latest.items()
        }


def batch_jobs(bench, since):
    """The flows' batch jobs created since the database time ``since``: how
    many, how many found nothing to claim, and the longest wait between a
    job's end and the next one's start (a chain that broke waits for the
    per-minute dispatch cron)."""
    ((count, empty, gap),) = bench.query(
        """SELECT count(*), count(*) FILTER (WHERE result LIKE '0 %%'),
                  coalesce(max(gap), 0)::float
             FROM (SELECT result, extract(epoch FROM date_started
                          - lag(date_done) OVER (ORDER BY date_started)) AS gap
                     FROM queue_job
                    WHERE method_name = '_job_process_pending'
                      AND date_created >= %s) AS jobs""",
        (since,),
    )
    return {"count": count, "empty": empty, "longest_gap_seconds": round(gap, 1)}


def wrong_final_states(bench, expected):
    """The shipments whose status or ETA is not what ``expected`` says:
    ({reference: {"expected": ..., "found": ...}} for at most 20 of them,
    how many)."""
    if not expected:
        return {}, 0
    rows = bench.query(
        """SELECT tms_reference, status, to_char(eta, %s) FROM logistics_shipment
            WHERE tms_reference = ANY(%s)""",
        (ETA_FORMAT, list(expected)),
    )
    found = {reference: (status, eta) for reference, status, eta in rows}
    wrong = {
        reference: {"expected": list(want), "found": list(found.get(reference, ()))}
        for reference, want in expected.items()
        if found.get(reference) != want
    }
    shown = dict(sorted(wrong.items())[:20])
    return shown, len(wrong)


@contextlib.contextmanager
def single_node_stopped(bench):
    """The stack's own Odoo stopped for the block, started again after (its
    log of before kept as ``odoo-server.before-cluster-<n>.log``)."""
    stack = bench.stack
    stack.stop_odoo()
    ending = False
    try:
        yield
    except (KeyboardInterrupt, SystemExit):
        ending = True  # the run stops: run.py cleans up, no restart
        raise
    finally:
        multi.keep_log(stack)
        if not ending:
            stack.start_odoo()


@contextlib.contextmanager
def on_cluster(bench, size, tag):
    """The bench's HTTP client on a started cluster of ``size`` nodes (their
    logs: ``odoo-<tag>-node<n>.log``)."""
    cluster = multi.Cluster(bench.stack, size, bench.stack.ports, tag=tag)
    http = bench.http
    try:
        cluster.start()
        bench.http = cluster.http()
        yield cluster
    finally:
        bench.http = http
        for problem in cluster.close():
            print("bench: cluster clean-up: %s" % problem, flush=True)


def cpu_groups(bench, cluster):
    """CPU sampler of the run's process groups: each node, HAProxy, the
    PostgreSQL backends of the database, the simulator, this process (the
    load generator and the harness)."""
    stack = bench.stack

    def groups():
        found = cluster.pids()
        found["postgres"] = multi.postgres_pids(stack.db)
        found["load generator"] = {os.getpid()}
        if stack.simulator is not None:
            found["simulator"] = {stack.simulator.pid}
        return found

    return multi.CpuGroups(groups)


def wait_runner(bench, bound=ELECTION_BOUND, other_than=None):
    """The node holding queue_job's runner lock (not ``other_than``), once
    one does; None after ``bound`` seconds."""
    deadline = time.monotonic() + bound
    while True:
        node = multi.runner_node(bench)
        if node is not None and node != other_than:
            return node
        if time.monotonic() > deadline:
            return None
        time.sleep(POLL)


# ---------------------------------------------------------------------------
# scale_out


def _closed_loop_burst(bench, sender, total, size):
    """Every batch sent as soon as a sender is free (SCALE_SENDERS threads):
    the most the cluster accepts."""
    batches = _lazy_batches(bench, total, size, "scale")

    def task(number, events):
        sender.send(number, events)
        return {}

    tasks = (
        (lambda n=n, events=events: task(n, events))
        for n, events in enumerate(batches, 1)
    )
    load.closed_loop(SCALE_SENDERS, tasks, bench.sizes.scale_bound)
    return time.monotonic()


def _scale_phase(bench, size):
    sizes = bench.sizes
    with on_cluster(bench, size, "scale%s" % size) as cluster:
        runner = wait_runner(bench)
        ((db_started,),) = bench.query("SELECT now() AT TIME ZONE 'UTC'")
        since = bench.max_message_id()
        started = time.monotonic()
        sender = TrackingSender(bench, started + sizes.scale_bound)
        with (
            cpu_groups(bench, cluster) as cpu,
            DatabaseWaits(bench.stack.pg, bench.stack.db) as waits,
        ):
            send_end = _closed_loop_burst(
                bench, sender, sizes.scale_events, sizes.scale_batch
            )
            drained = _drain_check(
                bench, since, sender, send_end, sizes.scale_drain_bound
            )
        wall = drained["waited"]["finished_at"] - started
        wrong, wrong_count = wrong_final_states(bench, sender.expected_states())
        settled = bench.settle()
        jobs = batch_jobs(bench, db_started)
    applied = drained["states"].get("done", 0)
    cpu_seconds = cpu.seconds()
    return {
        "nodes": size,
        "channels": cluster.channels,
        "runner_node": runner,
        "offered": sizes.scale_events,
        "batch": sizes.scale_batch,
        "senders": SCALE_SENDERS,
        "accepted": len(sender.accepted_ids),
        "send_seconds": round(send_end - started, 1),
        "accepted_per_second": _rate(len(sender.accepted_ids), send_end - started),
        "applied": applied,
        "applied_per_second": _rate(applied, wall),
        "drain_seconds": round(drained["drain"], 1),
        "drain_timed_out": drained["waited"]["timed_out"],
        "client": dict(sender.counts),
        "lost": drained["lost"] + sender.counts["failed"],
        "doubled_messages": drained["doubled_messages"],
        "doubled_milestones": drained["doubled_milestones"],
        "not_applied": drained["not_applied"],
        "states_after_drain": drained["states"],
        "shipments_checked": len(sender.expected_states()),
        "wrong_final_states": wrong_count,
        "wrong_final_states_sample": wrong,
        "settled_seconds": settled,
        "batch_jobs": jobs,
        "cpu_seconds": cpu_seconds,
        "cpu_cores": {
            group: round(used / wall, 2) if wall > 0 else None
            for group, used in cpu_seconds.items()
        },
        "waits": waits.summary(),
    }


def scenario_scale_out(bench):
    """The same closed-loop burst on 1 node, then on 2 nodes, through
    HAProxy: events accepted and applied per second, drain, CPU by process
    group (where the bottleneck is)."""
    phases = {}
    with single_node_stopped(bench):
        for size in (1, 2):
            phases[str(size)] = _scale_phase(bench, size)
    checks = {
        "%s node(s): %s" % (size, name): ok
        for size, phase in phases.items()
        for name, ok in (
            ("0 lost", phase["lost"] == 0),
            (
                "0 applied twice",
                phase["doubled_messages"] + phase["doubled_milestones"] == 0,
            ),
            ("all applied", not phase["drain_timed_out"] and phase["not_applied"] == 0),
            ("final states right", phase["wrong_final_states"] == 0),
        )
    }
    one, two = phases["1"], phases["2"]
    return ScenarioResult(
        details={
            "phases": phases,
            "speedup_accepted": _ratio(
                two["accepted_per_second"], one["accepted_per_second"]
            ),
            "speedup_applied": _ratio(
                two["applied_per_second"], one["applied_per_second"]
            ),
            "cpu_count": os.cpu_count(),
            "checks": checks,
        }
    )


def _ratio(ours, base):
    return round(ours / base, 2) if ours and base else None


# ---------------------------------------------------------------------------
# a burst on 2 nodes with a fault in its middle (fault_node_kill and the
# scenarios of cluster_faults)


@dataclass
class FaultRun:
    """What a burst with a fault left: the sender, the drain's counts, the
    jobs and shipments checked after it, the fault's own ``outcome``."""

    offered: int
    window: float
    batch: int
    outcome: dict
    sender: TrackingSender
    drained: dict
    send_seconds: float
    stuck_jobs: dict
    wrong: dict
    wrong_count: int
    backends: dict
    batch_jobs: dict

    def details(self):
        """The figures every burst fault reports (its details' common keys)."""
        drained = self.drained
        return {
            "offered": self.offered,
            "window_seconds": self.window,
            "batch": self.batch,
            "client": dict(self.sender.counts),
            "accepted": len(self.sender.accepted_ids),
            "stored": len(drained["stored_ids"]),
            "send_seconds": self.send_seconds,
            "lost": drained["lost"],
            "doubled_messages": drained["doubled_messages"],
            "doubled_milestones": drained["doubled_milestones"],
            "states_after_drain": drained["states"],
            "not_applied": drained["not_applied"],
            "drain_seconds": round(drained["drain"], 1),
            "drain_timed_out": drained["waited"]["timed_out"],
            "jobs_left_unfinished": self.stuck_jobs,
            "shipments_checked": len(self.sender.expected_states()),
            "wrong_final_states": self.wrong_count,
            "wrong_final_states_sample": self.wrong,
            "haproxy_backends_at_end": self.backends,
            "batch_jobs": self.batch_jobs,
        }

    def checks(self):
        """The checks every burst fault must pass (each adds its own)."""
        drained = self.drained
        return {
            "every event delivered (senders retried)": self.sender.counts["failed"]
            == 0,
            "0 lost": drained["lost"] == 0,
            "0 applied twice": drained["doubled_messages"]
            + drained["doubled_milestones"]
            == 0,
            "every accepted event applied": not drained["waited"]["timed_out"]
            and drained["not_applied"] == 0,
            "every shipment in its final state": self.wrong_count == 0,
            "no job left started or waiting": not self.stuck_jobs,
            "both nodes up in HAProxy at the end": sorted(self.backends.values())
            == ["UP", "UP"],
        }

    def fault_in_burst(self):
        """The fault ran without error, before the last batch was sent."""
        moment = self.outcome.get("fault_at")
        return (
            "error" not in self.outcome
            and moment is not None
            and moment < self.send_seconds
        )


def burst_with_fault(bench, tag, shape, drain_bound, fault):
    """A burst of ``shape`` (events, batch, window) through HAProxy onto 2
    nodes (logs ``odoo-<tag>-node<n>.log``), senders retrying once a second
    for a minute; half-way through the window, ``fault(bench, cluster,
    started, outcome)`` runs in a thread (it records what it did in
    ``outcome``, ``fault_at``: seconds after the start). Then the drain and
    the checks: a :class:`FaultRun`."""
    total, batch, window = shape
    outcome = {}
    with single_node_stopped(bench), on_cluster(bench, 2, tag) as cluster:
        outcome["runner_at_start"] = wait_runner(bench)
        ((db_started,),) = bench.query("SELECT now() AT TIME ZONE 'UTC'")
        since = bench.max_message_id()
        started = time.monotonic()
        sender = TrackingSender(bench, started + window, retries=FAULT_RETRIES)

        def run_fault():
            try:
                time.sleep(window / 2)
                fault(bench, cluster, started, outcome)
            except Exception as err:  # reported in the details and the checks
                outcome["error"] = repr(err)

        thread = threading.Thread(target=run_fault)
        thread.start()
        send_end = _burst_send(bench, sender, started, shape)
        thread.join()
        drained = _drain_check(bench, since, sender, send_end, drain_bound)
        stuck_jobs = _jobs_left(bench, drain_bound)
        wrong, wrong_count = wrong_final_states(bench, sender.expected_states())
        outcome["runner_at_end"] = multi.runner_node(bench)
        backends = cluster.backend_states()
        jobs = batch_jobs(bench, db_started)
    return FaultRun(
        offered=total,
        window=window,
        batch=batch,
        outcome=outcome,
        sender=sender,
        drained=drained,
        send_seconds=round(send_end - started, 1),
        stuck_jobs=stuck_jobs,
        wrong=wrong,
        wrong_count=wrong_count,
        backends=backends,
        batch_jobs=jobs,
    )


def job_states(bench, uuids):
    """{uuid: state} of the queue_job rows ``uuids``."""
    return dict(
        bench.query(
            "SELECT uuid, state FROM queue_job WHERE uuid = ANY(%s)", (list(uuids),)
        )
    )


# ---------------------------------------------------------------------------
# fault_node_kill


def _kill_runner_node(bench, cluster, started, outcome):
    """Wait for a running job, SIGKILL the node of the elected runner (the
    worst case: the runner and its jobs go), wait for the survivor's runner
    to take over, restart the node."""
    sizes = bench.sizes
    outcome["cut_jobs"] = _started_jobs(bench, STARTED_JOB_WAIT)
    holder = multi.runner_node(bench)
    victim = next(
        (node for node in cluster.nodes if node.name == holder), cluster.nodes[-1]
    )
    outcome["runner_before"] = holder
    outcome["killed"] = victim.name
    cluster.kill_node(victim)
    killed = time.monotonic()
    outcome["killed_after"] = outcome["fault_at"] = round(killed - started, 1)
    outcome["runner_after_kill"] = wait_runner(bench, other_than=victim.name)
    outcome["takeover_seconds"] = round(time.monotonic() - killed, 1)
    time.sleep(max(0.0, sizes.node_kill_down_seconds - (time.monotonic() - killed)))
    cluster.start_node(victim)
    outcome["back_after"] = round(time.monotonic() - started, 1)


def scenario_fault_node_kill(bench):
    """A burst through HAProxy onto 2 nodes; one node SIGKILLed in its middle
    and started again: senders retry (HAProxy sends them to the survivor),
    jobs cut are requeued, and every accepted event is applied exactly once
    with every shipment in its final state."""
    sizes = bench.sizes
    run = burst_with_fault(
        bench,
        "kill",
        (sizes.node_kill_events, sizes.node_kill_batch, sizes.node_kill_window),
        sizes.node_kill_drain_bound,
        _kill_runner_node,
    )
    kill = run.outcome
    checks = {
        "node killed mid-burst and back": run.fault_in_burst(),
        "runner taken over by the survivor": kill.get("runner_after_kill")
        not in (None, kill.get("killed")),
        **run.checks(),
    }
    return ScenarioResult(
        details={
            **run.details(),
            "kill": {k: v for k, v in kill.items() if k not in NOT_SHOWN},
            "jobs_running_at_kill_then": job_states(bench, kill.get("cut_jobs") or []),
            "checks": checks,
        }
    )
