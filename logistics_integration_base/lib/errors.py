"""Exception hierarchy of the integration engine and the one place that decides
whether a failure is worth retrying.

Every failure that reaches the message log is turned into either a
:class:`RetryableError` (the message goes back to the queue with backoff) or a
:class:`PermanentError` (the message goes to the dead-letter state) by
:func:`classify`.
"""

from urllib.parse import urlsplit, urlunsplit

import psycopg2.errors
import requests

from . import backoff

HTTP_TOO_MANY_REQUESTS = 429
HTTP_CLIENT_ERROR_MIN = 400
HTTP_SERVER_ERROR_MIN = 500
MAX_RESPONSE_TEXT = 500
TRUNCATION_MARK = "…"

SIGNATURE_MISSING = "missing"
SIGNATURE_MALFORMED = "malformed"
SIGNATURE_EXPIRED = "expired"
SIGNATURE_MISMATCH = "mismatch"
SIGNATURE_REASONS = frozenset(
    {SIGNATURE_MISSING, SIGNATURE_MALFORMED, SIGNATURE_EXPIRED, SIGNATURE_MISMATCH}
)

# Network failures where the request may simply succeed a bit later.
# ChunkedEncodingError: the connection dropped while the body was streaming.
RETRYABLE_REQUESTS_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
# Database conflicts that a new transaction usually resolves.
RETRYABLE_DATABASE_ERRORS = (
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.DeadlockDetected,
    psycopg2.errors.LockNotAvailable,
)
# The server short of a resource for a moment (SQL class 53: memory, its lock
# table, disk, connections): not the message's fault, retried later. Not a
# conflict: Odoo does not replay a request on these.
RESOURCE_DATABASE_ERRORS = (
    psycopg2.errors.InsufficientResources,
    psycopg2.errors.OutOfMemory,
    psycopg2.errors.DiskFull,
    psycopg2.errors.TooManyConnections,
    psycopg2.errors.ConfigurationLimitExceeded,
)


class IntegrationError(Exception):
    """Base class of every error raised by the integration engine.

    :param message: human-readable explanation
    :param details: optional list of ``{"pointer": str, "reason": str}`` dicts
        locating individual problems (e.g. schema violations)
    :param system: name of the system that failed (``"tms"``, ``"portal"``...)
    """

    def __init__(self, message, *, details=None, system=None):
        super().__init__(message)
        self.message = message
        self.details = list(details or [])
        self.system = system


class RetryableError(IntegrationError):
    """Transient failure: the same message may succeed if tried again later.

    :param retry_after: seconds the remote system asked us to wait, if any
    """

    def __init__(self, message, *, retry_after=None, details=None, system=None):
        super().__init__(message, details=details, system=system)
        self.retry_after = retry_after


class PermanentError(IntegrationError):
    """Failure that retrying cannot fix; the message goes to dead-letter."""


class SchemaViolation(PermanentError):
    """The payload does not match its JSON Schema."""


class SignatureError(PermanentError):
    """A webhook signature could not be verified.

    :param reason: one of ``"missing"``, ``"malformed"``, ``"expired"``,
        ``"mismatch"`` (see :data:`SIGNATURE_REASONS`)
    """

    def __init__(self, message, *, reason, details=None, system=None):
        if reason not in SIGNATURE_REASONS:
            allowed = ", ".join(sorted(SIGNATURE_REASONS))
            raise ValueError(
                f"Unknown signature error reason {reason!r}; expected one of {allowed}"
            )
        super().__init__(message, details=details, system=system)
        self.reason = reason


class InvalidTransition(ValueError):
    """A message state change that the state machine does not allow."""


def classify(exc, system=None):
    """Return a :class:`RetryableError` or :class:`PermanentError` for ``exc``.

    Already classified errors are returned unchanged. Any other exception is
    wrapped in a new instance whose ``__cause__`` is the original exception.

    :param exc: the exception to classify
    :param system: name of the remote system, stored on the new error
    """
    if isinstance(exc, (RetryableError, PermanentError)):
        return exc
    error = _classify_new(exc, system)
    error.__cause__ = exc
    return error


def _classify_new(exc, system):
    """Build the classified error for an exception not classified yet."""
    if isinstance(exc, IntegrationError):
        return PermanentError(exc.message, details=exc.details, system=exc.system)
    # Checked before OSError because requests exceptions derive from it.
    if isinstance(exc, requests.exceptions.RequestException):
        return _classify_requests_error(exc, system)
    if isinstance(exc, RETRYABLE_DATABASE_ERRORS):
        return RetryableError(_describe(exc, "Database conflict"), system=system)
    if isinstance(exc, RESOURCE_DATABASE_ERRORS):
        return RetryableError(
            _describe(exc, "Database short of resources"), system=system
        )
    if isinstance(exc, OSError):  # TimeoutError is an OSError subclass
        return RetryableError(_describe(exc, "System error"), system=system)
    return PermanentError(_describe(exc), system=system)


def _classify_requests_error(exc, system):
    """Classify an exception raised by ``requests``."""
    if isinstance(exc, requests.exceptions.HTTPError):
        return _classify_http_error(exc, system)
    if isinstance(exc, RETRYABLE_REQUESTS_ERRORS):
        return RetryableError(_describe(exc, "Network error"), system=system)
    # Invalid URL, missing schema, too many redirects...: retrying the same
    # request cannot help.
    return PermanentError(_describe(exc), system=system)


def _classify_http_error(exc, system):
    """Classify an HTTP error by its response status code."""
    response = exc.response
    if response is None:
        return PermanentError(_describe(exc), system=system)
    status = response.status_code
    summary = f"HTTP {status} {response.reason or ''}".rstrip()
    url = _safe_url(response.url)
    if url:
        summary = f"{summary} from {url}"
    if status == HTTP_TOO_MANY_REQUESTS:
        retry_after = backoff.parse_retry_after(response.headers.get("Retry-After"))
        return RetryableError(summary, retry_after=retry_after, system=system)
    if status >= HTTP_SERVER_ERROR_MIN:
        return RetryableError(summary, system=system)
    text = _truncate(response.text or "")
    message = f"{summary}: {text}" if text else summary
    return PermanentError(message, system=system)


def _describe(exc, prefix=None):
    """``"<Type>: <text>"`` for an exception, optionally prefixed."""
    text = str(exc).strip()
    described = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return f"{prefix} ({described})" if prefix else described


def _truncate(text, limit=MAX_RESPONSE_TEXT):
    """Cut ``text`` to ``limit`` characters, marking the cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[:limit] + TRUNCATION_MARK


def _safe_url(url):
    """The URL without credentials, query string or fragment (may hold tokens)."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
