"""Tests of the lateness helpers."""

from datetime import date, datetime, timedelta, timezone

import pytest

from logistics_tms_connector.lib import delay

PARIS_WINTER = timezone(timedelta(hours=1))
PROMISED = datetime(2026, 3, 3, 17, 0, tzinfo=PARIS_WINTER)  # 16:00 UTC


@pytest.mark.parametrize(
    ("eta", "late", "minutes"),
    [
        (datetime(2026, 3, 3, 16, 0, tzinfo=timezone.utc), False, 0),  # on time
        (datetime(2026, 3, 3, 15, 0, tzinfo=timezone.utc), False, 0),  # early
        (datetime(2026, 3, 3, 16, 0, 1, tzinfo=timezone.utc), True, 1),  # 1 s late
        (datetime(2026, 3, 3, 16, 45, tzinfo=timezone.utc), True, 45),
        (datetime(2026, 3, 3, 16, 45, 30, tzinfo=timezone.utc), True, 46),
        (datetime(2026, 3, 4, 16, 0, tzinfo=timezone.utc), True, 24 * 60),
        (datetime(2026, 3, 3, 16, 30), True, 30),  # naive: UTC
        (datetime(2026, 3, 3, 11, 30, tzinfo=timezone(timedelta(hours=-5))), True, 30),
    ],
)
def test_lateness_against_an_aware_promise(eta, late, minutes):
    assert delay.is_late(eta, PROMISED) is late
    assert delay.delay_minutes(eta, PROMISED) == minutes


def test_both_naive_are_compared_as_utc():
    assert (
        delay.delay_minutes(datetime(2026, 3, 3, 12, 5), datetime(2026, 3, 3, 12)) == 5
    )
    assert delay.is_late(datetime(2026, 3, 3, 12, 5), datetime(2026, 3, 3, 12))


def test_naive_promise_with_aware_eta():
    eta = datetime(2026, 3, 3, 17, 10, tzinfo=PARIS_WINTER)  # 16:10 UTC
    assert delay.delay_minutes(eta, datetime(2026, 3, 3, 16, 0)) == 10


@pytest.mark.parametrize(
    ("eta", "promised"), [(None, PROMISED), (PROMISED, None), (None, None)]
)
def test_unknown_values_are_never_late(eta, promised):
    assert delay.is_late(eta, promised) is False
    assert delay.delay_minutes(eta, promised) is None


def test_grace_minutes():
    eta = PROMISED + timedelta(minutes=10)
    assert delay.is_late(eta, PROMISED, grace_minutes=15) is False
    assert delay.is_late(eta, PROMISED, grace_minutes=10) is False
    assert delay.is_late(eta, PROMISED, grace_minutes=9) is True
    assert delay.delay_minutes(eta, PROMISED) == 10


@pytest.mark.parametrize(
    "value", ["2026-03-03T17:00:00Z", date(2026, 3, 3), 1772550000]
)
def test_non_datetimes_are_refused(value):
    with pytest.raises(TypeError, match="must be a datetime"):
        delay.is_late(value, PROMISED)
    with pytest.raises(TypeError, match="promised_end must be a datetime"):
        delay.delay_minutes(PROMISED, value)
