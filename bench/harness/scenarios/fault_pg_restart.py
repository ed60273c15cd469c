"""PostgreSQL restarts under load: nothing lost, nothing doubled."""

import shutil
import subprocess
import threading
import time

from .burst import BurstSender, _burst_send, _drain_check
from .common import POLL, SETTLE_POLL
from .result import ScenarioResult

FAULT_RETRIES = 60  # one a second: a TMS keeps trying while the database is away
PG_RESTART_TIMEOUT = 120
CRON_RERUN_BOUND = 180  # seconds for every per-minute cron to run again
STARTED_JOB_WAIT = 15  # seconds the restart waits for a job to be running


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
    drained = _drain_check(bench, since, sender, send_end, sizes.fault_drain_bound)
    stored_ids, waited, drain = (drained[k] for k in ("stored_ids", "waited", "drain"))
    states, lost, not_applied = (drained[k] for k in ("states", "lost", "not_applied"))
    doubled_messages = drained["doubled_messages"]
    doubled_milestones = drained["doubled_milestones"]
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
    return ScenarioResult(
        details={
            "restart": {k: str(v) for k, v in restart.items()},
            "client": dict(sender.counts),
            "stored": len(stored_ids),
            "lost": lost,
            "doubled_messages": doubled_messages,
            "doubled_milestones": doubled_milestones,
            "states_after_drain": states,
            "not_applied": not_applied,
            "drain_seconds": round(drain, 1),
            "drain_seconds_unrounded": drain,
            "drain_timed_out": waited["timed_out"],
            "crons_not_run_after_restart": idle_crons,
            "jobs_running_at_restart_then": cut_jobs,
            "jobs_left_unfinished": stuck_jobs,
            "checks": checks,
        },
    )
