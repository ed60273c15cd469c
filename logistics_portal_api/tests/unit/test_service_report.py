from datetime import datetime

import jsonschema
import pytest
from openapi_spec_validator import validate

from logistics_portal_api.lib import openapi
from logistics_portal_api.lib import service_report as sr

NOW = datetime(2026, 11, 30, 3, 30)


def _counts(**values):
    return {name: values.get(name, 0) for name in sr.AGGREGATES}


def test_default_query_is_the_last_twelve_calendar_months_by_month():
    query = sr.parse_query({}, NOW)
    assert query == sr.ReportQuery(datetime(2025, 12, 1), NOW, sr.GROUP_MONTH)


def test_dates_cover_whole_days_and_date_times_are_moved_to_utc():
    query = sr.parse_query(
        {"from": ["2026-01-01T02:00:00+02:00"], "to": ["2026-03-31"]}, NOW
    )
    assert query.start == datetime(2026, 1, 1, 0, 0)
    assert query.end == datetime(2026, 3, 31, 23, 59, 59, 999999)


def test_without_from_twelve_months_up_to_to():
    query = sr.parse_query({"to": "2026-02-10", "group_by": "lane"}, NOW)
    assert query.start == datetime(2025, 3, 1)
    assert query.group_by == sr.GROUP_LANE


@pytest.mark.parametrize(
    "args, pointer, reason",
    [
        ({"from": ["yesterday"]}, "/query/from", "RFC 3339"),
        ({"to": ["2026-13-01"]}, "/query/to", "month must be"),
        ({"group_by": ["week"]}, "/query/group_by", "month, lane"),
        ({"group_by": ["month", "lane"]}, "/query/group_by", "more than once"),
        ({"lane": ["FR"]}, "/query/lane", "unknown query argument"),
        (
            {"from": ["2026-05-01"], "to": ["2026-04-30"]},
            "/query/to",
            "not be before",
        ),
        ({"from": ["2020-01-01"], "to": ["2026-01-01"]}, "/query/from", "at most"),
    ],
)
def test_bad_queries_name_the_argument(args, pointer, reason):
    with pytest.raises(sr.ReportQueryError) as caught:
        sr.parse_query(args, NOW)
    assert [d["pointer"] for d in caught.value.details] == [pointer]
    assert reason in caught.value.details[0]["reason"]


def test_every_problem_is_listed_at_once():
    with pytest.raises(sr.ReportQueryError) as caught:
        sr.parse_query({"from": ["x"], "to": ["y"], "group_by": ["z"]}, NOW)
    pointers = [d["pointer"] for d in caught.value.details]
    assert pointers == ["/query/from", "/query/to", "/query/group_by"]


def test_two_years_is_the_longest_range():
    sr.parse_query({"from": ["2024-11-30"], "to": ["2026-11-29"]}, NOW)


def test_month_start_goes_back_across_years():
    assert sr.month_start(datetime(2026, 2, 14, 8), 2) == datetime(2025, 12, 1)
    assert sr.month_start(datetime(2026, 12, 3), -1) == datetime(2027, 1, 1)


def test_domain_counts_delivered_in_range_or_ended_undelivered_in_range():
    query = sr.ReportQuery(datetime(2026, 1, 1), datetime(2026, 2, 1), "month")
    domain = sr.ended_in_range_domain(query)
    assert domain[0] == ("service_facts_at", "!=", False)
    assert ("delivered_at", ">=", query.start) in domain
    assert ("delivered_at", "=", False) in domain
    assert ("service_facts_at", "<=", query.end) in domain


def test_read_group_spec_sums_and_counts_the_rates():
    groupby, aggregates = sr.read_group_spec("month")
    assert groupby == ["delivered_at:month", "service_facts_at:month"]
    assert "__count" in aggregates
    assert {"on_time:sum", "on_time:count", "otif:count"} <= set(aggregates)
    assert sr.read_group_spec("lane")[0] == ["lane"]


def test_month_report_merges_delivered_and_undelivered_and_fills_empty_months():
    query = sr.ReportQuery(datetime(2026, 1, 1), datetime(2026, 3, 31), "month")
    groups = [
        # Delivered in January: 3 shipments, 2 on time of 3 known, in full 3/3.
        (
            (datetime(2026, 1, 1), datetime(2026, 1, 1)),
            _counts(
                shipments=3,
                delivered=3,
                on_time_sum=2.0,
                on_time_known=3,
                in_full_sum=3.0,
                in_full_known=3,
                otif_sum=2.0,
                otif_known=3,
                transit_hours_sum=30.0,
                transit_hours_known=3,
                exceptions=1,
            ),
        ),
        # Returned, ended in January: not on time, not in full.
        (
            (None, datetime(2026, 1, 1)),
            _counts(
                shipments=1,
                on_time_sum=0.0,
                on_time_known=1,
                in_full_sum=0.0,
                in_full_known=1,
                otif_sum=0.0,
                otif_known=1,
                exceptions=2,
            ),
        ),
        # Delivered in March (the facts stored in April): no promised window.
        (
            (datetime(2026, 3, 1), datetime(2026, 4, 1)),
            _counts(
                shipments=1,
                delivered=1,
                in_full_sum=1.0,
                in_full_known=1,
                transit_hours_sum=5.0,
                transit_hours_known=1,
            ),
        ),
    ]
    answer = sr.report(query, groups)
    assert [row["month"] for row in answer["rows"]] == ["2026-01", "2026-02", "2026-03"]
    january, february, march = answer["rows"]
    assert january == {
        "month": "2026-01",
        "shipments": 4,
        "delivered": 3,
        "on_time_pct": 50.0,
        "in_full_pct": 75.0,
        "otif_pct": 50.0,
        "avg_transit_hours": 10.0,
        "exceptions": 3,
    }
    assert february["shipments"] == 0
    assert february["on_time_pct"] is None
    assert february["avg_transit_hours"] is None
    assert march["on_time_pct"] is None
    assert march["in_full_pct"] == 100.0
    assert answer["totals"] == {
        "shipments": 5,
        "delivered": 4,
        "on_time_pct": 50.0,
        "in_full_pct": 80.0,
        "otif_pct": 50.0,
        "avg_transit_hours": 8.8,
        "exceptions": 3,
    }
    assert answer["from"] == "2026-01-01T00:00:00Z"
    assert answer["group_by"] == "month"


def test_lane_report_puts_the_busiest_lanes_first():
    query = sr.ReportQuery(datetime(2026, 1, 1), datetime(2026, 3, 31), "lane")
    groups = [
        (("FR → DE-BE",), _counts(shipments=1, otif_sum=1.0, otif_known=1)),
        (("BE → NL",), _counts(shipments=2, otif_sum=1.0, otif_known=2)),
        ((False,), _counts(shipments=1)),
    ]
    rows = sr.report(query, groups)["rows"]
    assert [row["lane"] for row in rows] == ["BE → NL", "FR → DE-BE", None]
    assert rows[0]["otif_pct"] == 50.0
    assert rows[1]["otif_pct"] == 100.0


def test_rates_are_rounded_to_one_decimal():
    query = sr.ReportQuery(datetime(2026, 1, 1), datetime(2026, 1, 31), "month")
    groups = [
        (
            (datetime(2026, 1, 1), None),
            _counts(shipments=3, on_time_sum=2.0, on_time_known=3),
        )
    ]
    assert sr.report(query, groups)["rows"][0]["on_time_pct"] == 66.7


def test_chart_draws_a_bar_per_known_rate():
    rows = [
        {"month": "2026-01", "on_time_pct": 100.0, "otif_pct": 50.0},
        {"month": "2026-02", "on_time_pct": None, "otif_pct": None},
    ]
    drawn = sr.chart(rows, "month")
    first, second = drawn["slots"]
    assert [bar["series"] for bar in first["bars"]] == ["on_time_pct", "otif_pct"]
    full, half = first["bars"]
    assert full["y"] == sr.CHART_MARGIN["top"]
    assert full["height"] == pytest.approx(2 * half["height"], abs=0.2)
    assert full["y"] + full["height"] == drawn["base"]
    assert second["bars"] == []
    assert first["x"] < second["x"] < drawn["right"]
    assert [tick["label"] for tick in drawn["ticks"]][-1] == "100%"


def test_chart_bars_say_what_they_show():
    drawn = sr.chart([{"month": "2026-01", "on_time_pct": 66.7}], "month")
    assert drawn["slots"][0]["bars"][0]["title"] == "2026-01 on time: 66.7 %"


def test_portal_labels_of_figures():
    assert sr.rate_label(33.3) == "33.3 %"
    assert sr.rate_label(0.0) == "0.0 %"
    assert sr.rate_label(None) == sr.NO_FIGURE
    assert sr.hours_label(15.0) == "15.0"
    assert sr.hours_label(None) == sr.NO_FIGURE


def test_chart_of_no_rows_has_no_slot():
    assert sr.chart([], "month")["slots"] == []


def test_the_first_and_last_months_a_datetime_holds_do_not_fail():
    assert sr.month_start(datetime(1, 3, 1), 11) == datetime(1, 1, 1)
    query = sr.parse_query({"to": ["0001-03-01"]}, NOW)
    assert query.start == datetime(1, 1, 1)
    assert sr.months(datetime(9999, 11, 5), datetime.max) == ["9999-11", "9999-12"]
    assert sr.months(datetime(1, 1, 1), datetime(1, 1, 2)) == ["0001-01"]


def test_report_operation_is_a_valid_description_and_answers_match_it():
    routes = []
    openapi.register(
        openapi.operation(
            "get",
            "/reports/service-level",
            "shipments:read",
            "Report",
            "ServiceLevelReport",
            query=openapi.SERVICE_LEVEL_QUERY,
        ),
        routes,
    )
    document = openapi.build_document(routes, public={})
    validate(document)
    operation = document["paths"]["/reports/service-level"]["get"]
    assert [p["name"] for p in operation["parameters"]] == list(sr.ARGUMENTS)
    assert "422" in operation["responses"]
    schema = openapi.ANSWER_SCHEMAS["ServiceLevelReport"]
    for group_by, keys in (("lane", ("BE → FR",)), ("month", (None, NOW))):
        query = sr.ReportQuery(datetime(2026, 1, 1), datetime(2026, 11, 30), group_by)
        counts = _counts(shipments=1, otif_sum=1.0, otif_known=1)
        jsonschema.validate(sr.report(query, [(keys, counts)]), schema)
