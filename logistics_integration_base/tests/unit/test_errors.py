"""Tests of the error hierarchy and of the retryability decision."""

import psycopg2.errors
import pytest
import requests

from logistics_integration_base.lib import errors


def _http_error(status, text="", headers=None, url="https://tms.example/api/v1/x"):
    response = requests.Response()
    response.status_code = status
    response.reason = "Reason"
    response._content = text.encode("utf-8")
    response.encoding = "utf-8"
    response.headers.update(headers or {})
    response.url = url
    return requests.exceptions.HTTPError(f"{status} error", response=response)


def test_hierarchy():
    assert issubclass(errors.RetryableError, errors.IntegrationError)
    assert issubclass(errors.PermanentError, errors.IntegrationError)
    for cls in (errors.SchemaViolation, errors.SignatureError):
        assert issubclass(cls, errors.PermanentError)
    assert issubclass(errors.InvalidTransition, ValueError)
    assert not issubclass(errors.InvalidTransition, errors.IntegrationError)


def test_integration_error_attributes():
    details = [{"pointer": "/a", "reason": "bad"}]
    exc = errors.IntegrationError("Boom", details=details, system="tms")
    assert str(exc) == "Boom"
    assert exc.message == "Boom"
    assert exc.details == details
    assert exc.details is not details  # caller's list is not kept
    assert exc.system == "tms"
    plain = errors.PermanentError("x")
    assert plain.details == []
    assert plain.system is None


def test_retryable_error_retry_after():
    assert errors.RetryableError("x", retry_after=30).retry_after == 30
    assert errors.RetryableError("x").retry_after is None


@pytest.mark.parametrize("reason", ["missing", "malformed", "expired", "mismatch"])
def test_signature_error_reason(reason):
    exc = errors.SignatureError("Signature problem", reason=reason)
    assert exc.reason == reason
    assert str(exc) == "Signature problem"


def test_signature_error_rejects_unknown_reason():
    with pytest.raises(ValueError, match="Unknown signature error reason 'weird'"):
        errors.SignatureError("x", reason="weird")


def test_classified_errors_are_returned_as_is():
    retryable = errors.RetryableError("later")
    permanent = errors.SchemaViolation("never")
    assert errors.classify(retryable) is retryable
    assert errors.classify(permanent) is permanent


def test_unclassified_integration_error_becomes_permanent():
    original = errors.IntegrationError("odd", details=[{"pointer": "", "reason": "r"}])
    result = errors.classify(original)
    assert type(result) is errors.PermanentError
    assert str(result) == "odd"
    assert result.details == original.details
    assert result.__cause__ is original


@pytest.mark.parametrize(
    "exc",
    [
        requests.exceptions.ConnectionError("refused"),
        requests.exceptions.ConnectTimeout("slow connect"),
        requests.exceptions.ReadTimeout("slow read"),
        requests.exceptions.Timeout("slow"),
        requests.exceptions.ChunkedEncodingError("dropped"),
        psycopg2.errors.SerializationFailure("could not serialize"),
        psycopg2.errors.DeadlockDetected("deadlock"),
        psycopg2.errors.LockNotAvailable("lock"),
        psycopg2.errors.OutOfMemory("out of shared memory"),
        psycopg2.errors.TooManyConnections("too many clients already"),
        psycopg2.errors.DiskFull("could not extend file"),
        OSError("network unreachable"),
        TimeoutError("timed out"),
        ConnectionResetError("reset"),
    ],
)
def test_transient_failures_are_retryable(exc):
    result = errors.classify(exc, system="tms")
    assert isinstance(result, errors.RetryableError)
    assert result.__cause__ is exc
    assert result.system == "tms"
    assert type(exc).__name__ in str(result)


@pytest.mark.parametrize(
    "exc",
    [
        requests.exceptions.InvalidURL("bad url"),
        requests.exceptions.MissingSchema("no scheme"),
        requests.exceptions.TooManyRedirects("loop"),
        psycopg2.errors.UniqueViolation("duplicate key"),
        KeyError("carrier"),
    ],
)
def test_other_failures_are_permanent(exc):
    result = errors.classify(exc)
    assert type(result) is errors.PermanentError
    assert result.__cause__ is exc


def test_unknown_exception_message():
    exc = ValueError("quantity must be positive")
    result = errors.classify(exc)
    assert str(result) == "ValueError: quantity must be positive"
    assert result.__cause__ is exc


def test_http_429_is_retryable_with_retry_after():
    exc = _http_error(429, headers={"Retry-After": "120"})
    result = errors.classify(exc, system="portal")
    assert isinstance(result, errors.RetryableError)
    assert result.retry_after == 120
    assert result.system == "portal"
    assert result.__cause__ is exc
    assert str(result).startswith("HTTP 429 Reason from https://tms.example/api/v1/x")


def test_http_429_without_or_with_garbage_retry_after():
    assert errors.classify(_http_error(429)).retry_after is None
    garbage = _http_error(429, headers={"Retry-After": "soon"})
    assert errors.classify(garbage).retry_after is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_http_5xx_is_retryable(status):
    result = errors.classify(_http_error(status, text="upstream down"))
    assert isinstance(result, errors.RetryableError)
    assert result.retry_after is None
    assert f"HTTP {status}" in str(result)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_http_4xx_is_permanent_with_response_text(status):
    exc = _http_error(status, text='{"error": "unknown carrier"}')
    result = errors.classify(exc)
    assert type(result) is errors.PermanentError
    assert str(result) == (
        f"HTTP {status} Reason from https://tms.example/api/v1/x: "
        '{"error": "unknown carrier"}'
    )
    assert result.__cause__ is exc


def test_http_error_text_is_truncated():
    result = errors.classify(_http_error(400, text="x" * 2000))
    body = str(result).split(": ", 1)[1]
    assert body == "x" * errors.MAX_RESPONSE_TEXT + errors.TRUNCATION_MARK


def test_http_error_message_hides_credentials_and_query():
    url = "https://user:pw@tms.example:8443/api/x?token=s3cret#frag"
    result = errors.classify(_http_error(404, url=url))
    assert "https://tms.example:8443/api/x" in str(result)
    assert "s3cret" not in str(result)
    assert "pw" not in str(result)


def test_http_error_without_response_is_permanent():
    exc = requests.exceptions.HTTPError("no response")
    result = errors.classify(exc)
    assert type(result) is errors.PermanentError
    assert str(result) == "HTTPError: no response"
