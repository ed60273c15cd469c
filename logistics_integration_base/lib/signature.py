"""HMAC-SHA256 webhook signatures with a replay window.

The signed message is ``<timestamp> + "." + <raw body bytes>``; the signature
header holds ``sha256=<hex digest>``. Several secrets may be active at once so
that a secret can be rotated without downtime.
"""

import hashlib
import hmac
import re
import time

from . import errors

TIMESTAMP_HEADER = "X-Logistics-Timestamp"
SIGNATURE_HEADER = "X-Logistics-Signature"
SIGNATURE_PREFIX = "sha256="
DEFAULT_TOLERANCE = 300  # seconds, in both directions

# Seconds since 1970: 12 digits reach year 33658; more is an attack (a number
# of thousands of digits is too large for int() or for float arithmetic).
_TIMESTAMP_RE = re.compile(r"\d{1,12}", re.ASCII)
_HEX_DIGEST_RE = re.compile(r"[0-9a-f]{64}", re.ASCII)


def sign(secret, timestamp, body):
    """Signature header value ``sha256=<hex>`` for ``body`` at ``timestamp``.

    :param secret: shared secret (``str`` is UTF-8 encoded)
    :param timestamp: Unix time in seconds, as sent in the timestamp header
    :param body: the raw request body, as bytes
    """
    if not secret:
        raise ValueError("Cannot sign: the webhook secret is empty")
    if not isinstance(body, (bytes, bytearray)):
        raise TypeError(f"Body must be bytes, got {type(body).__name__}")
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    message = str(timestamp).encode("ascii") + b"." + bytes(body)
    return SIGNATURE_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()


def signed_headers(secret, body, now=None):
    """Both webhook headers for sending ``body`` signed with ``secret``."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def verify(
    secrets,
    timestamp_header,
    signature_header,
    body,
    *,
    now=None,
    tolerance=DEFAULT_TOLERANCE,
):
    """Check a webhook signature; return the index of the secret that matched.

    :param secrets: active secrets, primary first (empty entries are skipped)
    :param timestamp_header: value of :data:`TIMESTAMP_HEADER` (or None)
    :param signature_header: value of :data:`SIGNATURE_HEADER` (or None)
    :param body: the raw request body, as bytes
    :param now: current Unix time (default: ``time.time()``)
    :param tolerance: maximum clock difference in seconds, either direction
    :raises errors.SignatureError: with ``reason`` "missing", "malformed",
        "expired" or "mismatch"
    """
    if tolerance < 0:
        raise ValueError(f"Tolerance must not be negative, got {tolerance}")
    timestamp = _parse_timestamp(timestamp_header)
    digest = _parse_signature(signature_header)
    _check_freshness(int(timestamp), now, tolerance)
    secrets = list(secrets)
    if not any(secrets):
        raise errors.SignatureError(
            "No active webhook secret is configured; cannot verify the signature",
            reason=errors.SIGNATURE_MISMATCH,
        )
    for index, secret in enumerate(secrets):
        if not secret:
            continue
        expected = sign(secret, timestamp, body)[len(SIGNATURE_PREFIX) :]
        if hmac.compare_digest(expected, digest):
            return index
    raise errors.SignatureError(
        "Webhook signature does not match any active secret",
        reason=errors.SIGNATURE_MISMATCH,
    )


def _parse_timestamp(value):
    """The stripped timestamp header; raise if missing or not an integer."""
    if value is None or not str(value).strip():
        raise errors.SignatureError(
            f"Missing {TIMESTAMP_HEADER} header", reason=errors.SIGNATURE_MISSING
        )
    value = str(value).strip()
    if not _TIMESTAMP_RE.fullmatch(value):
        raise errors.SignatureError(
            f"{TIMESTAMP_HEADER} header must be an integer Unix time in seconds",
            reason=errors.SIGNATURE_MALFORMED,
        )
    return value


def _parse_signature(value):
    """The lowercase hex digest of the signature header; raise if unusable."""
    if value is None or not str(value).strip():
        raise errors.SignatureError(
            f"Missing {SIGNATURE_HEADER} header", reason=errors.SIGNATURE_MISSING
        )
    value = str(value).strip()
    if not value.lower().startswith(SIGNATURE_PREFIX):
        raise errors.SignatureError(
            f"{SIGNATURE_HEADER} header must start with {SIGNATURE_PREFIX!r}",
            reason=errors.SIGNATURE_MALFORMED,
        )
    digest = value[len(SIGNATURE_PREFIX) :].lower()
    if not _HEX_DIGEST_RE.fullmatch(digest):
        raise errors.SignatureError(
            f"{SIGNATURE_HEADER} header must hold a 64-character hex digest",
            reason=errors.SIGNATURE_MALFORMED,
        )
    return digest


def _check_freshness(timestamp, now, tolerance):
    """Raise if ``timestamp`` is more than ``tolerance`` seconds from ``now``."""
    now = time.time() if now is None else now
    skew = abs(now - timestamp)
    if skew > tolerance:
        raise errors.SignatureError(
            f"Webhook timestamp is {int(skew)} seconds away from the server "
            f"clock (tolerance {tolerance} seconds)",
            reason=errors.SIGNATURE_EXPIRED,
        )
