"""Tests of correlation IDs."""

import uuid

import pytest

from logistics_integration_base.lib import correlation


def test_header_name():
    assert correlation.HEADER == "X-Correlation-ID"


def test_new_id_is_a_uuid4_with_dashes():
    value = correlation.new_id()
    assert len(value) == 36
    assert value.count("-") == 4
    assert uuid.UUID(value).version == 4
    assert correlation.new_id() != value


@pytest.mark.parametrize(
    ("incoming", "expected"),
    [
        ("abc-123", "abc-123"),
        ("  order:SO042.v1_x  ", "order:SO042.v1_x"),
        ("A" * 128, "A" * 128),
        (
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
        ),
    ],
)
def test_accept_keeps_safe_ids(incoming, expected):
    assert correlation.accept(incoming) == expected


@pytest.mark.parametrize(
    "incoming",
    [
        None,
        "",
        "   ",
        "A" * 129,
        "has space",
        "new\nline",
        "<script>",
        "ünïcode",
        "a/b",
        b"abc",
        42,
    ],
)
def test_accept_replaces_garbage(incoming):
    value = correlation.accept(incoming)
    assert value != incoming
    assert uuid.UUID(value).version == 4
