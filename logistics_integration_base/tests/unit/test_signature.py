"""Tests of webhook signing and verification."""

import hashlib
import hmac

import pytest

from logistics_integration_base.lib import errors, signature

SECRET = "whsec_primary"
OLD_SECRET = "whsec_previous"
BODY = b'{"event":"delivered","shipment":"S0001"}'
NOW = 1_700_000_000


def _headers(secret=SECRET, body=BODY, now=NOW):
    headers = signature.signed_headers(secret, body, now=now)
    return headers[signature.TIMESTAMP_HEADER], headers[signature.SIGNATURE_HEADER]


def _verify(timestamp, sig, secrets=(SECRET,), body=BODY, now=NOW, **kwargs):
    return signature.verify(secrets, timestamp, sig, body, now=now, **kwargs)


def _reason(**kwargs):
    with pytest.raises(errors.SignatureError) as info:
        _verify(**kwargs)
    return info.value.reason


def test_sign_matches_reference_hmac():
    expected = hmac.new(
        SECRET.encode(), b"1700000000." + BODY, hashlib.sha256
    ).hexdigest()
    assert signature.sign(SECRET, NOW, BODY) == "sha256=" + expected
    assert signature.sign(SECRET.encode(), str(NOW), BODY) == "sha256=" + expected


def test_sign_rejects_empty_secret_and_text_body():
    with pytest.raises(ValueError, match="webhook secret is empty"):
        signature.sign("", NOW, BODY)
    with pytest.raises(TypeError, match="Body must be bytes, got str"):
        signature.sign(SECRET, NOW, "text")


def test_signed_headers():
    headers = signature.signed_headers(SECRET, BODY, now=NOW + 0.9)
    assert headers == {
        "X-Logistics-Timestamp": "1700000000",
        "X-Logistics-Signature": signature.sign(SECRET, NOW, BODY),
    }


def test_signed_headers_default_now_verifies():
    headers = signature.signed_headers(SECRET, BODY)
    index = signature.verify(
        [SECRET],
        headers[signature.TIMESTAMP_HEADER],
        headers[signature.SIGNATURE_HEADER],
        BODY,
    )
    assert index == 0


def test_round_trip_returns_index_of_matching_secret():
    assert _verify(*_headers()) == 0
    assert _verify(*_headers(OLD_SECRET), secrets=[SECRET, OLD_SECRET]) == 1
    assert _verify(*_headers(OLD_SECRET), secrets=iter(["", OLD_SECRET])) == 1


def test_uppercase_hex_and_surrounding_spaces_are_accepted():
    timestamp, sig = _headers()
    assert _verify(f" {timestamp} ", "SHA256=" + sig[7:].upper() + " ") == 0


@pytest.mark.parametrize(
    ("timestamp", "sig"), [(None, "sig"), ("", "sig"), ("123", None), ("123", "  ")]
)
def test_missing_headers(timestamp, sig):
    assert _reason(timestamp=timestamp, sig=sig) == "missing"


def test_missing_message_names_the_header():
    with pytest.raises(errors.SignatureError, match="Missing X-Logistics-Signature"):
        _verify(str(NOW), None)


@pytest.mark.parametrize(
    "timestamp", ["abc", "17e8", "-1700000000", "1.5", "9" * 400, "9" * 5000]
)
def test_malformed_timestamp(timestamp):
    _ts, sig = _headers()
    assert _reason(timestamp=timestamp, sig=sig) == "malformed"


@pytest.mark.parametrize(
    "sig", ["md5=abcd", "deadbeef" * 8, "sha256=xyz", "sha256=" + "a" * 63]
)
def test_malformed_signature(sig):
    assert _reason(timestamp=str(NOW), sig=sig) == "malformed"


@pytest.mark.parametrize("offset", [301, -301, 100_000])
def test_expired_in_both_directions(offset):
    timestamp, sig = _headers()
    assert _reason(timestamp=timestamp, sig=sig, now=NOW + offset) == "expired"


@pytest.mark.parametrize("offset", [300, -300, 0])
def test_within_tolerance(offset):
    assert _verify(*_headers(), now=NOW + offset) == 0


def test_custom_tolerance():
    timestamp, sig = _headers()
    assert _reason(timestamp=timestamp, sig=sig, now=NOW + 11, tolerance=10) == (
        "expired"
    )
    with pytest.raises(ValueError, match="Tolerance must not be negative"):
        _verify(timestamp, sig, tolerance=-1)


def test_expired_message_is_precise():
    timestamp, sig = _headers()
    with pytest.raises(errors.SignatureError, match="is 400 seconds away"):
        _verify(timestamp, sig, now=NOW + 400)


def test_mismatch():
    timestamp, sig = _headers()
    assert _reason(timestamp=timestamp, sig=sig, body=BODY + b" ") == "mismatch"
    assert _reason(timestamp=timestamp, sig=sig, secrets=["other"]) == "mismatch"
    # the timestamp is part of the signed message
    assert _reason(timestamp=str(NOW + 1), sig=sig) == "mismatch"


def test_no_active_secret_is_a_mismatch_with_clear_message():
    timestamp, sig = _headers()
    with pytest.raises(errors.SignatureError, match="No active webhook secret") as info:
        _verify(timestamp, sig, secrets=[])
    assert info.value.reason == "mismatch"


def test_signature_error_is_permanent():
    timestamp, sig = _headers()
    with pytest.raises(errors.PermanentError):
        _verify(timestamp, sig, secrets=["other"])
