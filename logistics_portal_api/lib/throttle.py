"""Fixed-window rate limiting arithmetic (the counting happens in PostgreSQL)."""

import math
from datetime import datetime, timedelta

DEFAULT_WINDOW_SECONDS = 60


def window_start(now, window_seconds=DEFAULT_WINDOW_SECONDS):
    """The start of the window `now` falls in (naive UTC datetimes)."""
    epoch = datetime(1970, 1, 1)
    seconds = int((now - epoch).total_seconds())
    return epoch + timedelta(seconds=seconds - seconds % window_seconds)


def retry_after(now, start, window_seconds=DEFAULT_WINDOW_SECONDS):
    """Whole seconds until the window that starts at `start` is over (>= 1)."""
    remaining = (start + timedelta(seconds=window_seconds) - now).total_seconds()
    return max(1, math.ceil(remaining))
