"""Tests of the retry schedule."""

from datetime import datetime, timedelta, timezone

import pytest

from logistics_integration_base.lib import backoff

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def _no_jitter():
    return 0.5  # 2 * 0.5 - 1 == 0: no spread


def test_default_schedule():
    assert backoff.DEFAULT_SCHEDULE == (30, 120, 600, 1800, 3600)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30, 120,600", (30, 120, 600)),
        ("  45 ", (45,)),
        ("1,1,1", (1, 1, 1)),
    ],
)
def test_parse_schedule(text, expected):
    assert backoff.parse_schedule(text) == expected


@pytest.mark.parametrize("text", ["", "   ", None])
def test_parse_schedule_empty(text):
    with pytest.raises(ValueError, match="Retry schedule is empty"):
        backoff.parse_schedule(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("30,,120", "Retry schedule entry #2 is empty"),
        ("30,", "Retry schedule entry #2 is empty"),
        ("30, abc", r"entry #2 \('abc'\) is not a whole number of seconds"),
        ("1.5", r"entry #1 \('1.5'\) is not a whole number of seconds"),
        ("-5", r"entry #1 \('-5'\) is not a whole number of seconds"),
        ("1_000", r"entry #1 \('1_000'\) is not a whole number"),
        ("30 60", r"entry #1 \('30 60'\) is not a whole number"),
        ("30, 0", "Retry schedule entry #2 must be positive, got 0"),
    ],
)
def test_parse_schedule_garbage(text, message):
    with pytest.raises(ValueError, match=message):
        backoff.parse_schedule(text)


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(1, 30), (2, 120), (3, 600), (5, 3600), (6, 3600), (50, 3600)],
)
def test_next_delay_follows_schedule(attempt, expected):
    assert backoff.next_delay(attempt, rng=_no_jitter) == expected


def test_next_delay_custom_schedule():
    assert backoff.next_delay(1, (10, 20), rng=_no_jitter) == 10
    assert backoff.next_delay(3, (10, 20), rng=_no_jitter) == 20


def test_jitter_bounds():
    low = backoff.next_delay(2, rng=lambda: 0.0)
    high = backoff.next_delay(2, rng=lambda: 0.999999)
    assert low == 108  # 120 - 10 %
    assert high == 132  # 120 + 10 % (rounded)
    assert backoff.next_delay(2, jitter_ratio=0, rng=lambda: 0.0) == 120


def test_jitter_with_real_random_stays_in_range():
    for _ in range(200):
        assert 27 <= backoff.next_delay(1) <= 33


def test_delay_is_at_least_one_second():
    assert backoff.next_delay(1, (1,), jitter_ratio=1, rng=lambda: 0.0) == 1


def test_retry_after_wins_when_larger_and_is_never_shortened():
    assert backoff.next_delay(1, retry_after=300, rng=_no_jitter) == 300
    assert backoff.next_delay(1, retry_after=300, rng=lambda: 0.0) == 300
    assert backoff.next_delay(1, retry_after=300, rng=lambda: 0.999999) == 330


def test_retry_after_smaller_than_schedule_is_ignored():
    assert backoff.next_delay(3, retry_after=5, rng=_no_jitter) == 600
    assert backoff.next_delay(1, retry_after=0, rng=_no_jitter) == 30


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"attempt": 0}, "Attempt count must be at least 1, got 0"),
        ({"attempt": 1, "schedule": ()}, "Retry schedule is empty"),
        ({"attempt": 1, "jitter_ratio": 1.5}, "Jitter ratio must be between 0 and 1"),
        ({"attempt": 1, "jitter_ratio": -0.1}, "Jitter ratio must be between 0 and 1"),
    ],
)
def test_next_delay_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        backoff.next_delay(**kwargs)


@pytest.mark.parametrize(
    ("attempts", "max_attempts", "expected"),
    [(0, 5, True), (4, 5, True), (5, 5, False), (6, 5, False), (0, 0, False)],
)
def test_should_retry(attempts, max_attempts, expected):
    assert backoff.should_retry(attempts, max_attempts) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120),
        (" 7 ", 7),
        ("0", 0),
        ("-5", 0),
        (42, 42),
        (None, None),
        ("", None),
        ("soon", None),
        ("1.5", None),
        ("Mon, 99 Foo 2025 99:99:99 GMT", None),
    ],
)
def test_parse_retry_after_delta_and_garbage(value, expected):
    assert backoff.parse_retry_after(value, now=NOW) == expected


def test_parse_retry_after_http_date():
    assert backoff.parse_retry_after("Sat, 01 Mar 2025 12:02:00 GMT", now=NOW) == 120
    # a fraction of a second still means "wait one more second"
    almost = NOW - timedelta(microseconds=1)
    assert backoff.parse_retry_after("Sat, 01 Mar 2025 12:00:00 GMT", almost) == 1


def test_parse_retry_after_http_date_in_the_past_is_zero():
    assert backoff.parse_retry_after("Sat, 01 Mar 2025 11:00:00 GMT", now=NOW) == 0


def test_parse_retry_after_http_date_with_naive_now_and_offset():
    naive_now = NOW.replace(tzinfo=None)
    assert backoff.parse_retry_after("Sat, 01 Mar 2025 13:01:00 +0100", naive_now) == 60


def test_parse_retry_after_http_date_default_now():
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    header = future.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 3590 <= backoff.parse_retry_after(header) <= 3600
