"""The multi-node scenarios' rows and notes, from hand-made details."""

import copy
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BENCH))

from harness import report  # noqa: E402  (the harness lives in bench/)
from harness.scenarios.common import Sizes  # noqa: E402

CHECKS = ("0 lost", "0 applied twice", "all applied", "final states right")


def _phase(nodes, accepted, applied):
    return {
        "nodes": nodes,
        "offered": 20_000,
        "senders": 8,
        "accepted_per_second": accepted,
        "applied_per_second": applied,
        "drain_seconds": 41.6,
        "lost": 0,
        "doubled_messages": 0,
        "doubled_milestones": 0,
        "wrong_final_states": 0,
        "cpu_cores": {"node1": 0.9, "postgres": 0.45, "haproxy": 0.01, "node2": 0.0},
    }


SCALE = {
    "phases": {"1": _phase(1, 2_000.0, 250.0), "2": _phase(2, 2_400.0, 300.0)},
    "speedup_accepted": 1.2,
    "speedup_applied": 1.2,
    "cpu_count": 2,
    "checks": {"%s node(s): %s" % (n, c): True for n in ("1", "2") for c in CHECKS},
}


def test_scale_out_has_a_row_per_node_count_with_the_speedup():
    rows = report.rows("scale_out", SCALE, Sizes())
    assert [row["result"] for row in rows] == ["met", "met"]
    assert rows[0]["scenario"].startswith("Scale-out: 1 node(s) behind HAProxy")
    assert rows[0]["ratio"] == report.INFO
    assert rows[1]["ratio"] == "applied 1.2x, accepted 1.2x vs 1 node"
    assert "accepted 2,400 ev/s, applied 300 ev/s, drain 42 s" in rows[1]["ours"]
    # cores by group, busiest first, idle groups left out
    assert rows[0]["ours"].endswith("cores: node1 0.90, postgres 0.45, haproxy 0.01")


def test_scale_out_row_tells_the_batch_jobs_and_their_longest_gap():
    details = copy.deepcopy(SCALE)
    details["phases"]["2"]["batch_jobs"] = {
        "count": 14,
        "empty": 4,
        "longest_gap_seconds": 59.64,
    }
    rows = report.rows("scale_out", details, Sizes())
    assert rows[1]["ours"].endswith(
        "; batch jobs 14 (4 found nothing), longest gap between jobs 60 s"
    )
    assert "batch jobs" not in rows[0]["ours"]


def test_scale_out_row_tells_where_the_database_and_the_runner_wait():
    details = copy.deepcopy(SCALE)
    details["phases"]["2"]["waits"] = {
        "samples": 40,
        "active_sessions": {"running": 1.5, "Lock": 0.25, "LWLock": 0.1},
        "lock_wait_share": 0.125,
        "jobs": {"started": 2.0, "pending": 0.5, "enqueued": 0.25},
    }
    rows = report.rows("scale_out", details, Sizes())
    assert rows[1]["ours"].endswith(
        "; PostgreSQL sessions active 1.9 (waiting on locks 0.2, in 12 % of "
        "samples); jobs running 2.0, waiting 0.8"
    )
    assert "PostgreSQL" not in rows[0]["ours"]


def test_scale_out_a_phase_that_lost_events_is_missed_alone():
    details = copy.deepcopy(SCALE)
    details["phases"]["2"]["lost"] = 3
    details["checks"]["2 node(s): 0 lost"] = False
    rows = report.rows("scale_out", details, Sizes())
    assert [row["result"] for row in rows] == ["met", "MISSED"]
    assert "lost 3" in rows[1]["ours"]


def test_scale_out_note_says_the_nodes_share_the_cores():
    (note,) = report.notes("scale_out", SCALE, Sizes())
    assert "2 cores" in note


NODE_KILL = {
    "offered": 100_000,
    "kill": {
        "runner_at_start": "node1",
        "runner_before": "node1",
        "killed": "node1",
        "killed_after": 31.2,
        "runner_after_kill": "node2",
        "takeover_seconds": 5.4,
        "back_after": 52.0,
    },
    "lost": 0,
    "doubled_messages": 0,
    "doubled_milestones": 0,
    "not_applied": 0,
    "wrong_final_states": 0,
    "drain_seconds": 95.3,
    "drain_timed_out": False,
    "checks": {"0 lost": True, "0 applied twice": True},
}


def test_node_kill_row_tells_who_was_killed_and_who_took_over():
    (row,) = report.rows("fault_node_kill", NODE_KILL, Sizes())
    assert row["result"] == "met"
    assert row["ours"].startswith(
        "killed node1 (runner node1) at 31.2 s, runner on node2 after 5.4 s, "
        "back at 52.0 s; lost 0; applied twice 0"
    )
    assert row["ours"].endswith("drained 95 s")


def test_node_kill_row_missed_when_a_check_fails_or_the_drain_times_out():
    details = copy.deepcopy(NODE_KILL)
    details["checks"]["0 applied twice"] = False
    details["doubled_milestones"] = 2
    details["drain_timed_out"] = True
    (row,) = report.rows("fault_node_kill", details, Sizes())
    assert row["result"] == "MISSED"
    assert "applied twice 2" in row["ours"]
    assert row["ours"].endswith("drained not after 95 s")


def test_node_kill_a_kill_that_never_happened_still_gets_its_row():
    details = dict(NODE_KILL, kill={"error": "RuntimeError()"})
    details["checks"] = {"node killed mid-burst and back": False}
    (row,) = report.rows("fault_node_kill", details, Sizes())
    assert row["result"] == "MISSED"
    assert row["ours"].startswith("killed None (runner None)")
