"""Tests of idempotency fingerprints."""

import pytest

from logistics_integration_base.lib import idempotency

PAYLOAD = {"order": "SO042", "lines": [{"sku": "A", "qty": 2}], "note": "café"}


def test_fingerprint_is_sha256_hex():
    value = idempotency.fingerprint(PAYLOAD)
    assert len(value) == 64
    assert int(value, 16) >= 0


def test_key_order_does_not_matter():
    reordered = {"note": "café", "lines": [{"qty": 2, "sku": "A"}], "order": "SO042"}
    assert idempotency.fingerprint(reordered) == idempotency.fingerprint(PAYLOAD)


@pytest.mark.parametrize(
    "other",
    [
        {**PAYLOAD, "note": "cafe"},
        {**PAYLOAD, "lines": [{"sku": "A", "qty": 3}]},
        {**PAYLOAD, "lines": [{"sku": "A", "qty": "2"}]},
        {**PAYLOAD, "extra": None},
        [PAYLOAD],
    ],
)
def test_any_change_changes_the_fingerprint(other):
    assert idempotency.fingerprint(other) != idempotency.fingerprint(PAYLOAD)


def test_list_order_matters():
    assert idempotency.fingerprint([1, 2]) != idempotency.fingerprint([2, 1])
