#!/usr/bin/env python3
"""Benchmark the logistics suite: our paths against their baselines, one run.

    .venv/bin/python bench/run.py [--smoke] [--scenarios a,b,...] [--scale N]

Creates its own database (``logistics_bench_<pid>``, the whole suite
installed), seeds it, starts the TMS simulator and Odoo in prefork mode
(2 HTTP workers, a cron worker, the queue_job runner) on 127.0.0.1, runs the
scenarios, stops everything (also on Ctrl-C or an error), drops the database
and writes ``results.json`` and ``results.md`` (also printed). See
bench/README.md.

Exit code: 0 when every scenario ran (a missed target is a result, reported
as MISSED), 1 when a scenario failed to run, 2 when the set-up failed.
"""

import argparse
import os
import signal
import sys
import time
import traceback
from datetime import datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from harness import report, seed  # noqa: E402  (the harness lives next to this file)
from harness.cluster import PortPool  # noqa: E402
from harness.job_node import JOB_NODE_WORKERS, JobNode  # noqa: E402
from harness.scenarios import (  # noqa: E402
    DEFAULT_ORDER,
    SCENARIOS,
    Bench,
    ScenarioResult,
    Sizes,
)
from harness.stack import (  # noqa: E402
    CRON_THREADS,
    HTTP_WORKERS,
    JOB_CHANNELS,
    REPO,
    Stack,
    StackError,
)

RESULTS = BENCH / "results"
SMOKE_RESULTS = RESULTS / "smoke"
PORTAL_MILESTONES = 20
WEBHOOK_SECRET_BYTES = 24
HISTORY_AGE = timedelta(days=8)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Scenarios: %s." % ", ".join(DEFAULT_ORDER),
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes and short windows (minutes): checks the harness works; "
        "results go to bench/results/smoke/",
    )
    parser.add_argument(
        "--scenarios",
        help="comma-separated subset, in the given order (default: all)",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiplies event and shipment counts (and time bounds above 1); "
        "below 1 also drops the cost-growth levels above 1M x scale",
    )
    parser.add_argument(
        "--results-dir", type=Path, help="where results.json/results.md go"
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="do not drop the database at the end"
    )
    parser.add_argument(
        "--db",
        help="name of the database the run creates and drops "
        "(default: logistics_bench_<pid>)",
    )
    parser.add_argument(
        "--ports",
        type=_port_pool,
        help="FIRST-LAST: the TCP ports every process of the run listens on "
        "(Odoo nodes, HAProxy, simulator) come from this range "
        "(default: any free port)",
    )
    parser.add_argument(
        "--job-node",
        action="store_true",
        help="run the jobs on a job node of their own (a second Odoo on the "
        "database, no cron, no runner; deploy/odoo-job-node.conf): the "
        "runner sends /queue_job/runjob there, not to the HTTP workers",
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in (args.scenarios or "").split(",") if n.strip()]
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        parser.error("unknown scenario(s): %s" % ", ".join(unknown))
    args.names = names or list(DEFAULT_ORDER)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    if args.results_dir is None:
        args.results_dir = SMOKE_RESULTS if args.smoke else RESULTS
    if args.db is None:
        args.db = "logistics_bench_%s" % os.getpid()
    return args


def _port_pool(text):
    try:
        return PortPool.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def say(text):
    print("==> %s" % text, flush=True)


def _stop_on_sigterm(_signum, _frame):
    raise SystemExit(143)  # unwinds through the finally blocks: cleanup runs


def prepare(stack, sizes, log):
    """Database, simulator, seed data, Odoo; return (seeded ids, secret)."""
    stack.write_config()
    log("creating database %s with the suite (logs: %s)" % (stack.db, stack.log_dir))
    stack.create_database()
    log("starting the TMS simulator")
    stack.start_simulator()
    secret = os.urandom(WEBHOOK_SECRET_BYTES).hex()
    log("seeding (odoo shell)")
    ids = stack.shell(
        seed.SHELL_SEED,
        {
            "simulator_url": stack.simulator_url,
            "api_key": stack.simulator_api_key,
            "webhook_secret": secret,
            "portal_milestones": PORTAL_MILESTONES,
        },
        "seed",
    )
    log("inserting %s released shipments (SQL)" % sizes.base_shipments)
    connection = stack.pg()
    try:
        seed.insert_shipments(
            connection,
            ids,
            1,
            sizes.base_shipments,
            with_history=True,
            then=datetime.now() - HISTORY_AGE,
        )
    finally:
        connection.close()
    log(
        "starting Odoo (prefork, %s HTTP workers + job runner)%s"
        % (
            HTTP_WORKERS,
            ""
            if stack.job_node is None
            else " and its job node (%s workers)" % JOB_NODE_WORKERS,
        )
    )
    stack.start_odoo()
    return ids, secret


def run_scenarios(bench, names, log, contention):
    outcomes = {}
    for name in names:
        log("scenario %s" % name)
        started = time.monotonic()
        point = contention.mark()
        try:
            outcome = SCENARIOS[name](bench)
            outcome.rows = report.rows(name, outcome.details, bench.sizes)
            outcome.notes = report.notes(name, outcome.details, bench.sizes)
        except Exception as err:  # report it and go on with the next scenario
            traceback.print_exc()
            outcome = ScenarioResult(
                details={"error": repr(err)}, rows=report.error_rows(name, err)
            )
        outcome.seconds = round(time.monotonic() - started, 1)
        outcome.contention = contention.since(point)
        outcome.settled_seconds = bench.settle()
        outcomes[name] = outcome.as_dict()
        for row in outcome.rows:
            log("  %s: %s [%s]" % (row["scenario"], row.get("ours"), row["result"]))
    return outcomes


def new_results(args, stack, sizes):
    return {
        "run": {
            "started": report.now(),
            "command": " ".join(["bench/run.py", *args.argv]),
            "database": stack.db,
            "scale": args.scale,
            "smoke": args.smoke,
            "scenarios": args.names,
            "http_workers": HTTP_WORKERS,
            "cron_workers": CRON_THREADS,
            "job_channels": JOB_CHANNELS,
            # Where the jobs run: the HTTP workers, or a job node's.
            "job_node_workers": JOB_NODE_WORKERS if args.job_node else None,
            "git": report.git_revision(REPO),
            "sizes": sizes.__dict__,
        },
        "machine": {},
        "scenarios": {},
        "table": [],
    }


def benchmark(args, stack, sizes, results):
    """Set up, run the scenarios, fill ``results``; return the exit code."""
    results["run"]["load_before"] = report.load_snapshot(own_pids={os.getpid()})
    ids, secret = prepare(stack, sizes, say)
    connection = stack.pg()
    try:
        results["machine"] = report.machine(connection)
    finally:
        connection.close()
    bench = Bench(
        stack,
        ids,
        secret,
        sizes=sizes,
        run_tag="b%s" % os.getpid(),
        results_dir=args.results_dir,
    )
    contention = report.Contention(lambda process: _is_ours(stack, process))
    contention.start()
    point = contention.mark()
    try:
        outcomes = run_scenarios(bench, args.names, say, contention)
    finally:
        results["run"]["contention"] = contention.since(point)
        contention.stop()
    results["scenarios"] = outcomes
    results["table"] = [row for o in outcomes.values() for row in o["rows"]]
    results["run"]["peak_rss_mib"] = stack.rss.summary()
    if stack.job_node is not None:
        results["run"]["job_node_peak_rss_mib"] = stack.job_node.rss.summary()
    results["run"]["load_after"] = report.load_snapshot(own_pids=_own_pids(stack))
    return 1 if any(row["result"] == report.ERROR for row in results["table"]) else 0


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    sizes = Sizes.for_run(args.scale, args.smoke)
    stack = Stack(args.db, args.results_dir / "logs", ports=args.ports)
    if args.job_node:
        stack.job_node = JobNode(stack)
    started = time.monotonic()
    results = new_results(args, stack, sizes)
    code = 2
    try:
        code = benchmark(args, stack, sizes, results)
    except StackError as err:
        print("bench: set-up failed: %s" % err, file=sys.stderr)
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        code = 130
    finally:
        say("stopping Odoo and the simulator, dropping %s" % stack.db)
        for problem in stack.close(keep_db=args.keep_db):
            print("bench: clean-up: %s" % problem, file=sys.stderr)
        results["run"]["odoo_time_v"] = stack.time_report()
        results["run"]["seconds"] = round(time.monotonic() - started, 1)
        results["run"]["exit_code"] = code
        table = report.write(results, args.results_dir)
    print(table, flush=True)
    say("results: %s" % (args.results_dir / "results.json"))
    return code


def _is_ours(stack, process):
    """The benchmark's processes: this one, Odoo, the simulator, and the
    PostgreSQL backends of its database (their title names it)."""
    if process.pid == os.getpid():
        return True
    if stack.simulator is not None and process.pid == stack.simulator.pid:
        return True
    cmdline = " ".join(process.info.get("cmdline") or ())
    return str(stack.data_dir) in cmdline or stack.db in cmdline


def _own_pids(stack):
    master = stack.odoo_master()
    pids = {os.getpid()}
    if stack.simulator is not None:
        pids.add(stack.simulator.pid)
    if stack.odoo is not None:
        pids.add(stack.odoo.pid)
    if master is not None:
        pids |= {master.pid, *(p.pid for p in master.children(recursive=True))}
    if stack.job_node is not None:
        pids |= stack.job_node.pids()
    return pids


if __name__ == "__main__":
    sys.exit(main())
