"""The service report scenario's rows and notes, from hand-made details."""

import copy
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BENCH))

from harness import report  # noqa: E402  (the harness lives in bench/)
from harness.scenarios.common import Sizes  # noqa: E402


def _query(ms, seq_scans=()):
    return {"ms": ms, "rows": 1, "seq_scans": list(seq_scans), "plan": "x.txt"}


DETAILS = {
    "shipments": 1_000_000,
    "ended_shipments": 1_000_000,
    "seed_seconds": 71.4,
    "report_rows": 412_345,
    "report_days": 366,
    "rebuild_seconds": 24.56,
    "refresh": {"seconds": 0.84, "days": 1, "shipments": 1_000},
    "dimensions": {"customers": 40, "carriers": 8, "lanes": 32, "warehouses": 3},
    "queries": {
        "pivot_customer_month": _query(120.4),
        "pivot_lane": _query(80.0),
        "pivot_carrier_warehouse_level": _query(150.26),
        "graph_on_time_month": _query(60.0),
        "this_week_by_customer": _query(4.2),
        "ops_tiles": _query(12.0),
        "shipments_by_status": _query(180.0, ["logistics_shipment"]),
        "flow_tiles": _query(30.0),
        "flow_activity_graph": _query(25.0),
        "baseline_shipment_pivot": _query(1_204.0, ["logistics_shipment"]),
    },
    "files": "/tmp/results/service_report",
}


def test_rows_met():
    rows = report.rows("service_report", DETAILS, Sizes())
    assert rows == [
        {
            "scenario": "Service level report, 1M ended shipments",
            "ours": "pivot customer x month 120 ms, by lane 80.0 ms, "
            "carrier x warehouse x level 150 ms, graph by month 60.0 ms; "
            "full rebuild 24.6 s (412.3k rows), refresh of 1 day(s) after 1k "
            "shipments changed 0.84 s",
            "baseline": "same pivot on the shipments: 1,204 ms",
            "ratio": "10.0x faster",
            "target": "each view < 1 s; a day's refresh < 10 s",
            "result": "met",
        },
        {
            "scenario": "Dashboards, 1M ended shipments",
            "ours": "operations tiles 12.0 ms, this week by customer 4.2 ms, "
            "integration tiles 30.0 ms, flow activity graph 25.0 ms",
            "target": "each < 1 s",
            "result": "met",
        },
    ]


def test_a_slow_view_or_refresh_or_a_scanning_tile_is_missed():
    details = copy.deepcopy(DETAILS)
    details["queries"]["pivot_lane"]["ms"] = 1_000.0
    details["queries"]["ops_tiles"] = _query(1_500.0, ["logistics_shipment"])
    report_row, dashboard_row = report.rows("service_report", details, Sizes())
    assert report_row["result"] == "MISSED"
    assert dashboard_row["result"] == "MISSED"
    assert dashboard_row["ours"].endswith(
        "; sequential scan in ops_tiles (logistics_shipment)"
    )
    details = copy.deepcopy(DETAILS)
    details["refresh"]["seconds"] = 10.0
    assert report.rows("service_report", details, Sizes())[0]["result"] == "MISSED"


def test_without_a_baseline_the_ratio_is_not_available():
    details = copy.deepcopy(DETAILS)
    del details["queries"]["baseline_shipment_pivot"]
    row = report.rows("service_report", details, Sizes())[0]
    assert (row["baseline"], row["ratio"]) == ("n/a", "n/a")


def test_notes():
    assert report.notes("service_report", DETAILS, Sizes()) == [
        "1M ended shipments seeded by SQL in 71.4 s (skewed: 40 customers, 8 "
        "carriers, 32 lanes, 3 warehouses, 12 months); the report stores sums "
        "and counts by day for this month and the last, by month before (366 "
        "distinct days); timings are the median of 5 ORM calls "
        "(read_group / search_read) in odoo shell; EXPLAIN (ANALYZE, BUFFERS) "
        "of each in service_report; shipments by status over every shipment "
        "(the shipments' own graph) 180 ms"
    ]


def test_smoke_and_scale_sizes():
    assert Sizes.for_run(smoke=True).report_shipments == 20_000
    assert Sizes.for_run(scale=0.1).report_shipments == 100_000
    assert Sizes().report_shipments == 1_000_000
