"""Per-aggregate ordering of events that may arrive late or out of order.

An event's position is its event time, then its sequence number. A missing
time sorts before any time; a missing sequence counts as 0. Naive datetimes
are taken as UTC so that they compare with aware ones.
"""

from datetime import datetime, timezone
from typing import NamedTuple

NO_TIME_RANK = 0
TIME_RANK = 1
DEFAULT_SEQUENCE = 0


class EventPosition(NamedTuple):
    """Where an event sits in the history of its aggregate."""

    event_time: datetime | None = None
    sequence: int | None = None


def position_key(pos):
    """Sortable key for an :class:`EventPosition` (or a ``(time, seq)`` tuple)."""
    event_time, sequence = pos
    sequence = DEFAULT_SEQUENCE if sequence is None else sequence
    if event_time is None:
        return (NO_TIME_RANK, DEFAULT_SEQUENCE, sequence)
    if event_time.tzinfo is None:
        event_time = event_time.replace(tzinfo=timezone.utc)
    return (TIME_RANK, event_time, sequence)


def is_stale(last_applied, incoming):
    """True if ``incoming`` is strictly older than the last applied position.

    An equal position is not stale (it is a duplicate, handled elsewhere).
    """
    if last_applied is None:
        return False
    return position_key(incoming) < position_key(last_applied)


def sort_events(events, key=lambda event: event):
    """Events sorted oldest first; stable for equal positions.

    :param key: returns the :class:`EventPosition` of an event (default: the
        events are positions themselves)
    """
    return sorted(events, key=lambda event: position_key(key(event)))
