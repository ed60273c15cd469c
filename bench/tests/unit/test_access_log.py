"""Odoo's access log read back: statements and server time per route."""

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BENCH))

from harness import access_log, report  # noqa: E402
from harness.scenarios.common import Sizes  # noqa: E402

LOG = """\
2026-11-30 00:10:02,353 8023 INFO db werkzeug: 127.0.0.1 - - [30/Nov/2026 00:10:02] "POST /logistics/tms/bench/events HTTP/1.1" 202 - 24 0.014 0.209
2026-11-30 00:10:02,364 8023 INFO db werkzeug: 127.0.0.1 - - [30/Nov/2026 00:10:02] "POST /logistics/tms/bench/events HTTP/1.1" 202 - 14 0.003 0.007
2026-11-30 00:10:02,370 8024 INFO db odoo.addons.queue_job.controllers.main: running job 1
2026-11-30 00:10:02,374 8024 INFO db werkzeug: 127.0.0.1 - - [30/Nov/2026 00:10:02] "GET /queue_job/runjob?db=db&job_uuid=ab HTTP/1.1" 200 - 41 0.020 0.030
2026-11-30 00:10:02,380 8024 INFO db werkzeug: 127.0.0.1 - - [30/Nov/2026 00:10:02] "GET /api/logistics/v1/shipments/12/documents/7 HTTP/1.1" 404 - 3 0.001 0.002
"""  # noqa: E501


def test_access_lines_are_read_per_route_with_ids_folded():
    records = list(access_log.requests_in(LOG))
    assert [r["route"] for r in records] == [
        "POST /logistics/tms/bench/events",
        "POST /logistics/tms/bench/events",
        "GET /queue_job/runjob",
        "GET /api/logistics/v1/shipments/N/documents/N",
    ]
    assert records[0] == {
        "route": "POST /logistics/tms/bench/events",
        "status": 202,
        "statements": 24,
        "sql_ms": 14.0,
        "other_ms": 209.0,
    }


def test_summary_means_and_server_percentiles():
    routes = access_log.summary(access_log.requests_in(LOG))
    assert routes["POST /logistics/tms/bench/events"] == {
        "requests": 2,
        "statements_mean": 19.0,
        "sql_ms_mean": 8.5,
        "other_ms_mean": 108.0,
        "server_ms_p50": 10.0,  # the lower of two (rank rounded half to even)
        "server_ms_p95": 223.0,
    }
    assert routes["GET /queue_job/runjob"]["statements_mean"] == 41.0


def test_webhook_note_says_what_the_server_did_when_measured():
    details = {
        "server": {
            "webhook": access_log.summary(access_log.requests_in(LOG))[
                "POST /logistics/tms/bench/events"
            ],
            "job_run": None,
        }
    }
    notes = report.webhook_latency_notes(details, Sizes())
    assert notes[-1] == (
        "server side, from Odoo's access log: webhook: 2 requests, 19.0 "
        "statements, SQL 8.5 ms + other 108.0 ms each (server p50 10.0 ms, "
        "p95 223.0 ms)"
    )
    # Runs made before the access log was read have one note, as before.
    assert len(report.webhook_latency_notes({}, Sizes())) == 1
