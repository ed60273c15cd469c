"""The service report's pure parts: weighted rates, exception age buckets
(the SQL CASE as written) and the tiles' colours."""

from datetime import date

import pytest

from logistics_tms_connector.lib import service_report as sr


def test_weighted_rate_is_the_known_values_average():
    # Two days: 1 of 1 on time, then 1 of 3: the rate is 2 of 4, not 0.67.
    rows = [(1.0, 1), (1.0, 3)]
    assert sr.weighted(sum(r[0] for r in rows), sum(r[1] for r in rows)) == 0.5
    assert sr.weighted(0.0, 0) is None
    assert sr.weighted(3.0, 4) == 0.75


@pytest.mark.parametrize(
    ("hours", "bucket"),
    [(0, "lt_1d"), (23.99, "lt_1d"), (24, "1d_3d"), (71.9, "1d_3d"), (72, "gt_3d")],
)
def test_age_buckets(hours, bucket):
    assert sr.age_bucket(hours) == bucket


def test_age_bucket_sql_says_the_same_as_python():
    sql = sr.age_bucket_sql("h")
    assert sql == (
        "CASE WHEN h < 24 THEN 'lt_1d' WHEN h < 72 THEN '1d_3d' ELSE 'gt_3d' END"
    )


@pytest.mark.parametrize(
    ("kind", "value", "count", "key", "level"),
    [
        ("status", None, 5, "in_transit", sr.OK),
        ("status", None, 1, "exception", sr.DANGER),
        ("status", None, 0, "exception", sr.OK),
        ("exception_age", None, 3, "lt_1d", sr.OK),
        ("exception_age", None, 1, "1d_3d", sr.WARNING),
        ("exception_age", None, 1, "gt_3d", sr.DANGER),
        ("exception_age", None, 0, "gt_3d", sr.OK),
        ("on_time", 97.0, 10, None, sr.OK),
        ("on_time", 95.0, 10, None, sr.OK),
        ("on_time", 94.9, 10, None, sr.WARNING),
        ("on_time", 89.9, 10, None, sr.DANGER),
        ("on_time", None, 0, None, sr.OK),
    ],
)
def test_tile_levels(kind, value, count, key, level):
    assert sr.tile_level(kind, value, count, key) == level


def test_unknown_tile_kind_is_refused():
    with pytest.raises(ValueError):
        sr.tile_level("nope", 1, 1)


def test_week_starts_on_monday():
    assert sr.week_start(date(2026, 12, 3)) == date(2026, 11, 30)
    assert sr.week_start(date(2026, 11, 30)) == date(2026, 11, 30)


def test_daily_window_is_this_month_and_the_last():
    assert sr.daily_cutoff(date(2026, 11, 30)) == date(2026, 10, 1)
    assert sr.daily_cutoff(date(2026, 1, 1)) == date(2025, 12, 1)
    assert sr.daily_cutoff(date(2026, 3, 31)) == date(2026, 2, 1)


def test_touched_days_become_days_and_whole_months():
    cutoff = date(2026, 10, 1)
    days = {date(2026, 11, 3), date(2026, 10, 1), date(2026, 9, 30), date(2026, 9, 2)}
    assert sr.periods(days, cutoff) == (
        [date(2026, 10, 1), date(2026, 11, 3)],
        [date(2026, 9, 1)],
    )
    assert sr.periods(set(), cutoff) == ([], [])


def test_next_month():
    assert sr.next_month(date(2026, 1, 31)) == date(2026, 2, 1)
    assert sr.next_month(date(2026, 12, 1)) == date(2027, 1, 1)
