"""The machine a run used, and the results table (JSON + Markdown), with the
formatting of its figures."""

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

HIT, MISSED, NOT_RUN, INFO = "met", "MISSED", "not run", "-"
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
# the figures of the table's cells (the scenarios write their rows with them)


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
        ),
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
