"""Tests of the fold of a shipment's events (set-based apply)."""

from datetime import datetime, timedelta

import pytest

from logistics_integration_base.lib import ordering
from logistics_tms_connector.lib import event_fold, milestones

T0 = datetime(2026, 3, 3, 8, 0)


def event(minutes, code=milestones.EN_ROUTE, **values):
    moment = T0 + timedelta(minutes=minutes)
    return event_fold.Event(
        position=ordering.EventPosition(moment, minutes),
        stamp=moment.strftime("%Y-%m-%d %H:%M:%S"),
        code=code,
        values=values,
    )


def start(status=milestones.STATUS_ACCEPTED, **kwargs):
    return event_fold.Start(
        status=status, field_times=kwargs.pop("times", {}), **kwargs
    )


def one_by_one(status, codes):
    """The statuses `next_status` gives event after event (the slow path)."""
    statuses = []
    for code in codes:
        status = milestones.next_status(status, code) or status
        statuses.append(status)
    return statuses


def test_status_follows_each_event_and_ends_forward():
    codes = [
        milestones.CARRIER_ASSIGNED,
        milestones.ARRIVED_AT_PICKUP,
        milestones.EN_ROUTE,
        milestones.ESTIMATED_DELIVERY,
        milestones.OUT_FOR_DELIVERY,
    ]
    folded = event_fold.fold(start(), [event(n, code) for n, code in enumerate(codes)])
    assert folded.statuses == one_by_one(milestones.STATUS_ACCEPTED, codes)
    assert folded.status == milestones.STATUS_OUT_FOR_DELIVERY


def test_late_milestone_does_not_turn_the_status_back():
    folded = event_fold.fold(
        start(milestones.STATUS_IN_TRANSIT),
        [event(1, milestones.CARRIER_ASSIGNED), event(2, milestones.EN_ROUTE)],
    )
    assert folded.status is None
    assert folded.statuses == [milestones.STATUS_IN_TRANSIT] * 2


def test_newest_value_wins_and_field_times_follow():
    eta1, eta2 = T0 + timedelta(days=1), T0 + timedelta(days=2)
    folded = event_fold.fold(
        start(), [event(1, eta=eta1, tracking_number="A"), event(2, eta=eta2)]
    )
    assert folded.values == {"eta": eta2, "tracking_number": "A"}
    assert folded.field_times == {
        "eta": "2026-03-03 08:02:00",
        "tracking_number": "2026-03-03 08:01:00",
    }


def test_field_written_by_a_newer_event_is_kept():
    folded = event_fold.fold(
        start(times={"eta": "2026-03-03 09:00:00"}),
        [event(1, eta=T0 + timedelta(days=1), tracking_number="B")],
    )
    assert folded.values == {"tracking_number": "B"}
    assert folded.field_times["eta"] == "2026-03-03 09:00:00"


def test_nothing_changed_writes_nothing():
    folded = event_fold.fold(start(milestones.STATUS_IN_TRANSIT), [event(1)])
    assert (folded.values, folded.field_times, folded.status) == ({}, None, None)


@pytest.mark.parametrize(
    "code",
    [
        milestones.DELIVERED,
        milestones.DELIVERY_ATTEMPTED,
        milestones.REFUSED,
        milestones.TENDER_DECLINED,
        milestones.CANCELLED,
        milestones.RETURNED,
        milestones.DELAYED,
        milestones.DEPARTED_PICKUP,  # may validate delivery orders
        milestones.APPOINTMENT_CONFIRMED,
    ],
)
def test_events_with_more_effects_are_refused(code):
    assert code not in event_fold.FOLDABLE_CODES
    assert event_fold.fold(start(), [event(1), event(2, code)]) is None


@pytest.mark.parametrize(
    "status", [milestones.STATUS_EXCEPTION, milestones.STATUS_DELIVERED]
)
def test_exception_and_closed_shipments_are_refused(status):
    assert event_fold.fold(start(status), [event(1)]) is None


def test_stale_event_is_refused():
    applied = ordering.EventPosition(T0 + timedelta(minutes=5), 5)
    assert event_fold.fold(start(position=applied), [event(1)]) is None
    assert event_fold.fold(start(position=applied), [event(6), event(3)]) is None
    assert event_fold.fold(start(position=applied), [event(6)]) is not None


def test_event_without_time_is_refused():
    timeless = event_fold.Event(
        position=ordering.EventPosition(None, 1), stamp="", code=milestones.EN_ROUTE
    )
    assert event_fold.fold(start(), [timeless]) is None


def test_eta_past_the_promised_window_is_refused():
    promised = T0 + timedelta(days=1)
    late, on_time = promised + timedelta(hours=1), promised - timedelta(hours=1)
    assert event_fold.fold(start(promised_end=promised), [event(1, eta=late)]) is None
    assert event_fold.fold(start(promised_end=promised), [event(1, eta=on_time)])
    # Already late and not made on time by the events: refused too.
    assert event_fold.fold(start(eta=late, promised_end=promised), [event(1)]) is None
