"""report.py writes every scenario's rows and notes from its details, as the
scenarios wrote them before: the same results.json, results.md and results.rst.

Two kinds of fixtures (bench/tests/fixtures/):

* ``runs/<name>/``: results.json/.md/.rst of real runs of bench/run.py:
  ``full-main`` (every scenario, default sizes), ``h5-smoke``, ``smoke-fault``
  and ``before-partial`` (no scenario finished) made before report.py wrote
  the rows (the scenarios wrote them), and ``smoke-after-move`` (every
  scenario, smoke sizes), made after: its details are those the scenarios
  store now; and the run README quotes, committed in ``bench/results/``;
* ``constructed.json``: hand-made details of every scenario, one or more
  cases each (met, missed, timed out, errors, missing figures), with the
  rows and notes the scenarios' own code wrote from them before the move
  (evaluated from git f210e9d).
"""

import json
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2]
FIXTURES = BENCH / "tests" / "fixtures"
sys.path.insert(0, str(BENCH))

from harness import report  # noqa: E402  (the harness lives in bench/)
from harness.scenarios import DEFAULT_ORDER  # noqa: E402
from harness.scenarios.common import FINISHED, Sizes  # noqa: E402

# The committed run quoted in README (bench/results/) is checked too.
RUNS = [
    *sorted(p.parent for p in (FIXTURES / "runs").glob("*/results.json")),
    BENCH / "results",
]
CONSTRUCTED = json.loads((FIXTURES / "constructed.json").read_text())["cases"]


def _sizes(run):
    return Sizes(**run["sizes"])


def _details_before_the_move(name, details, rows):
    """What the scenarios store since the move, for a run made before it.

    Keys were added so that the rows can be written from the details alone:

    * ``drain_seconds_unrounded`` (burst, fault) and ``p95_ms_unrounded``
      (visibility): the stored figures rounded to 0.1 stand in (the rows show
      whole seconds; the p95 is only compared with 1 s);
    * the fault's ``drain_timed_out`` (the burst has it already): what its
      states say (the drain waited for every stored event to finish);
    * the burst's ``accepted_per_second``: measured over the unrounded sending
      time, which such a run did not store; it is read back from its row, so
      that the rest of the row is checked.
    """
    details = dict(details)
    if name in ("burst", "fault_pg_restart"):
        details.setdefault("drain_seconds_unrounded", details["drain_seconds"])
    if name == "visibility":
        details.setdefault("p95_ms_unrounded", details["p95_ms"])
    if name == "fault_pg_restart" and "drain_timed_out" not in details:
        states = details["states_after_drain"]
        finished = sum(states.get(state, 0) for state in FINISHED)
        details["drain_timed_out"] = finished < details["stored"]
    if name == "burst" and "accepted_per_second" not in details:
        rate = re.search(r"in the window \(([\d,.]+) ev/s\)", rows[0]["ours"])
        details["accepted_per_second"] = float(rate.group(1).replace(",", ""))
    return details


@pytest.mark.parametrize("folder", RUNS, ids=lambda folder: folder.name)
def test_real_runs_rows_and_notes_are_rebuilt_from_their_details(folder):
    results = json.loads((folder / "results.json").read_text())
    sizes = _sizes(results["run"])
    rebuilt = []
    for name, scenario in results["scenarios"].items():
        details = _details_before_the_move(name, scenario["details"], scenario["rows"])
        rows = report.rows(name, details, sizes)
        assert rows == scenario["rows"], name
        assert report.notes(name, details, sizes) == scenario.get("notes"), name
        rebuilt += rows
    assert rebuilt == results["table"]


@pytest.mark.parametrize("folder", RUNS, ids=lambda folder: folder.name)
def test_real_runs_markdown_and_rst_are_unchanged(folder):
    results = json.loads((folder / "results.json").read_text())
    assert report.markdown(results) == (folder / "results.md").read_text()
    assert report.restructuredtext(results) == (folder / "results.rst").read_text()


@pytest.mark.parametrize(
    "case", CONSTRUCTED, ids=lambda case: case["label"].replace(" ", "_")
)
def test_constructed_rows_and_notes_are_the_scenarios_former_ones(case):
    sizes = Sizes(**case["sizes"])
    assert report.rows(case["scenario"], case["details"], sizes) == case["rows"]
    assert report.notes(case["scenario"], case["details"], sizes) == case["notes"]


# Scenarios written after the move have their hand-made cases in their own
# test module (no former rows to compare with).
AFTER_THE_MOVE = {
    "service_report": "test_service_report_rows.py",
    "scale_out": "test_multinode_rows.py",
    "fault_node_kill": "test_multinode_rows.py",
    "fault_pg_restart_multi": "test_cluster_faults.py",
    "fault_tms_down": "test_cluster_faults.py",
    "fault_worker_kill": "test_cluster_faults.py",
}


def test_every_scenario_has_a_row_builder_and_cases():
    assert set(report.ROW_BUILDERS) == set(DEFAULT_ORDER)
    covered = {case["scenario"] for case in CONSTRUCTED}
    assert covered | set(AFTER_THE_MOVE) == set(DEFAULT_ORDER)
    for module in AFTER_THE_MOVE.values():
        assert (Path(__file__).parent / module).is_file()


def test_a_scenario_that_failed_to_run_gets_an_error_row():
    err = RuntimeError("x" * 300)
    assert report.error_rows("burst", err) == [
        {
            "scenario": "burst",
            "ours": "failed to run: %s" % ("x" * 200),
            "result": "ERROR",
        }
    ]


def test_a_run_whose_set_up_failed_still_gets_its_report():
    results = json.loads((RUNS[0] / "results.json").read_text())
    results["machine"], results["scenarios"], results["table"] = {}, {}, []
    results["run"].pop("contention", None)
    text = report.markdown(results)
    assert "Machine: not recorded (the set-up failed" in text
    report.restructuredtext(results)
