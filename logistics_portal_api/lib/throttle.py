"""Fixed-window rate limiting arithmetic (the counting happens in PostgreSQL).

Counters are named buckets: ``<kind>:<subject>``, e.g. ``key:42`` (every
request of API key 42) or ``failed:address:192.0.2.7`` (the refused requests
of one remote address). One table counts them all, shared by every worker.
"""

import hashlib
import math
from datetime import datetime, timedelta

DEFAULT_WINDOW_SECONDS = 60
MAX_SUBJECT_LENGTH = 64

# The kinds of bucket: one vocabulary for the controllers and the model.
KEY = "key"  # every request of an API key, against its own rate limit
FAILED_CLIENT = "failed:client"  # 401 and 403 answers, per key id
FAILED_ADDRESS = "failed:address"  # 401 and 403 answers, per remote address
TOKEN_CLIENT = "token:client"  # POST /oauth/token, per client_id
TOKEN_ADDRESS = "token:address"  # POST /oauth/token, per remote address
# Per minute; each is a system parameter `logistics_portal_api.limit.<kind>`.
DEFAULT_LIMITS = {
    FAILED_CLIENT: 10,
    FAILED_ADDRESS: 30,
    TOKEN_CLIENT: 10,
    TOKEN_ADDRESS: 30,
}


def bucket(kind, subject):
    """The counter name of `subject` (a key id, an address...) for `kind`.

    Subjects come from requests: anything long or unprintable is replaced by
    its SHA-256, so a bucket name stays short and safe to log.
    """
    text = str(subject)
    if len(text) > MAX_SUBJECT_LENGTH or not (text.isascii() and text.isprintable()):
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        text = "sha256-" + digest
    return "%s:%s" % (kind, text)


def window_start(now, window_seconds=DEFAULT_WINDOW_SECONDS):
    """The start of the window `now` falls in (naive UTC datetimes)."""
    epoch = datetime(1970, 1, 1)
    seconds = int((now - epoch).total_seconds())
    return epoch + timedelta(seconds=seconds - seconds % window_seconds)


def retry_after(now, start, window_seconds=DEFAULT_WINDOW_SECONDS):
    """Whole seconds until the window that starts at `start` is over (>= 1)."""
    remaining = (start + timedelta(seconds=window_seconds) - now).total_seconds()
    return max(1, math.ceil(remaining))
