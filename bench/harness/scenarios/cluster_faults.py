"""Faults in a burst on 2 nodes behind HAProxy (issue 18): PostgreSQL
restarted (``fault_pg_restart_multi``) and a job worker SIGKILLed in the
middle of a chunk (``fault_worker_kill``).

Both run the burst of ``multinode.burst_with_fault`` (the one of
``fault_node_kill``) and differ only in the fault and its own checks.
"""

import os
import signal
import time

from .common import POLL
from .fault_pg_restart import (
    CRON_RERUN_BOUND,
    STARTED_JOB_WAIT,
    _crons_ran_since,
    _restart_postgres,
    _started_jobs,
)
from .multinode import burst_with_fault, job_states, wait_runner
from .result import ScenarioResult

WORKER_JOB_WAIT = 60  # seconds the kill waits for a batch job of the flow to run


def _shape(sizes):
    return (sizes.multi_fault_events, sizes.multi_fault_batch, sizes.multi_fault_window)


# ---------------------------------------------------------------------------
# fault_pg_restart_multi


def _restart_pg(bench, _cluster, started, outcome):
    """Restart PostgreSQL once a job runs (queue_job is left with started
    jobs); wait for a runner to hold the lock again."""
    outcome["cut_jobs"] = _started_jobs(bench, STARTED_JOB_WAIT)
    moment = time.monotonic()
    outcome["fault_at"] = round(moment - started, 1)
    outcome["restart_seconds"], outcome["back_at"] = _restart_postgres(bench)
    outcome["runner_after_restart"] = wait_runner(bench)
    outcome["runner_back_seconds"] = round(time.monotonic() - moment, 1)


def scenario_fault_pg_restart_multi(bench):
    """A burst through HAProxy onto 2 nodes with PostgreSQL restarted in its
    middle: both nodes lose every connection, senders get 5xx or connection
    errors and retry, a runner takes the lock again, jobs cut are requeued;
    every accepted event applied once, every shipment in its final state,
    every per-minute cron running again."""
    sizes = bench.sizes
    run = burst_with_fault(
        bench, "pgmulti", _shape(sizes), sizes.multi_fault_drain_bound, _restart_pg
    )
    restart = run.outcome
    idle_crons = (
        _crons_ran_since(bench, restart["back_at"], CRON_RERUN_BOUND)
        if "back_at" in restart
        else None
    )
    checks = {
        "PostgreSQL restarted mid-burst": run.fault_in_burst(),
        "a runner holds the lock again": restart.get("runner_after_restart")
        is not None,
        "crons ran again after the restart": idle_crons == [],
        **run.checks(),
    }
    return ScenarioResult(
        details={
            **run.details(),
            "restart": {
                key: value if isinstance(value, (int, float)) else str(value)
                for key, value in restart.items()
                if key != "cut_jobs"
            },
            "jobs_running_at_restart_then": job_states(
                bench, restart.get("cut_jobs") or []
            ),
            "crons_not_run_after_restart": idle_crons,
            "checks": checks,
        }
    )


# ---------------------------------------------------------------------------
# fault_worker_kill


def _running_batch_jobs(bench):
    """(uuid, worker pid) of the tms.event flow's batch jobs running now
    (queue_job stores ``args`` as a JSON text inside its jsonb column)."""
    return bench.query(
        """SELECT uuid, worker_pid FROM queue_job
            WHERE state = 'started' AND method_name = '_job_process_pending'
              AND (args #>> '{}')::jsonb -> 0 = to_jsonb(%s::int)
              AND worker_pid IS NOT NULL""",
        (bench.flow_id,),
    )


def worker_of(groups, pid):
    """The node (a key of ``groups``, {node: pids}) whose process ``pid`` is,
    or None: only a node's worker is killed, never another process."""
    return next((node for node, pids in groups.items() if pid in pids), None)


def _kill_job_worker(bench, cluster, started, outcome):
    """SIGKILL the worker process running a batch job of the tms.event flow
    (queue_job's ``worker_pid`` of the started job), once one runs; the
    node's master forks a new worker, the job stays ``started`` until the
    suite's lost-job cron requeues it."""
    deadline = time.monotonic() + WORKER_JOB_WAIT
    while True:
        nodes = {node.name: node.pids() for node in cluster.nodes}
        found = [
            (uuid, pid, worker_of(nodes, pid))
            for uuid, pid in _running_batch_jobs(bench)
        ]
        found = [row for row in found if row[2] is not None]
        if found:
            break
        if time.monotonic() > deadline:
            raise RuntimeError("no batch job ran within %ss" % WORKER_JOB_WAIT)
        time.sleep(POLL / 5)
    uuid, pid, node = found[0]
    os.kill(pid, signal.SIGKILL)
    outcome["fault_at"] = round(time.monotonic() - started, 1)
    outcome.update(job=uuid, worker_pid=pid, node=node)
    # Still ``started`` by the killed worker: it died in the middle of the job.
    ((state, worker),) = bench.query(
        "SELECT state, worker_pid FROM queue_job WHERE uuid = %s", (uuid,)
    )
    outcome["killed_mid_job"] = state == "started" and worker == pid


def scenario_fault_worker_kill(bench):
    """A burst through HAProxy onto 2 nodes; in its middle, the worker
    process running a batch job of the TMS events is SIGKILLed in the middle
    of its chunk (the chunk's savepoint and transaction die with it): the job
    is requeued by the suite's lost-job cron and run again; every accepted
    event applied once, every shipment in its final state."""
    sizes = bench.sizes
    run = burst_with_fault(
        bench,
        "workerkill",
        _shape(sizes),
        sizes.multi_fault_drain_bound,
        _kill_job_worker,
    )
    kill = run.outcome
    job = kill.get("job")
    rerun = (
        bench.query(
            "SELECT state, retry, result FROM queue_job WHERE uuid = %s", (job,)
        )
        if job
        else []
    )
    killed_job = (
        dict(zip(("state", "retry", "result"), rerun[0], strict=True)) if rerun else {}
    )
    checks = {
        "a job worker killed mid-job in the burst": run.fault_in_burst()
        and bool(kill.get("killed_mid_job")),
        "the killed job re-run to its end": killed_job.get("state") == "done",
        **run.checks(),
    }
    return ScenarioResult(
        details={
            **run.details(),
            "kill": kill,
            "killed_job_after_drain": killed_job,
            "checks": checks,
        }
    )
