"""Tests of the pure parts of archiving: cut-off, chunks, digests, audit details."""

import json
from datetime import datetime

import pytest

from logistics_integration_base.lib import archive

NOW = datetime(2026, 11, 30, 12, 0, 0)


def _rows():
    return [
        {"id": 7, "state": "done", "received_at": datetime(2025, 1, 2, 3, 4, 5)},
        {"id": 3, "state": "stale", "result": {"b": 1, "a": [1, 2]}},
    ]


def test_cutoff_is_none_for_zero_days():
    assert archive.cutoff(NOW, 0) is None
    assert archive.cutoff(NOW, None) is None
    assert archive.cutoff(NOW, "0") is None


def test_cutoff_goes_back_the_given_days():
    assert archive.cutoff(NOW, 30) == datetime(2026, 10, 31, 12, 0, 0)
    assert archive.cutoff(NOW, "1") == datetime(2026, 11, 29, 12, 0, 0)


def test_cutoff_refuses_negative_days():
    with pytest.raises(ValueError, match="negative"):
        archive.cutoff(NOW, -1)


@pytest.mark.parametrize(
    ("requested", "expected"),
    [(None, 500), (0, 500), (1, 1), ("250", 250), (10**9, 10000), (-5, 1), ("x", 500)],
)
def test_chunk_size_is_bounded(requested, expected):
    assert archive.chunk_size(requested) == expected


def test_remaining_after_a_short_chunk_is_nothing():
    assert archive.remaining_after(3, 10, 99) == 0


def test_remaining_after_a_full_chunk_asks_for_another_run():
    assert archive.remaining_after(10, 10, 0) == 1
    assert archive.remaining_after(10, 10, 42) == 42


def test_plain_writes_datetimes_as_text_recursively():
    value = {"at": datetime(2025, 1, 2, 3, 4, 5), "steps": [datetime(2025, 1, 2)]}
    assert archive.plain(value) == {
        "at": "2025-01-02 03:04:05",
        "steps": ["2025-01-02 00:00:00"],
    }


def test_digest_ignores_row_and_key_order():
    rows = _rows()
    reordered = [dict(reversed(list(row.items()))) for row in reversed(rows)]
    assert archive.digest(rows) == archive.digest(reordered)


def test_digest_of_a_datetime_equals_that_of_its_text():
    """Archived JSON keeps datetimes as text: both give the same digest."""
    rows = _rows()
    as_text = [dict(rows[0], received_at="2025-01-02 03:04:05"), rows[1]]
    assert archive.digest(rows) == archive.digest(as_text)


def test_digest_changes_with_any_value_or_row():
    rows = _rows()
    base = archive.digest(rows)
    assert archive.digest([dict(rows[0], state="superseded"), rows[1]]) != base
    assert archive.digest(rows[:1]) != base
    assert archive.digest([*rows, {"id": 9}]) != base


def test_audit_details_round_trip():
    text = archive.audit_details("x.archive", [9, 4, 6], "abc", source="x")
    assert json.loads(text) == {
        "kind": "archive",
        "model": "x.archive",
        "count": 3,
        "first_id": 4,
        "last_id": 9,
        "digest": "abc",
        "source": "x",
    }
    assert archive.parse_details(text)["count"] == 3


def test_audit_details_need_rows():
    with pytest.raises(ValueError):
        archive.audit_details("x.archive", [], "abc")


@pytest.mark.parametrize(
    "text",
    [None, "", "not json", "[1]", '{"kind": "other"}', '{"kind": "archive"}'],
)
def test_parse_details_refuses_other_text(text):
    assert archive.parse_details(text) is None


def test_check_chunk_accepts_the_archived_rows():
    rows = _rows()
    details = json.loads(archive.audit_details("m", [3, 7], archive.digest(rows)))
    assert archive.check_chunk(details, list(reversed(rows))) == []


def test_check_chunk_finds_changed_missing_and_extra_rows():
    rows = _rows()
    details = json.loads(archive.audit_details("m", [3, 7], archive.digest(rows)))
    changed = archive.check_chunk(details, [dict(rows[0], state="x"), rows[1]])
    assert changed == ["the digest of the archived rows differs from the recorded one"]
    missing = archive.check_chunk(details, rows[1:])
    assert "1 rows archived, 2 recorded" in missing
    assert any(problem.startswith("ids 3..3") for problem in missing)
    extra = archive.check_chunk(details, [*rows, {"id": 8}])
    assert "3 rows archived, 2 recorded" in extra
