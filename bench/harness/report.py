"""The machine a run used, and the results table (JSON + Markdown + RST): every
scenario's rows are written here from its measurements (``ROW_BUILDERS``);
the scenarios only measure."""

import json
import os
import platform
import subprocess
import threading
import time
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import psutil

import odoo.release

from .scenarios import burst, visibility

HIT, MISSED, NOT_RUN, INFO, ERROR = "met", "MISSED", "not run", "-", "ERROR"
ACHIEVED_SHARE = 0.9  # an open loop below 90 % of its rate says so
CONTENTION_SAMPLE = 1.0  # seconds of CPU sampling of the other processes
CONTENTION_PERIOD = 2.0
CONTENTION_NOTE = 0.2  # cores used by other processes worth a note
TOP_OTHERS = 5


class Contention:
    """CPU used by the benchmark's processes and by everything else, sampled.

    ``is_ours(process)`` tells the benchmark's processes (Odoo, simulator,
    load generator, the PostgreSQL backends of its database) from the rest.
    ``mark()`` returns a point to measure from; ``since(point)`` the average
    cores each side used since then.
    """

    def __init__(self, is_ours):
        self.is_ours = is_ours
        self.lock = threading.Lock()
        self.cpu = {}  # pid -> last cpu seconds
        self.totals = {"ours": 0.0, "others": 0.0}
        self.by_name = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.sample()
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self):
        while not self._stop.wait(CONTENTION_PERIOD):
            self.sample()

    def sample(self):
        for process in psutil.process_iter(["pid", "name", "cmdline", "cpu_times"]):
            info = process.info
            times = info.get("cpu_times")
            if times is None:
                continue
            used = times.user + times.system
            with self.lock:
                previous = self.cpu.get(info["pid"])
                self.cpu[info["pid"]] = used
                if previous is None:
                    continue
                delta = max(0.0, used - previous)
                side = "ours" if self.is_ours(process) else "others"
                self.totals[side] += delta
                if side == "others":
                    name = info.get("name") or "?"
                    self.by_name[name] = self.by_name.get(name, 0.0) + delta

    def mark(self):
        self.sample()
        with self.lock:
            return (time.monotonic(), dict(self.totals), dict(self.by_name))

    def since(self, point):
        started, totals, names = point
        now_point = self.mark()
        seconds = max(now_point[0] - started, 1e-6)
        busiest = sorted(
            (
                (name, used - names.get(name, 0.0))
                for name, used in now_point[2].items()
            ),
            key=lambda item: item[1],
            reverse=True,
        )[:TOP_OTHERS]
        return {
            "seconds": round(seconds, 1),
            "ours_cores": round((now_point[1]["ours"] - totals["ours"]) / seconds, 2),
            "others_cores": round(
                (now_point[1]["others"] - totals["others"]) / seconds, 2
            ),
            "busiest_others": [
                {"name": name, "cores": round(used / seconds, 2)}
                for name, used in busiest
                if used > 0
            ],
        }


def machine(connection):
    """CPU, memory, versions, load: recorded with every run."""
    with connection.cursor() as cr:
        cr.execute("SHOW server_version")
        postgres = cr.fetchone()[0]
    cpu_model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    return {
        "hostname": platform.node(),
        "os": "%s %s" % (platform.system(), platform.release()),
        "cpu_model": cpu_model,
        "nproc": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "odoo": odoo.release.version,
        "postgresql": postgres,
        "queue_job": _package_version("odoo-addon-queue_job"),
        "gnu_time": Path("/usr/bin/time").exists(),
    }


def load_snapshot(own_pids):
    """Load average and the busiest processes that are not the benchmark's own.

    Other work on the machine competes for its cores: the table says so.
    """
    others = []
    processes = [
        p for p in psutil.process_iter(["pid", "name"]) if p.pid not in own_pids
    ]
    for process in processes:
        try:
            process.cpu_percent(None)
        except psutil.Error:
            continue
    psutil.cpu_percent(None)
    time.sleep(CONTENTION_SAMPLE)
    for process in processes:
        try:
            share = process.cpu_percent(None)
            if share >= 1:
                others.append(
                    {"pid": process.pid, "name": process.name(), "cpu_percent": share}
                )
        except psutil.Error:
            continue
    others.sort(key=lambda item: item["cpu_percent"], reverse=True)
    return {
        "at": now(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "machine_cpu_percent": psutil.cpu_percent(None),
        "other_processes": others[:TOP_OTHERS],
    }


def now():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _package_version(name):
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def verdict(met):
    return HIT if met else MISSED


# ---------------------------------------------------------------------------
# the figures of the table's cells


def fmt_rate(value, unit="ev/s"):
    return "%s %s" % (fmt_num(value), unit) if value is not None else "n/a"


def fmt_num(value):
    if value is None:
        return "n/a"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def fmt_ratio(value):
    if value is None:
        return "n/a"
    return "%sx" % ("%.2g" % value if value < 1 else fmt_num(value))


def fmt_latency(summary, quantiles=("p50", "p95"), rate=None):
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
        text += " (only %s req/s achieved)" % fmt_num(summary["achieved_rate"])
    return text


def fmt_count(count):
    if count >= 1_000_000:
        return "%gM" % round(count / 1_000_000, 2)
    if count >= 1_000:
        return "%gk" % round(count / 1_000, 1)
    return str(count)


def _ratio(ours, baseline):
    if not ours or not baseline:
        return None
    return ours / baseline


# ---------------------------------------------------------------------------
# the rows of each scenario, from its details (and the run's sizes)

GROWTH_FLAT_FACTOR = 1.25


def apply_rows(details, sizes):
    ours, rpc = details["ours"], details["baseline_rpc"]
    single = details["baseline_single_job"]
    rate = ours["applied_per_second"]
    ratio_a = _ratio(rate, rpc["applied_per_second"])
    ratio_b = _ratio(rate, single["applied_per_second"])
    met = (
        (rate or 0) >= 1_000
        and (ratio_a or 0) >= 10
        and (ratio_b or 0) >= 20
        and not ours["timed_out"]
    )
    return [
        {
            "scenario": "TMS events applied (milestone + status + ETA), sustained",
            "ours": "%s (%s events, batches of %s)"
            % (fmt_rate(rate), fmt_num(ours["done"]), sizes.apply_batch),
            "baseline": "(a) JSON-RPC per event: %s; (b) job per event: %s"
            % (
                fmt_rate(rpc["applied_per_second"]),
                fmt_rate(single["applied_per_second"]),
            ),
            "ratio": "%s vs (a), %s vs (b)" % (fmt_ratio(ratio_a), fmt_ratio(ratio_b)),
            "target": "≥ 1,000 ev/s; ≥ 10x (a); ≥ 20x (b)",
            "result": verdict(met),
        }
    ]


def accept_rows(details, _sizes):
    by_batch = details["by_batch_size"]
    single_rate = details["single"]["accepted_per_second"]
    best_size, best = max(
        by_batch.items(), key=lambda item: item[1]["accepted_per_second"] or 0
    )
    rate = best["accepted_per_second"]
    met = (rate or 0) >= 5_000 and details["accepted_not_stored"] <= 0
    return [
        {
            "scenario": "Events accepted (durably stored, answered)",
            "ours": "%s (batch %s; %s)"
            % (
                fmt_rate(rate),
                best_size,
                ", ".join(
                    "%s: %s" % (size, fmt_num(b["accepted_per_second"]))
                    for size, b in by_batch.items()
                ),
            ),
            "baseline": "single-event webhook: %s" % fmt_rate(single_rate),
            "ratio": fmt_ratio(_ratio(rate, single_rate)),
            "target": "≥ 5,000 ev/s accepted",
            "result": verdict(met),
        }
    ]


def webhook_latency_rows(details, _sizes):
    rate, ours, health = details["rate"], details["ours"], details["health"]
    ratio = _ratio(ours["p95_ms"], health["p95_ms"])
    met = ratio is not None and ratio <= 2 and not ours["errors"]
    return [
        {
            "scenario": "Single-event webhook at %s req/s" % fmt_num(rate),
            "ours": fmt_latency(ours, ("p50", "p95", "p99"), rate),
            "baseline": "/web/health "
            + fmt_latency(health, ("p50", "p95", "p99"), rate),
            "ratio": "p95 %s" % fmt_ratio(ratio),
            "target": "p95 ≤ 2x /web/health p95",
            "result": verdict(met),
        }
    ]


def visibility_rows(details, _sizes):
    rate, webhooks = details["rate"], details["webhooks"]
    verified, missing = details["api_check"], details["not_visible_within_bound"]
    p95 = details["p95_ms_unrounded"]
    met = p95 is not None and p95 < 1000 and not missing and verified["ok"]
    return [
        {
            "scenario": "Webhook received → visible in GET /shipments/{ref}, "
            "%s ev/s" % fmt_num(rate),
            "ours": "p50/p95 %s/%s ms; %s of %s events checked in the API%s%s"
            % (
                details["p50_ms"],
                details["p95_ms"],
                verified["found"],
                verified["checked"],
                "; %s never visible" % missing if missing else "",
                "; webhooks: only %s req/s achieved"
                % fmt_num(webhooks["achieved_rate"])
                if (webhooks["achieved_rate"] or 0) < ACHIEVED_SHARE * rate
                else "",
            ),
            "target": "p95 < 1 s",
            "result": verdict(met),
        }
    ]


def orders_rows(details, _sizes):
    rate, ours, baseline = details["rate"], details["ours"], details["baseline"]
    met = ours["p95_ms"] is not None and ours["p95_ms"] < 250 and not ours["errors"]
    return [
        {
            "scenario": "Portal POST /orders (pricing, tax, credit, "
            "availability) at %s req/s" % fmt_num(rate),
            "ours": fmt_latency(ours, rate=rate),
            "baseline": "JSON-RPC create + confirm " + fmt_latency(baseline, rate=rate),
            "ratio": "p95 %s" % fmt_ratio(_ratio(ours["p95_ms"], baseline["p95_ms"])),
            "target": "p95 < 250 ms",
            "result": verdict(met),
        }
    ]


def shipment_get_rows(details, _sizes):
    rate, ours, health = details["rate"], details["ours"], details["health"]
    met = ours["p95_ms"] is not None and ours["p95_ms"] < 25 and not ours["errors"]
    return [
        {
            "scenario": "Portal GET /shipments/{ref} (%s milestones) at %s req/s"
            % (details["milestones"], fmt_num(rate)),
            "ours": fmt_latency(ours, rate=rate),
            "baseline": "/web/health " + fmt_latency(health, rate=rate),
            "ratio": "p95 %s" % fmt_ratio(_ratio(ours["p95_ms"], health["p95_ms"])),
            "target": "p95 < 25 ms",
            "result": verdict(met),
        }
    ]


def release_rows(details, _sizes):
    rates = {p: r["shipments_per_second"] for p, r in details.items()}
    met = all((rate or 0) >= 100 for rate in rates.values()) and not any(
        r["timed_out"] for r in details.values()
    )
    return [
        {
            "scenario": "Shipment release to the TMS simulator",
            "ours": "REST %s, SOAP %s (%s shipments each)"
            % (
                fmt_rate(rates["REST"], "shipments/s"),
                fmt_rate(rates["SOAP"], "shipments/s"),
                details["REST"]["shipments"],
            ),
            "target": "≥ 100 shipments/s",
            "result": verdict(met),
        }
    ]


def burst_rows(details, _sizes):
    drain = details["drain_seconds_unrounded"]
    drained = (
        "%.0f s" % drain
        if not details["drain_timed_out"]
        else "not drained after %.0f s (%s left)" % (drain, details["not_applied"])
    )
    worker_peak = max(
        (
            v
            for k, v in details["peak_rss_mib"].items()
            if k in ("http worker", "cron worker", "job runner")
        ),
        default=None,
    )
    return [
        {
            "scenario": "Burst: %s events offered in %s s, then drain"
            % (fmt_num(details["offered"]), fmt_num(details["window_seconds"])),
            "ours": "accepted %s in the window (%s); lost %s; applied twice %s; "
            "drain %s; peak RSS/worker %s MiB"
            % (
                fmt_num(details["accepted"]),
                fmt_rate(details["accepted_per_second"]),
                details["lost"],
                details["doubled_messages"] + details["doubled_milestones"],
                drained,
                fmt_num(worker_peak),
            ),
            "target": "0 lost, 0 doubled, drained < 3 min, RSS < 1 GiB",
            "result": verdict(all(details["checks"].values())),
        }
    ]


def fault_pg_restart_rows(details, sizes):
    restart = details["restart"]
    drain = details["drain_seconds_unrounded"]
    return [
        {
            "scenario": "Fault: PostgreSQL restarted in a burst of %s events"
            % fmt_num(sizes.fault_events),
            "ours": "restart %.1f s at %.0f s; lost %s; applied twice %s; "
            "not applied %s; drained %s"
            % (
                float(restart["seconds"]),
                float(restart["after"]),
                details["lost"],
                details["doubled_messages"] + details["doubled_milestones"],
                details["not_applied"],
                "%.0f s" % drain
                if not details["drain_timed_out"]
                else "not after %.0f s" % drain,
            ),
            "target": "0 lost, 0 doubled, all applied, crons alive",
            "result": verdict(all(details["checks"].values())),
        }
    ]


def _cores(phase):
    return ", ".join(
        "%s %.2f" % (group, cores)
        for group, cores in sorted(
            phase["cpu_cores"].items(), key=lambda item: -(item[1] or 0)
        )
        if cores
    )


def _jobs(jobs):
    if not jobs:
        return ""
    return "; batch jobs %s (%s found nothing), longest gap between jobs %.0f s" % (
        jobs["count"],
        jobs["empty"],
        jobs["longest_gap_seconds"],
    )


def _waits(waits):
    """PostgreSQL's active sessions by wait and the job queue, on average."""
    if not waits or not waits.get("samples"):
        return ""
    sessions = waits["active_sessions"]
    jobs = waits["jobs"]
    return (
        "; PostgreSQL sessions active %.1f (waiting on locks %.1f, in %.0f %% "
        "of samples); jobs running %.1f, waiting %.1f"
        % (
            sum(sessions.values()),
            sessions.get("Lock", 0),
            100 * waits["lock_wait_share"],
            jobs.get("started", 0),
            jobs.get("pending", 0) + jobs.get("enqueued", 0),
        )
    )


def scale_out_rows(details, _sizes):
    rows = []
    for size, phase in details["phases"].items():
        ok = [v for k, v in details["checks"].items() if k.startswith(size + " ")]
        rows.append(
            {
                "scenario": "Scale-out: %s node(s) behind HAProxy, %s events "
                "(closed loop, %s senders)"
                % (size, fmt_num(phase["offered"]), phase["senders"]),
                "ours": "accepted %s, applied %s, drain %.0f s; lost %s, applied "
                "twice %s, wrong final state %s; cores: %s%s"
                % (
                    fmt_rate(phase["accepted_per_second"]),
                    fmt_rate(phase["applied_per_second"]),
                    phase["drain_seconds"],
                    phase["lost"],
                    phase["doubled_messages"] + phase["doubled_milestones"],
                    phase["wrong_final_states"],
                    _cores(phase),
                    _jobs(phase.get("batch_jobs")) + _waits(phase.get("waits")),
                ),
                "ratio": "applied %s, accepted %s vs 1 node"
                % (
                    fmt_ratio(details["speedup_applied"]),
                    fmt_ratio(details["speedup_accepted"]),
                )
                if size != "1"
                else INFO,
                "target": "0 lost, 0 doubled, all applied, final states right",
                "result": verdict(all(ok)),
            }
        )
    return rows


def fault_node_kill_rows(details, _sizes):
    kill = details["kill"]
    return [
        _burst_fault_row(
            details,
            "Fault: a node SIGKILLed in a burst of %s events on 2 nodes, then "
            "restarted",
            "killed %s (runner %s) at %s s, runner on %s after %s s, back at %s s"
            % (
                kill.get("killed"),
                kill.get("runner_before"),
                kill.get("killed_after"),
                kill.get("runner_after_kill"),
                kill.get("takeover_seconds"),
                kill.get("back_after"),
            ),
        )
    ]


def _drained(details):
    drain = details["drain_seconds"]
    if details["drain_timed_out"]:
        return "not after %.0f s" % drain
    return "%.0f s" % drain


def _burst_fault_row(details, scenario, fault, error=None):
    """The row of a burst on 2 nodes with a fault: ``fault`` tells it (or
    the ``error`` that stopped it)."""
    if error:
        fault = "fault not made: %s" % error[:200]
    return {
        "scenario": scenario % fmt_num(details["offered"]),
        "ours": "%s; lost %s; applied twice %s; not applied %s; wrong final "
        "state %s; drained %s%s"
        % (
            fault,
            details["lost"],
            details["doubled_messages"] + details["doubled_milestones"],
            details["not_applied"],
            details["wrong_final_states"],
            _drained(details),
            _jobs(details.get("batch_jobs")),
        ),
        "target": "0 lost, 0 doubled, all applied, final states right",
        "result": verdict(all(details["checks"].values())),
    }


def fault_pg_restart_multi_rows(details, _sizes):
    restart = details["restart"]
    return [
        _burst_fault_row(
            details,
            "Fault: PostgreSQL restarted in a burst of %s events on 2 nodes",
            "restart %s s at %s s, a runner again after %s s"
            % (
                restart.get("restart_seconds"),
                restart.get("fault_at"),
                restart.get("runner_back_seconds"),
            ),
            restart.get("error"),
        )
    ]


def fault_worker_kill_rows(details, _sizes):
    kill = details["kill"]
    return [
        _burst_fault_row(
            details,
            "Fault: a job worker SIGKILLed mid-chunk in a burst of %s events "
            "on 2 nodes",
            "worker %s of %s killed at %s s%s, job then %s"
            % (
                kill.get("worker_pid"),
                kill.get("node"),
                kill.get("fault_at"),
                "" if kill.get("killed_mid_job") else " (not mid-job)",
                details["killed_job_after_drain"].get("state"),
            ),
            kill.get("error"),
        )
    ]


def fault_tms_down_rows(details, _sizes):
    tms = details["tms"]
    return [
        {
            "scenario": "Fault: the TMS down %s s while %s shipments are "
            "released on 2 nodes"
            % (f"{details['outage_seconds']:,.0f}", f"{details['shipments']:,}"),
            "ours": "%s released before, %s during the outage; %s retried (at "
            "most %s attempts); done %s; in the TMS %s, created twice %s, sent "
            "twice %s; drained %s after it came back"
            % (
                details["released_before_outage"],
                details["released_during_outage"],
                details["retried_messages"],
                details["most_attempts"],
                details["release_states"].get("done", 0),
                tms["in_tms"],
                tms["created_twice"],
                tms["sent_twice"],
                _drained(details),
            ),
            "target": "all done, each shipment in the TMS exactly once",
            "result": verdict(all(details["checks"].values())),
        }
    ]


def settlement_rows(details, _sizes):
    if not details:
        return [
            {
                "scenario": "Settlement run, 10,000 charges",
                "ours": "no bench/results/settlement.json",
                "target": "< 60 s",
                "result": NOT_RUN,
            }
        ]
    seconds = details.get("settlement_seconds")
    met = seconds is not None and seconds < 60 and details.get("all_settled", True)
    return [
        {
            "scenario": "Settlement run, %s charges" % fmt_num(details.get("charges")),
            "ours": "%s s wall, %s bills created (%s customer invoices)"
            % (
                seconds,
                details.get("vendor_bills"),
                details.get("customer_invoices"),
            ),
            "target": "< 60 s",
            "result": verdict(met),
        }
    ]


def growth_rows(details, _sizes):
    points, growth, scanned = (
        details["points"],
        details["growth_factor"],
        details["scanned"],
    )
    met = growth is not None and growth <= GROWTH_FLAT_FACTOR and not scanned
    return [
        {
            "scenario": "Cost growth: time per event with %s shipments"
            % " / ".join(fmt_count(p["tables"]["logistics_shipment"]) for p in points),
            "ours": " / ".join("%s ms" % p["ms_per_event"] for p in points)
            + (
                "; sequential scan in %s" % "; ".join(scanned)
                if scanned
                else "; hot-path plans use indexes"
            ),
            "ratio": "%sx from first to last" % fmt_num(growth) if growth else "n/a",
            "target": "flat (≤ %sx and no scan that grows with history)"
            % GROWTH_FLAT_FACTOR,
            "result": verdict(met),
        }
    ]


def profile_rows(details, _sizes):
    figures = {name: f for name, f in details.items() if name != "files"}
    return [
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
    ]


REPORT_VIEW_TARGET_MS = 1_000
REPORT_REFRESH_TARGET_S = 10
REPORT_VIEWS = (
    ("pivot_customer_month", "pivot customer x month"),
    ("pivot_lane", "by lane"),
    ("pivot_carrier_warehouse_level", "carrier x warehouse x level"),
    ("graph_on_time_month", "graph by month"),
)
DASHBOARD_VIEWS = (
    ("ops_tiles", "operations tiles"),
    ("this_week_by_customer", "this week by customer"),
    ("flow_tiles", "integration tiles"),
    ("flow_activity_graph", "flow activity graph"),
)


def _timings(queries, views):
    return ", ".join(
        "%s %s ms" % (label, fmt_num(queries[name]["ms"]))
        for name, label in views
        if name in queries
    )


def _scanned(queries, views):
    return sorted(
        {
            "%s (%s)" % (name, ", ".join(queries[name]["seq_scans"]))
            for name, _label in views
            if queries.get(name, {}).get("seq_scans")
        }
    )


def service_report_rows(details, _sizes):
    queries = details["queries"]
    size = fmt_count(details["ended_shipments"])
    views_met = all(
        queries[name]["ms"] < REPORT_VIEW_TARGET_MS for name, _label in REPORT_VIEWS
    )
    refresh = details["refresh"]
    baseline = queries.get("baseline_shipment_pivot", {}).get("ms")
    ours = queries["pivot_customer_month"]["ms"]
    report_row = {
        "scenario": "Service level report, %s ended shipments" % size,
        "ours": "%s; full rebuild %s s (%s rows), refresh of %s day(s) after "
        "%s shipments changed %s s"
        % (
            _timings(queries, REPORT_VIEWS),
            fmt_num(details["rebuild_seconds"]),
            fmt_count(details["report_rows"]),
            refresh["days"],
            fmt_count(refresh["shipments"]),
            refresh["seconds"],
        ),
        "baseline": "same pivot on the shipments: %s ms" % fmt_num(baseline)
        if baseline is not None
        else "n/a",
        "ratio": "%s faster" % fmt_ratio(_ratio(baseline, ours)) if baseline else "n/a",
        "target": "each view < %s s; a day's refresh < %s s"
        % (REPORT_VIEW_TARGET_MS // 1000, REPORT_REFRESH_TARGET_S),
        "result": verdict(views_met and refresh["seconds"] < REPORT_REFRESH_TARGET_S),
    }
    scanned = _scanned(queries, DASHBOARD_VIEWS)
    dashboard_row = {
        "scenario": "Dashboards, %s ended shipments" % size,
        "ours": _timings(queries, DASHBOARD_VIEWS)
        + ("; sequential scan in %s" % "; ".join(scanned) if scanned else ""),
        "target": "each < %s s" % (REPORT_VIEW_TARGET_MS // 1000),
        "result": verdict(
            all(
                queries[name]["ms"] < REPORT_VIEW_TARGET_MS
                for name, _label in DASHBOARD_VIEWS
            )
        ),
    }
    return [report_row, dashboard_row]


ROW_BUILDERS = {
    "apply": apply_rows,
    "accept": accept_rows,
    "webhook_latency": webhook_latency_rows,
    "visibility": visibility_rows,
    "orders": orders_rows,
    "shipment_get": shipment_get_rows,
    "release": release_rows,
    "burst": burst_rows,
    "fault_pg_restart": fault_pg_restart_rows,
    "scale_out": scale_out_rows,
    "fault_node_kill": fault_node_kill_rows,
    "fault_pg_restart_multi": fault_pg_restart_multi_rows,
    "fault_tms_down": fault_tms_down_rows,
    "fault_worker_kill": fault_worker_kill_rows,
    "settlement": settlement_rows,
    "growth": growth_rows,
    "profile": profile_rows,
    "service_report": service_report_rows,
}


def rows(name, details, sizes):
    """The table rows of scenario ``name`` from its details and the run's
    sizes (a :class:`~harness.scenarios.common.Sizes`)."""
    return ROW_BUILDERS[name](details, sizes)


# ---------------------------------------------------------------------------
# the notes under the table, from each scenario's details (and the run's sizes)


def apply_notes(details, sizes):
    notes = []
    if details["ours"]["timed_out"]:
        notes.append("our path did not finish within %s s" % sizes.apply_bound)
    if details["baseline_rpc"]["errors"]:
        notes.append(
            "JSON-RPC baseline errors: %s"
            % "; ".join(details["baseline_rpc"]["errors"])
        )
    return notes


def accept_notes(_details, _sizes):
    return [
        "jobs apply the accepted events concurrently (same 2 cores), as in "
        "production; the scenario waits for them before the next one"
    ]


def webhook_latency_notes(details, _sizes):
    notes = [
        "latency from the intended start of each request (open loop, no "
        "coordinated omission); the jobs applying these events share the "
        "2 HTTP workers"
    ]
    server = details.get("server") or {}
    costs = [
        "%s: %s requests, %s statements, SQL %s ms + other %s ms each "
        "(server p50 %s ms, p95 %s ms)"
        % (
            label,
            row["requests"],
            row["statements_mean"],
            row["sql_ms_mean"],
            row["other_ms_mean"],
            row["server_ms_p50"],
            row["server_ms_p95"],
        )
        for label, row in (
            ("webhook", server.get("webhook")),
            ("job runs", server.get("job_run")),
        )
        if row
    ]
    if costs:
        notes.append("server side, from Odoo's access log: " + "; ".join(costs))
    return notes


def visibility_notes(_details, _sizes):
    return [
        "visibility read from the committed message state every %s ms (SQL), "
        "then %s events checked through GET /shipments/{ref}"
        % (int(visibility.VISIBILITY_POLL * 1000), visibility.VERIFY_SAMPLES)
    ]


def orders_notes(_details, _sizes):
    return [
        "both paths confirm the order, which creates the delivery and releases "
        "its shipment to the TMS simulator (warehouse trigger 'order confirmed')"
    ]


def burst_notes(_details, _sizes):
    return [
        "requests that could not start within the window are not sent (the "
        "TMS would keep them); one batch in %s is delivered twice on purpose"
        % burst.BURST_RESEND_EVERY
    ]


def fault_pg_restart_notes(_details, _sizes):
    return [
        "jobs cut by the restart are requeued by the suite's lost-job cron "
        "(a minute's grace); the drain includes that wait"
    ]


def scale_out_notes(details, _sizes):
    return [
        "both node counts run on this machine's %s cores with PostgreSQL, "
        "HAProxy and the load generator: a second node adds workers, not "
        "CPU; the cores per process group show where the time goes"
        % details.get("cpu_count"),
    ]


def fault_node_kill_notes(_details, _sizes):
    return [
        "the node holding queue_job's runner lock is the one killed (its "
        "process group, at once); jobs it was running are requeued by the "
        "suite's lost-job cron (a minute's grace), the drain includes it"
    ]


def fault_pg_restart_multi_notes(_details, _sizes):
    return [
        "both nodes lose every database connection; jobs cut are requeued by "
        "the suite's lost-job cron (a minute's grace), the drain includes it"
    ]


def fault_worker_kill_notes(_details, _sizes):
    return [
        "the killed worker is the one queue_job recorded for a started batch "
        "job of the TMS events (``worker_pid``); its node forks a new one; the "
        "job is requeued by the suite's lost-job cron (a minute's grace), the "
        "drain includes it"
    ]


def fault_tms_down_notes(_details, _sizes):
    return [
        "the TMS is the simulator process, stopped and started again on its "
        "port; its records before and after are read together; releases "
        "failed while it was down wait for their next attempt (backoff 30 s, "
        "120 s, 600 s...), the drain includes that wait"
    ]


def settlement_notes(details, _sizes):
    if not details:
        return ["run bench/bench_settlement.py to measure it"]
    return [
        "from bench/results/settlement.json (bench/bench_settlement.py, %s; "
        "mode: %s), not measured by run.py" % (details.get("date"), details.get("mode"))
    ]


def growth_notes(_details, sizes):
    return [
        "each level adds bulk shipments (SQL) with one applied event and its "
        "milestone each, so the message log grows with the shipments; %s events "
        "per level go to shipments drawn uniformly from those no event of the "
        "run reached yet (the first level adds as many), so that each event does "
        "the same work at every level (its shipment's first status change); the "
        "hot-path statements are EXPLAINed at each level (details: "
        "plans_with_seq_scan; seq_scans are pg_stat deltas, harness polling "
        "included)" % sizes.growth_events
    ]


def profile_notes(details, _sizes):
    return ["tables in %s, read in bench/PROFILE.md" % Path(details["files"]).name]


def service_report_notes(details, _sizes):
    queries = details["queries"]
    return [
        "%s ended shipments seeded by SQL in %s s (skewed: %s customers, %s "
        "carriers, %s lanes, %s warehouses, 12 months); the report stores sums "
        "and counts by day for this month and the last, by month before (%s "
        "distinct days); timings are the median of 5 ORM calls "
        "(read_group / search_read) in odoo shell; EXPLAIN (ANALYZE, BUFFERS) "
        "of each in %s; shipments by status over every shipment (the shipments' "
        "own graph) %s ms"
        % (
            fmt_count(details["ended_shipments"]),
            fmt_num(details["seed_seconds"]),
            *(
                details["dimensions"][d]
                for d in ("customers", "carriers", "lanes", "warehouses")
            ),
            details["report_days"],
            Path(details["files"]).name,
            fmt_num(queries.get("shipments_by_status", {}).get("ms")),
        )
    ]


NOTE_BUILDERS = {
    "apply": apply_notes,
    "accept": accept_notes,
    "webhook_latency": webhook_latency_notes,
    "visibility": visibility_notes,
    "orders": orders_notes,
    "burst": burst_notes,
    "fault_pg_restart": fault_pg_restart_notes,
    "scale_out": scale_out_notes,
    "fault_node_kill": fault_node_kill_notes,
    "fault_pg_restart_multi": fault_pg_restart_multi_notes,
    "fault_tms_down": fault_tms_down_notes,
    "fault_worker_kill": fault_worker_kill_notes,
    "settlement": settlement_notes,
    "growth": growth_notes,
    "profile": profile_notes,
    "service_report": service_report_notes,
}


def notes(name, details, sizes):
    """The notes of scenario ``name`` for results.md, or None (no notes key
    in results.json): shipment_get and release have none."""
    builder = NOTE_BUILDERS.get(name)
    return builder(details, sizes) if builder else None


def error_rows(name, err):
    """The row of a scenario that failed to run."""
    return [
        {
            "scenario": name,
            "ours": "failed to run: %s" % str(err)[:200],
            "result": ERROR,
        }
    ]


def markdown(results):
    """The results table, then the machine and run facts."""
    run = results["run"]
    info = results["machine"]
    lines = [
        "# Benchmark results",
        "",
        "Run %s, %s (scale %s%s), %.0f s; command `%s`."
        % (
            run["started"],
            run["database"],
            run["scale"],
            ", smoke sizes" if run["smoke"] else "",
            run["seconds"],
            run["command"],
        ),
        "",
        _machine(run, info),
        "",
        _contention(run),
        "",
        "| scenario | our path | baseline | ratio | target | result |",
        "|---|---|---|---|---|---|",
    ]
    for row in results["table"]:
        lines.append(
            "| %s | %s | %s | %s | %s | %s |"
            % (
                row["scenario"],
                row.get("ours", INFO),
                row.get("baseline", INFO),
                row.get("ratio", INFO),
                row.get("target", INFO),
                _result(row.get("result", INFO)),
            )
        )
    notes = [
        "- %s: %s" % (name, note)
        for name, scenario in results["scenarios"].items()
        for note in scenario.get("notes", [])
    ]
    notes += [
        "- %s: other processes on the machine used %.2f of its %s cores on "
        "average during this scenario (%s)"
        % (
            name,
            scenario["contention"]["others_cores"],
            info.get("nproc"),
            ", ".join(
                "%s %.2f" % (p["name"], p["cores"])
                for p in scenario["contention"]["busiest_others"]
            ),
        )
        for name, scenario in results["scenarios"].items()
        if scenario.get("contention", {}).get("others_cores", 0) >= CONTENTION_NOTE
    ]
    if notes:
        lines += ["", "Notes:", "", *notes]
    lines.append("")
    return "\n".join(lines)


def _result(result):
    return "**%s**" % result if result == MISSED else result


def _machine(run, info):
    """The machine and server line; a run whose set-up failed has none."""
    if not info:
        return "Machine: not recorded (the set-up failed before it was read)."
    return (
        "Machine: %s, %s CPU(s) (%s), %s GiB RAM; Python %s, Odoo %s, "
        "PostgreSQL %s, queue_job %s. Odoo prefork: %s HTTP workers, %s cron "
        "worker, job runner with channels `%s`; load generator on the same "
        "machine."
        % (
            info["os"],
            info["nproc"],
            info["cpu_model"] or "unknown CPU",
            info["memory_gib"],
            info["python"],
            info["odoo"],
            info["postgresql"],
            info["queue_job"],
            run["http_workers"],
            run["cron_workers"],
            run["job_channels"],
        )
    )


def _contention(run):
    parts = []
    during = run.get("contention")
    if during:
        parts.append(
            "during the run: the benchmark's processes used %.2f cores, other "
            "processes %.2f cores on average (%s)"
            % (
                during["ours_cores"],
                during["others_cores"],
                ", ".join(
                    "%s %.2f" % (p["name"], p["cores"])
                    for p in during["busiest_others"]
                )
                or "none",
            )
        )
    for label, snapshot in (
        ("before", run.get("load_before")),
        ("after", run.get("load_after")),
    ):
        if not snapshot:
            continue
        others = ", ".join(
            "%s %.0f %%" % (p["name"], p["cpu_percent"])
            for p in snapshot["other_processes"]
        )
        parts.append(
            "%s: load average %s, other busy processes: %s"
            % (label, "/".join(map(str, snapshot["load_average"])), others or "none")
        )
    return "CPU contention " + "; ".join(parts) + "." if parts else ""


def restructuredtext(results):
    """The same table as an RST list-table, for README.rst to quote."""
    run, info = results["run"], results["machine"]
    lines = [
        "Measured %s by ``bench/run.py`` (scale %s, %.0f s) on %s CPU(s) %s, "
        "%s GiB RAM, Python %s, Odoo %s, PostgreSQL %s; Odoo prefork with %s "
        "HTTP workers, a cron worker and the job runner (``%s``), the load "
        "generator on the same machine."
        % (
            run["started"][:10],
            run["scale"],
            run["seconds"],
            info.get("nproc"),
            info.get("cpu_model"),
            info.get("memory_gib"),
            info.get("python"),
            info.get("odoo"),
            info.get("postgresql"),
            run["http_workers"],
            run["job_channels"],
        ),
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - scenario",
        "     - our path",
        "     - baseline",
        "     - ratio",
        "     - target",
        "     - result",
    ]
    for row in results["table"]:
        cells = [
            row["scenario"],
            row.get("ours", INFO),
            row.get("baseline", INFO),
            row.get("ratio", INFO),
            row.get("target", INFO),
            row.get("result", INFO),
        ]
        lines.append("   * - %s" % _rst(cells[0]))
        lines += ["     - %s" % _rst(cell) for cell in cells[1:]]
    lines.append("")
    return "\n".join(lines)


def _rst(text):
    return str(text).replace("*", "\\*").replace("|", "\\|") or INFO


def write(results, folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (folder / "results.md").write_text(table)
    (folder / "results.rst").write_text(restructuredtext(results))
    return table


def git_revision(repo):
    proc = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = subprocess.run(
        ["git", "-C", str(repo), "status", "--porcelain"],
        capture_output=True,
        text=True,
        check=False,
    )
    revision = proc.stdout.strip() or None
    if revision and dirty.stdout.strip():
        revision += " (with uncommitted changes)"
    return revision
