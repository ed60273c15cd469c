"""Whether a shipment is late: its ETA compared with the promised delivery time.

Datetimes may be aware or naive; naive ones are taken as UTC (how Odoo stores
them). ``None`` on either side means "unknown", which is never late.
"""

import math
from datetime import timedelta

from odoo.addons.logistics_integration_base.lib.timestamps import as_utc

SECONDS_PER_MINUTE = 60
NO_DELAY = 0


def _lateness(eta, promised_end):
    """``eta - promised_end`` as a timedelta, or ``None`` if either is unknown."""
    if eta is None or promised_end is None:
        return None
    return as_utc(eta, "eta") - as_utc(promised_end, "promised_end")


def is_late(eta, promised_end, *, grace_minutes=0):
    """Whether ``eta`` is after ``promised_end`` by more than ``grace_minutes``.

    :raises TypeError: if a value is neither ``None`` nor a datetime
    """
    lateness = _lateness(eta, promised_end)
    return lateness is not None and lateness > timedelta(minutes=grace_minutes)


def delay_minutes(eta, promised_end):
    """Whole minutes (rounded up) by which ``eta`` is after ``promised_end``.

    ``0`` when on time or early, ``None`` when either value is unknown; so
    ``delay_minutes(...) > 0`` exactly when ``is_late(...)``.

    :raises TypeError: if a value is neither ``None`` nor a datetime
    """
    lateness = _lateness(eta, promised_end)
    if lateness is None:
        return None
    seconds = lateness.total_seconds()
    if seconds <= 0:
        return NO_DELAY
    return math.ceil(seconds / SECONDS_PER_MINUTE)
