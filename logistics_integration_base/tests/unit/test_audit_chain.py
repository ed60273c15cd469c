"""Tests of the tamper-evident audit hash chain."""

import hashlib
import hmac
from datetime import date

import pytest

from logistics_integration_base.lib import audit_chain


def _build(fields_list, start=audit_chain.GENESIS):
    rows, previous = [], start
    for fields in fields_list:
        stored = audit_chain.row_hash(previous, fields)
        rows.append((fields, previous, stored))
        previous = stored
    return rows


FIELDS = [
    {"model": "sale.order", "res_id": 1, "action": "create"},
    {"model": "sale.order", "res_id": 1, "action": "write", "amount": 10.5},
    {"model": "stock.picking", "res_id": 7, "action": "write", "note": "Zürich"},
]


def test_genesis():
    assert audit_chain.GENESIS == "0" * 64


def test_canonical_json():
    data = {"b": 1, "a": {"d": [1, 2], "c": "é"}, "day": date(2025, 3, 1)}
    assert audit_chain.canonical_json(data) == (
        '{"a":{"c":"é","d":[1,2]},"b":1,"day":"2025-03-01"}'
    )
    assert audit_chain.canonical_json({"y": 1, "x": 2}) == audit_chain.canonical_json(
        {"x": 2, "y": 1}
    )


def test_row_hash_definition():
    fields = {"b": 2, "a": 1}
    expected = hashlib.sha256(
        (audit_chain.GENESIS + '\n{"a":1,"b":2}').encode("utf-8")
    ).hexdigest()
    assert audit_chain.row_hash(audit_chain.GENESIS, fields) == expected
    assert audit_chain.row_hash("1" * 64, fields) != expected


def test_intact_chain():
    assert audit_chain.verify_chain(_build(FIELDS)) is None
    assert audit_chain.verify_chain([]) is None
    assert audit_chain.verify_chain(iter(_build(FIELDS))) is None


@pytest.mark.parametrize("index", [0, 1, 2])
def test_modified_fields_are_detected(index):
    rows = _build(FIELDS)
    fields, previous, stored = rows[index]
    rows[index] = ({**fields, "action": "unlink"}, previous, stored)
    assert audit_chain.verify_chain(rows) == index


def test_rehashed_row_breaks_the_next_link():
    rows = _build(FIELDS)
    forged_fields = {**FIELDS[1], "amount": 99}
    rows[1] = (
        forged_fields,
        rows[1][1],
        audit_chain.row_hash(rows[1][1], forged_fields),
    )
    assert audit_chain.verify_chain(rows) == 2


def test_removed_row_is_detected():
    rows = _build(FIELDS)
    del rows[1]
    assert audit_chain.verify_chain(rows) == 1


def test_reordered_rows_are_detected():
    rows = _build(FIELDS)
    rows[1], rows[2] = rows[2], rows[1]
    assert audit_chain.verify_chain(rows) == 1


def test_first_row_must_start_from_genesis():
    rows = _build(FIELDS, start="f" * 64)
    assert audit_chain.verify_chain(rows) == 0
    assert audit_chain.verify_chain(rows, first_previous_hash="f" * 64) is None
    assert audit_chain.verify_chain(rows[1:], first_previous_hash=None) is None


# ---------------------------------------------------------------------------
# keyed chain (HMAC-SHA256 under a key kept outside the database)

KEY = audit_chain.parse_key("k" * audit_chain.MIN_KEY_LENGTH)


def _build_versioned(fields_list, key, start=audit_chain.GENESIS):
    rows, previous = [], start
    for fields in fields_list:
        stored = audit_chain.row_hash(previous, fields, key)
        rows.append((fields, previous, stored, audit_chain.row_version(key)))
        previous = stored
    return rows


def test_keyed_hash_is_hmac_of_the_same_content():
    content = f"{audit_chain.GENESIS}\n{audit_chain.canonical_json(FIELDS[0])}"
    expected = hmac.new(KEY, content.encode(), hashlib.sha256).hexdigest()
    assert audit_chain.row_hash(audit_chain.GENESIS, FIELDS[0], KEY) == expected
    assert audit_chain.row_hash(audit_chain.GENESIS, FIELDS[0]) != expected


def test_keyed_chain_verifies_with_the_key_only():
    rows = _build_versioned(FIELDS, KEY)
    assert audit_chain.verify_chain(rows, key=KEY) is None
    other = audit_chain.parse_key("o" * audit_chain.MIN_KEY_LENGTH)
    assert audit_chain.verify_chain(rows, key=other) == 0
    with pytest.raises(LookupError):
        audit_chain.verify_chain(rows)


def test_rewrite_without_the_key_is_detected():
    # Change row 1 and recompute the rest with plain SHA-256, as someone who
    # writes the database but lacks the key could.
    rows = _build_versioned(FIELDS, KEY)
    forged_fields = dict(FIELDS[1], amount=99)
    forged = _build_versioned([forged_fields, FIELDS[2]], None, start=rows[0][2])
    assert audit_chain.verify_chain([rows[0], *forged], key=KEY) == 1


def test_plain_rows_before_keyed_rows_still_verify():
    legacy = _build_versioned(FIELDS[:2], None)
    keyed = _build_versioned(FIELDS[2:], KEY, start=legacy[-1][2])
    assert audit_chain.verify_chain([*legacy, *keyed], key=KEY) is None
    tampered = [(dict(legacy[0][0], action="x"), *legacy[0][1:]), *legacy[1:]]
    assert audit_chain.verify_chain([*tampered, *keyed], key=KEY) == 0


def test_short_or_missing_key():
    assert audit_chain.parse_key("") is None
    assert audit_chain.parse_key(None) is None
    with pytest.raises(ValueError, match="at least") as caught:
        audit_chain.parse_key("short-secret")
    assert "short-secret" not in str(caught.value)
    assert len(audit_chain.generate_key()) >= audit_chain.MIN_KEY_LENGTH


def test_anchor_lines_round_trip():
    line = audit_chain.anchor_record("db1", 42, "ab" * 32, "2026-11-29 10:00:00")
    assert audit_chain.parse_anchor(line) == ("db1", 42, "ab" * 32)
    assert audit_chain.parse_anchor("not json") is None
    assert audit_chain.parse_anchor('{"database": "db1"}') is None
