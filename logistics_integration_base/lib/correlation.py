"""Correlation IDs that follow one business flow across systems."""

import re
import uuid

HEADER = "X-Correlation-ID"
MAX_LENGTH = 128
_ACCEPTED_RE = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_LENGTH}}}", re.ASCII)


def new_id():
    """A new random correlation ID (UUID4, with dashes)."""
    return str(uuid.uuid4())


def accept(header_value):
    """The incoming ID if it is safe to reuse, else a new one.

    Accepted: 1 to 128 characters among letters, digits and ``._:-`` after
    stripping surrounding whitespace. Anything else is replaced, never trusted.
    """
    if isinstance(header_value, str):
        candidate = header_value.strip()
        if _ACCEPTED_RE.fullmatch(candidate):
            return candidate
    return new_id()
