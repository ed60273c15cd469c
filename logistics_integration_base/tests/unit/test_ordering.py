"""Tests of per-aggregate event ordering."""

from datetime import datetime, timedelta, timezone

from logistics_integration_base.lib.ordering import (
    EventPosition,
    is_stale,
    position_key,
    sort_events,
)

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)
T1 = T0 + timedelta(minutes=5)


def test_event_position_defaults():
    assert EventPosition() == (None, None)
    assert EventPosition(T0).sequence is None


def test_position_key_order():
    ordered = [
        EventPosition(None, None),
        EventPosition(None, 3),
        EventPosition(T0, None),
        EventPosition(T0, 1),
        EventPosition(T1, 0),
    ]
    keys = [position_key(pos) for pos in ordered]
    assert keys == sorted(keys)
    assert position_key(EventPosition(T0, None)) == position_key(EventPosition(T0, 0))


def test_naive_time_is_taken_as_utc():
    naive = T0.replace(tzinfo=None)
    paris = T0.astimezone(timezone(timedelta(hours=1)))
    assert position_key(EventPosition(naive, 1)) == position_key(EventPosition(T0, 1))
    assert position_key(EventPosition(paris, 1)) == position_key(EventPosition(T0, 1))
    assert position_key((T0, 2)) == position_key(EventPosition(T0, 2))


def test_nothing_applied_yet_is_never_stale():
    assert is_stale(None, EventPosition(None, None)) is False
    assert is_stale(None, EventPosition(T0, 1)) is False


def test_older_event_is_stale():
    last = EventPosition(T1, 1)
    assert is_stale(last, EventPosition(T0, 9)) is True
    assert is_stale(last, EventPosition(T1, 0)) is True
    assert is_stale(last, EventPosition(None, 99)) is True


def test_equal_or_newer_event_is_not_stale():
    last = EventPosition(T0, 2)
    assert is_stale(last, EventPosition(T0, 2)) is False
    assert is_stale(last, EventPosition(T0, 3)) is False
    assert is_stale(last, EventPosition(T1, None)) is False
    assert is_stale(EventPosition(None, None), EventPosition(None, None)) is False


def test_sort_events_by_position_stably():
    events = [
        {"id": "late", "pos": EventPosition(T1, 1)},
        {"id": "tie-a", "pos": EventPosition(T0, 1)},
        {"id": "no-time", "pos": EventPosition(None, None)},
        {"id": "tie-b", "pos": EventPosition(T0, 1)},
        {"id": "seq0", "pos": EventPosition(T0, None)},
    ]
    result = sort_events(events, key=lambda event: event["pos"])
    assert [event["id"] for event in result] == [
        "no-time",
        "seq0",
        "tie-a",
        "tie-b",
        "late",
    ]
    assert events[0]["id"] == "late"  # input untouched


def test_sort_positions_directly():
    positions = [EventPosition(T1, 0), EventPosition(T0, 5), EventPosition(T0, 2)]
    assert sort_events(positions) == [positions[2], positions[1], positions[0]]
    assert sort_events([]) == []
