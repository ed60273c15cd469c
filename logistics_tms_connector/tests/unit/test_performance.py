"""Service-level facts, checked against values computed by hand."""

from datetime import datetime, timedelta, timezone

import pytest

from logistics_tms_connector.lib import milestones as m
from logistics_tms_connector.lib.performance import Window, in_full, shipment_facts

DAY = datetime(2026, 12, 1)  # naive: UTC, as Odoo stores it
PROMISED = Window(DAY.replace(hour=8), DAY.replace(hour=12))


def at(hour, minute=0):
    return DAY.replace(hour=hour, minute=minute)


def delivered_timeline(delivered_at):
    """Picked up the evening before; arrived 25 minutes before delivery."""
    return [
        (m.TENDER_ACCEPTED, at(6) - timedelta(days=1)),
        (m.ARRIVED_AT_PICKUP, at(16) - timedelta(days=1)),
        (m.DEPARTED_PICKUP, at(16, 40) - timedelta(days=1)),
        (m.EN_ROUTE, at(2)),
        (m.ARRIVED_AT_DELIVERY, delivered_at - timedelta(minutes=25)),
        (m.DELIVERED, delivered_at),
    ]


def test_delivered_on_time_and_in_full():
    facts = shipment_facts(
        delivered_timeline(at(10, 40)),
        promised=PROMISED,
        ordered={"KEG30": 4, "CRATE24": 2},
        delivered={"KEG30": 4, "CRATE24": 2},
        cost=240.0,
        weight_kg=160.0,
        distance_km=300.0,
    )
    assert facts["delivered_at"] == at(10, 40)
    assert facts["on_time"] is True
    assert facts["in_full"] is True
    assert facts["otif"] is True
    # 16:40 the day before -> 10:40: 18 hours.
    assert facts["transit_hours"] == 18.0
    assert facts["pickup_dwell_minutes"] == 40.0
    assert facts["delivery_dwell_minutes"] == 25.0
    assert facts["exception_count"] == 0
    assert facts["cost_per_kg"] == 1.5
    assert facts["cost_per_km"] == 0.8
    # No appointment: nothing to be on time for.
    assert facts["on_time_appointment"] is None


def test_late_delivery_is_not_otif_even_in_full():
    facts = shipment_facts(
        delivered_timeline(at(13, 15)),
        promised=PROMISED,
        ordered={"KEG30": 4},
        delivered={"KEG30": 4},
        exceptions=["delay"],
    )
    assert facts["on_time"] is False
    assert facts["in_full"] is True
    assert facts["otif"] is False
    assert facts["transit_hours"] == 20.58  # 16:40 -> 13:15 next day
    assert facts["exception_count"] == 1
    assert facts["exception_kinds"] == ["delay"]


def test_grace_minutes_widen_the_window_on_both_ends():
    late_by_ten = delivered_timeline(at(12, 10))
    assert shipment_facts(late_by_ten, promised=PROMISED)["on_time"] is False
    facts = shipment_facts(late_by_ten, promised=PROMISED, grace_minutes=15)
    assert facts["on_time"] is True
    early = delivered_timeline(at(7, 30))
    assert shipment_facts(early, promised=PROMISED)["on_time"] is False


def test_partial_delivery_is_on_time_but_not_in_full():
    facts = shipment_facts(
        delivered_timeline(at(9)),
        promised=PROMISED,
        ordered={"KEG30": 4, "CRATE24": 2},
        delivered={"KEG30": 3, "CRATE24": 2},
    )
    assert (facts["on_time"], facts["in_full"], facts["otif"]) == (True, False, False)


def test_failed_delivery_ends_neither_on_time_nor_in_full():
    events = [
        (m.DEPARTED_PICKUP, at(6)),
        (m.ARRIVED_AT_DELIVERY, at(9)),
        (m.DELIVERY_ATTEMPTED, at(9, 20)),
        (m.RETURNED, at(15)),
    ]
    facts = shipment_facts(
        events,
        promised=PROMISED,
        ordered={"KEG30": 4},
        ended_undelivered=True,
        exceptions=["failed_delivery", "returned"],
    )
    assert facts["delivered_at"] is None
    assert (facts["on_time"], facts["in_full"], facts["otif"]) == (False, False, False)
    assert facts["transit_hours"] is None
    assert facts["delivery_dwell_minutes"] is None
    assert facts["exception_kinds"] == ["failed_delivery", "returned"]


def test_a_shipment_on_its_way_is_neither_late_nor_on_time():
    facts = shipment_facts(
        [(m.DEPARTED_PICKUP, at(6))], promised=PROMISED, ordered={"KEG30": 1}
    )
    assert (facts["on_time"], facts["in_full"], facts["otif"]) == (None, None, None)


def test_appointment_missed_while_the_promised_window_is_kept():
    facts = shipment_facts(
        delivered_timeline(at(11, 30)),
        promised=PROMISED,
        appointment=Window(at(9), at(10)),
    )
    assert facts["on_time"] is True
    assert facts["on_time_appointment"] is False


def test_a_redelivery_counts_the_arrival_before_the_delivery():
    events = [
        (m.DEPARTED_PICKUP, at(6)),
        (m.ARRIVED_AT_DELIVERY, at(8)),
        (m.DELIVERY_ATTEMPTED, at(8, 5)),
        (m.ARRIVED_AT_DELIVERY, at(11)),
        (m.DELIVERED, at(11, 12)),
    ]
    facts = shipment_facts(events, promised=PROMISED, exceptions=["failed_delivery"])
    assert facts["delivery_dwell_minutes"] == 12.0
    assert facts["on_time"] is True


def test_aware_times_are_compared_in_utc():
    cet = timezone(timedelta(hours=1))
    delivered = datetime(2026, 12, 1, 12, 30, tzinfo=cet)  # 11:30 UTC
    facts = shipment_facts([(m.DELIVERED, delivered)], promised=PROMISED)
    assert facts["on_time"] is True


def test_costs_without_weight_or_distance_are_unknown_per_unit():
    facts = shipment_facts([], cost=100.0, weight_kg=0, distance_km=None)
    assert (facts["cost"], facts["cost_per_kg"], facts["cost_per_km"]) == (
        100.0,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("ordered", "delivered", "expected"),
    [
        ({"A": 2}, {"A": 2}, True),
        ({"A": 2}, {"A": 3}, True),
        ({"A": 2, "B": 1}, {"A": 2}, False),
        ({}, {"A": 1}, None),
        ({"A": 1}, None, None),
    ],
)
def test_in_full(ordered, delivered, expected):
    assert in_full(ordered, delivered) is expected


def test_a_window_with_no_bound_says_nothing():
    assert Window().holds(at(10)) is None
    assert Window(end=at(12)).holds(at(1)) is True
    with pytest.raises(TypeError, match="moment must be a datetime"):
        Window(at(8), at(9)).holds("10:00")
