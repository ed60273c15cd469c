"""The fault scenarios on 2 nodes: their pure helpers (what the TMS
received, whose worker a pid is), their rows and notes from hand-made
details, their sizes."""

import copy
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BENCH))

from harness import report  # noqa: E402  (the harness lives in bench/)
from harness.scenarios.cluster_faults import worker_of  # noqa: E402
from harness.scenarios.common import Sizes  # noqa: E402
from harness.scenarios.fault_tms_down import tms_record  # noqa: E402


def _create(name, method="POST", path="/api/v1/shipments"):
    return {
        "method": method,
        "path": path,
        "body": json.dumps({"externalReference": name}),
    }


EXPECTED = {"SH/001": "TMS-000001", "SH/002": "TMS-R7000001"}
SHIPMENTS = {
    "TMS-000001": {"externalReference": "SH/001"},
    "TMS-R7000001": {"externalReference": "SH/002"},
    "TMS-000099": {"externalReference": "OTHER/1"},  # not ours: ignored
}


def test_tms_record_each_shipment_once():
    requests = [_create("SH/001"), _create("SH/002"), _create("OTHER/1")]
    record = tms_record(EXPECTED, SHIPMENTS, requests)
    assert record == {
        "shipments": 2,
        "in_tms": 2,
        "create_calls": 2,
        "missing": 0,
        "created_twice": 0,
        "sent_twice": 0,
        "mismatch": 0,
        "samples": {},
    }


def test_tms_record_a_shipment_created_before_and_after_the_restart():
    shipments = dict(SHIPMENTS, **{"TMS-R7000002": {"externalReference": "SH/001"}})
    requests = [_create("SH/001"), _create("SH/002"), _create("SH/001")]
    record = tms_record(EXPECTED, shipments, requests)
    assert record["created_twice"] == 1
    assert record["sent_twice"] == 1
    assert record["samples"]["created_twice"] == [
        {"SH/001": ["TMS-000001", "TMS-R7000002"]}
    ]
    assert record["samples"]["sent_twice"] == [{"SH/001": 2}]


def test_tms_record_counts_only_creates():
    # An amendment, a cancel and a read of the same shipment are no creates.
    requests = [
        _create("SH/001"),
        _create("SH/001", method="PUT", path="/api/v1/shipments/TMS-000001"),
        _create("SH/001", path="/api/v1/shipments/TMS-000001/cancel"),
        {"method": "POST", "path": "/api/v1/shipments", "body": "not json"},
        _create("SH/002"),
    ]
    record = tms_record(EXPECTED, SHIPMENTS, requests)
    assert record["create_calls"] == 2
    assert record["sent_twice"] == 0


def test_tms_record_missing_and_another_reference_in_odoo():
    expected = dict(EXPECTED, **{"SH/003": ""})
    expected["SH/002"] = "TMS-000002"
    record = tms_record(expected, SHIPMENTS, [])
    assert (record["missing"], record["mismatch"], record["in_tms"]) == (1, 1, 2)
    assert record["samples"]["missing"] == ["SH/003"]
    assert record["samples"]["mismatch"] == [{"SH/002": ["TMS-000002", "TMS-R7000001"]}]


def test_worker_of_names_the_node_or_none():
    groups = {"node1": {10, 11, 12}, "node2": {20, 21}}
    assert worker_of(groups, 21) == "node2"
    assert worker_of(groups, 99) is None


def test_sizes_of_the_faults_smoke_and_scale():
    smoke = Sizes.for_run(smoke=True)
    assert (smoke.tms_down_seconds, smoke.tms_down_shipments) == (20, 20)
    assert (Sizes().tms_down_seconds, Sizes().multi_fault_events) == (300, 100_000)
    scaled = Sizes.for_run(scale=2)
    assert scaled.tms_down_shipments == 600
    assert scaled.tms_down_seconds == 300  # the outage keeps its length
    assert scaled.multi_fault_drain_bound == 1800


BURST = {
    "offered": 100_000,
    "lost": 0,
    "doubled_messages": 0,
    "doubled_milestones": 0,
    "not_applied": 0,
    "wrong_final_states": 0,
    "drain_seconds": 130.4,
    "drain_timed_out": False,
    "batch_jobs": {"count": 40, "empty": 3, "longest_gap_seconds": 61.2},
    "checks": {"0 lost": True, "0 applied twice": True},
}
PG = dict(
    BURST,
    restart={"restart_seconds": 2.1, "fault_at": 30.4, "runner_back_seconds": 6.0},
)
WORKER = dict(
    BURST,
    kill={
        "worker_pid": 4242,
        "node": "node2",
        "fault_at": 31.0,
        "killed_mid_job": True,
    },
    killed_job_after_drain={"state": "done", "retry": 0, "result": "200 ..."},
)
TMS = {
    "shipments": 300,
    "released_before_outage": 150,
    "released_during_outage": 150,
    "outage_seconds": 300,
    "release_states": {"done": 300},
    "retried_messages": 150,
    "most_attempts": 4,
    "drain_seconds": 455.2,
    "drain_timed_out": False,
    "tms": {"in_tms": 300, "created_twice": 0, "sent_twice": 0},
    "checks": {"every release message done": True},
}


def test_pg_restart_multi_row_tells_the_restart_and_the_batch_jobs():
    (row,) = report.rows("fault_pg_restart_multi", PG, Sizes())
    assert row["result"] == "met"
    assert row["scenario"] == (
        "Fault: PostgreSQL restarted in a burst of 100,000 events on 2 nodes"
    )
    assert row["ours"].startswith(
        "restart 2.1 s at 30.4 s, a runner again after 6.0 s; lost 0; "
        "applied twice 0; not applied 0; wrong final state 0; drained 130 s"
    )
    assert row["ours"].endswith("longest gap between jobs 61 s")


def test_pg_restart_multi_without_a_restart_is_missed():
    details = dict(PG, restart={"error": "RuntimeError()"}, drain_timed_out=True)
    details["checks"] = {"PostgreSQL restarted mid-burst": False}
    (row,) = report.rows("fault_pg_restart_multi", details, Sizes())
    assert row["result"] == "MISSED"
    assert row["ours"].startswith("fault not made: RuntimeError(); lost 0")
    assert "drained not after 130 s" in row["ours"]


def test_worker_kill_row_tells_whose_worker_and_the_job_after():
    (row,) = report.rows("fault_worker_kill", WORKER, Sizes())
    assert row["result"] == "met"
    assert row["ours"].startswith(
        "worker 4242 of node2 killed at 31.0 s, job then done; lost 0"
    )
    details = copy.deepcopy(WORKER)
    details["kill"]["killed_mid_job"] = False
    details["checks"]["a job worker killed mid-job in the burst"] = False
    (row,) = report.rows("fault_worker_kill", details, Sizes())
    assert row["result"] == "MISSED"
    assert "killed at 31.0 s (not mid-job)" in row["ours"]
    details["kill"] = {"error": "RuntimeError('no batch job ran within 60s')"}
    (row,) = report.rows("fault_worker_kill", details, Sizes())
    assert row["ours"].startswith(
        "fault not made: RuntimeError('no batch job ran within 60s'); lost 0"
    )


def test_tms_down_row_tells_the_outage_and_what_the_tms_received():
    (row,) = report.rows("fault_tms_down", TMS, Sizes())
    assert row["result"] == "met"
    assert row["scenario"] == (
        "Fault: the TMS down 300 s while 300 shipments are released on 2 nodes"
    )
    assert row["ours"] == (
        "150 released before, 150 during the outage; 150 retried (at most 4 "
        "attempts); done 300; in the TMS 300, created twice 0, sent twice 0; "
        "drained 455 s after it came back"
    )
    details = copy.deepcopy(TMS)
    details["checks"]["each shipment created once in the TMS"] = False
    details["outage_seconds"], details["shipments"] = 20.0, 20
    (row,) = report.rows("fault_tms_down", details, Sizes())
    assert row["result"] == "MISSED"
    assert row["scenario"].startswith("Fault: the TMS down 20 s while 20 shipments")


def test_the_faults_have_notes_saying_what_the_drain_includes():
    for name in ("fault_pg_restart_multi", "fault_worker_kill", "fault_tms_down"):
        (note,) = report.notes(name, {}, Sizes())
        assert "drain includes" in note, name
