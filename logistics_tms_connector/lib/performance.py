"""Service-level facts of one shipment, computed once from what the TMS told.

On time (against the promised window and against a confirmed appointment),
in full (delivered against ordered quantities), OTIF, transit time, dwell at
pickup (arrival -> departure) and at delivery (arrival -> delivered), the
exceptions met and the freight cost per shipment, kg and km.

A fact that cannot be known yet is ``None`` (not ``False``): a shipment on
its way is neither late nor on time. A shipment that ended without being
delivered (refused, returned, cancelled after pickup) is neither on time nor
in full. Times may be naive (UTC, as Odoo stores them) or aware.

Pure Python: tested in ``tests/unit/test_performance.py``.
"""

from dataclasses import dataclass
from datetime import timedelta

from odoo.addons.logistics_integration_base.lib.timestamps import as_utc

from . import milestones

SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class Window:
    """A time window; either bound may be missing (``None``)."""

    start: object = None
    end: object = None

    def holds(self, moment, grace=timedelta(0)):
        """Whether ``moment`` falls in the window widened by ``grace``, or None
        when the window has no bound at all."""
        if self.start is None and self.end is None:
            return None
        moment = as_utc(moment, "moment")
        if self.start is not None and moment < as_utc(self.start, "start") - grace:
            return False
        return self.end is None or moment <= as_utc(self.end, "end") + grace


def _first(events, code):
    times = [time for event_code, time in events if event_code == code]
    return min(times) if times else None


def _span(earlier, later, unit):
    if earlier is None or later is None:
        return None
    seconds = (as_utc(later, "later") - as_utc(earlier, "earlier")).total_seconds()
    return round(seconds / unit, 2) if seconds >= 0 else None


def _per(cost, quantity):
    return round(cost / quantity, 4) if cost is not None and quantity else None


def in_full(ordered, delivered):
    """Every ordered quantity delivered (more is in full too); None when
    nothing was ordered or nothing is known of the delivery."""
    if not ordered or delivered is None:
        return None
    return all(delivered.get(key, 0) >= quantity for key, quantity in ordered.items())


def shipment_facts(
    events,
    *,
    promised=None,
    appointment=None,
    ordered=None,
    delivered=None,
    ended_undelivered=False,
    exceptions=(),
    cost=None,
    weight_kg=None,
    distance_km=None,
    grace_minutes=0,
):
    """The facts of one shipment.

    :param events: ``(canonical milestone code, event time)`` pairs
    :param promised: the promised delivery :class:`Window`
    :param appointment: the confirmed appointment :class:`Window`, if any
    :param ordered: ``{line key: quantity}`` ordered
    :param delivered: ``{line key: quantity}`` delivered (None: unknown)
    :param ended_undelivered: the shipment ended without a delivery
    :param exceptions: the exception kinds met, in order (repeats count)
    :param grace_minutes: tolerance on both ends of the windows
    :returns: a dict of facts (see the module's docstring)
    """
    events = list(events)
    delivered_at = _first(events, milestones.DELIVERED)
    grace = timedelta(minutes=grace_minutes)
    if delivered_at is not None:
        on_time = (promised or Window()).holds(delivered_at, grace)
        on_appointment = (appointment or Window()).holds(delivered_at, grace)
        full = in_full(ordered, delivered)
    elif ended_undelivered:
        on_time = False if promised else None
        on_appointment = False if appointment else None
        full = False if ordered else None
    else:
        on_time = on_appointment = full = None
    departed = _first(events, milestones.DEPARTED_PICKUP)
    delivery_arrivals = [
        time
        for code, time in events
        if code == milestones.ARRIVED_AT_DELIVERY
        and (delivered_at is None or time <= delivered_at)
    ]
    return {
        "delivered_at": delivered_at,
        "on_time": on_time,
        "on_time_appointment": on_appointment,
        "in_full": full,
        "otif": None if on_time is None or full is None else on_time and full,
        "transit_hours": _span(departed, delivered_at, SECONDS_PER_HOUR),
        "pickup_dwell_minutes": _span(
            _first(events, milestones.ARRIVED_AT_PICKUP), departed, SECONDS_PER_MINUTE
        ),
        "delivery_dwell_minutes": _span(
            max(delivery_arrivals) if delivery_arrivals else None,
            delivered_at,
            SECONDS_PER_MINUTE,
        ),
        "exception_count": len(exceptions),
        "exception_kinds": sorted(set(exceptions)),
        "cost": cost,
        "cost_per_kg": _per(cost, weight_kg),
        "cost_per_km": _per(cost, distance_km),
    }
