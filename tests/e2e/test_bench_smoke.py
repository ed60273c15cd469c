"""The benchmark harness still runs end to end, at tiny sizes.

It makes its own database, Odoo (prefork) and TMS simulator, like the real
benchmark; nothing here asserts a timing: only that the run completes and
writes its results. Its fault scenario is asserted in full: PostgreSQL is
restarted in the middle of a burst of TMS events, and every event accepted
must be applied exactly once, with the crons running again afterwards.
"""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUN = REPO / "bench" / "run.py"
TIME_LIMIT = 900  # seconds; the smoke run takes about five minutes
# The fault last: the database restart must not touch the other scenarios.
SCENARIOS = ("shipment_get", "accept", "fault_pg_restart")
RESULT_KEYS = {"run", "machine", "scenarios", "table"}
VERDICTS = {"met", "MISSED"}


def test_bench_smoke_run_writes_results(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(RUN),
            "--smoke",
            "--scenarios",
            ",".join(SCENARIOS),
            "--results-dir",
            str(tmp_path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results) >= RESULT_KEYS
    assert list(results["scenarios"]) == list(SCENARIOS)
    assert results["machine"]["nproc"] >= 1
    assert results["table"], "no row in the results table"
    assert {row["result"] for row in results["table"]} <= VERDICTS
    assert (tmp_path / "results.md").read_text().startswith("# Benchmark results")
    fault = results["scenarios"]["fault_pg_restart"]
    assert [row["result"] for row in fault["rows"]] == ["met"], json.dumps(
        fault["details"], indent=1, default=str
    )
