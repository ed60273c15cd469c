"""Retry schedule: how long to wait before the next attempt of a message.

Delays are whole seconds. The schedule is configurable as a comma-separated
string (e.g. ``"30, 120, 600"``); attempts beyond its end reuse its last value.
"""

import math
import random
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from . import timestamps

DEFAULT_SCHEDULE = (30, 120, 600, 1800, 3600)
DEFAULT_JITTER_RATIO = 0.1
MIN_DELAY = 1

_SECONDS_RE = re.compile(r"\d+", re.ASCII)
_DELTA_SECONDS_RE = re.compile(r"-?\d+", re.ASCII)


def parse_schedule(text):
    """Parse ``"30, 120,600"`` into ``(30, 120, 600)``.

    :raises ValueError: if the text is empty or an entry is not a positive
        whole number of seconds
    """
    if text is None or not str(text).strip():
        raise ValueError(
            "Retry schedule is empty; expected comma-separated seconds "
            "such as '30, 120, 600'"
        )
    delays = []
    for position, raw in enumerate(str(text).split(","), start=1):
        delays.append(_parse_schedule_entry(raw.strip(), position))
    return tuple(delays)


def _parse_schedule_entry(entry, position):
    """Parse one entry of a retry schedule (``position`` is 1-based)."""
    if not entry:
        raise ValueError(f"Retry schedule entry #{position} is empty")
    if not _SECONDS_RE.fullmatch(entry):
        raise ValueError(
            f"Retry schedule entry #{position} ({entry!r}) is not a whole "
            "number of seconds"
        )
    seconds = int(entry)
    if seconds <= 0:
        raise ValueError(
            f"Retry schedule entry #{position} must be positive, got {seconds}"
        )
    return seconds


def next_delay(
    attempt,
    schedule=DEFAULT_SCHEDULE,
    retry_after=None,
    jitter_ratio=DEFAULT_JITTER_RATIO,
    rng=random.random,
):
    """Seconds to wait before the next attempt.

    :param attempt: number of attempts already made (1 after the first failure)
    :param schedule: delays in seconds; attempts beyond it reuse the last one
    :param retry_after: delay requested by the remote side (``Retry-After``);
        used when larger than the scheduled delay, and never shortened by jitter
    :param jitter_ratio: random spread, e.g. ``0.1`` for ±10 %
    :param rng: callable returning a float in ``[0, 1)``
    :return: an integer delay of at least one second
    """
    if attempt < 1:
        raise ValueError(f"Attempt count must be at least 1, got {attempt}")
    if not schedule:
        raise ValueError("Retry schedule is empty")
    if not 0 <= jitter_ratio <= 1:
        raise ValueError(f"Jitter ratio must be between 0 and 1, got {jitter_ratio}")
    base = schedule[min(attempt, len(schedule)) - 1]
    if retry_after is not None and retry_after > base:
        base = retry_after
    delay = base * (1 + jitter_ratio * (2 * rng() - 1))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return max(MIN_DELAY, round(delay))


def should_retry(attempts, max_attempts):
    """True while fewer than ``max_attempts`` attempts have been made."""
    return attempts < max_attempts


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header value.

    Accepts delta-seconds (``"120"``) or an HTTP-date
    (``"Wed, 21 Oct 2015 07:28:00 GMT"``). The result is clamped to be >= 0.

    :param now: aware ``datetime`` used as "now" for HTTP-dates (default: UTC now);
        a naive value is taken as UTC
    :return: whole seconds, or ``None`` when the value is missing or unreadable
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if _DELTA_SECONDS_RE.fullmatch(text):
        return max(0, int(text))
    return _seconds_until_http_date(text, now)


def _seconds_until_http_date(text, now):
    """Seconds from ``now`` until the HTTP-date ``text``; None if unreadable."""
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    now = now or datetime.now(timezone.utc)
    seconds = (timestamps.as_utc(moment) - timestamps.as_utc(now)).total_seconds()
    return max(0, math.ceil(seconds))
