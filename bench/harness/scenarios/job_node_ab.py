"""Jobs on the HTTP workers or on a job node: the same run, in turn.

The stack's Odoo is restarted without a job node, with one
(``harness.job_node``) and with one at a lower CPU priority, in turn
(ABCCBA...), on the same database; each
time the ``webhook_latency`` and ``accept`` scenarios run, and the CPU each
group of processes used meanwhile is sampled (front node, job node,
PostgreSQL backends of the run, everything else on the machine). The stack
ends as it started.
"""

import contextlib
import json
import time
from pathlib import Path

import psutil

from .. import cluster as multi
from ..job_node import JobNode
from .accept import scenario_accept
from .result import ScenarioResult
from .webhook_latency import scenario_webhook_latency

WITHOUT, WITH, WITH_NICE = "http workers", "job node", "job node, nice 10"
# The job node shares this machine's cores with the front node: a third mode
# runs it at a lower CPU priority (what separate hosts would give for free).
NICE_JOB_NODE = 10


def scenario_job_node_ab(bench):
    stack = bench.stack
    standing = stack.job_node
    spare = standing or JobNode(stack)
    runs = []
    partial = Path(bench.results_dir) / "job_node_ab.partial.json"
    try:
        for repetition in range(bench.sizes.ab_repetitions):
            modes = (WITHOUT, WITH, WITH_NICE)
            for mode in modes if repetition % 2 == 0 else reversed(modes):
                spare.niceness = NICE_JOB_NODE if mode == WITH_NICE else 0
                switch(stack, None if mode == WITHOUT else spare)
                runs.append(dict(measure(bench), mode=mode, repetition=repetition + 1))
                # What was measured survives a later failure of the scenario.
                partial.write_text(json.dumps(runs, indent=1, default=str))
    except Exception:
        # The stack as it started, for the next scenarios (on Ctrl-C or
        # SIGTERM the run stops: run.py cleans up, no restart).
        restore(stack, spare, standing)
        raise
    restore(stack, spare, standing)
    return ScenarioResult(details={"runs": runs, "summary": summarize(runs)})


def restore(stack, spare, standing):
    spare.niceness = 0
    with contextlib.suppress(Exception):
        switch(stack, standing)


def switch(stack, job_node):
    """Restart the stack's Odoo with ``job_node`` (or none) taking the jobs;
    the logs of before are kept (``*.before-cluster-<n>.log``)."""
    stack.stop_odoo()
    multi.keep_log(stack)
    stack.set_job_node(job_node)
    stack.start_odoo()


def measure(bench):
    """webhook_latency then accept, each with the CPU used meanwhile."""
    out = {}
    for name, scenario in (
        ("webhook_latency", scenario_webhook_latency),
        ("accept", scenario_accept),
    ):
        total_before = _machine_busy()
        with multi.CpuGroups(lambda: _groups(bench.stack)) as cpu:
            started = time.monotonic()
            details = scenario(bench).details
            seconds = time.monotonic() - started
        busy = _machine_busy() - total_before
        used = cpu.seconds()
        used["others"] = round(max(0.0, busy - sum(used.values())), 1)
        out[name] = dict(
            details,
            cpu_cores={g: round(s / seconds, 2) for g, s in used.items()},
            window_seconds=round(seconds, 1),
        )
        bench.settle()
    return out


def _groups(stack):
    groups = {"front node": stack.pids(), "postgres": multi.postgres_pids(stack.db)}
    groups["load generator"] = {psutil.Process().pid}
    if stack.job_node is not None:
        groups["job node"] = stack.job_node.pids()
    return groups


def _machine_busy():
    times = psutil.cpu_times()
    return times.user + times.nice + times.system + times.irq + times.softirq


def summarize(runs):
    """Per mode: the webhook's p50/p95/p99 and /web/health's, each run."""
    summary = {}
    for run in runs:
        latency = run["webhook_latency"]
        row = summary.setdefault(
            run["mode"],
            {
                "webhook_p95_ms": [],
                "health_p95_ms": [],
                "ratio_p95": [],
                "accepted_per_second": [],
            },
        )
        ours, health = latency["ours"], latency["health"]
        row["webhook_p95_ms"].append(ours["p95_ms"])
        row["health_p95_ms"].append(health["p95_ms"])
        row["ratio_p95"].append(
            round(ours["p95_ms"] / health["p95_ms"], 1)
            if ours["p95_ms"] and health["p95_ms"]
            else None
        )
        row["accepted_per_second"].append(
            {
                size: batch["accepted_per_second"]
                for size, batch in run["accept"]["by_batch_size"].items()
            }
        )
    return summary
