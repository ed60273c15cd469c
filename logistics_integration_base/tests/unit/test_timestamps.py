import datetime

import pytest

from odoo.addons.logistics_integration_base.lib import timestamps


@pytest.mark.parametrize(
    ("text", "end_of_day", "expected"),
    [
        ("2026-03-01", False, datetime.datetime(2026, 3, 1)),
        ("2026-03-01", True, datetime.datetime(2026, 3, 1, 23, 59, 59, 999999)),
        ("2026-03-01T10:00:00Z", False, datetime.datetime(2026, 3, 1, 10)),
        ("2030-01-10T08:00:00+01:00", False, datetime.datetime(2030, 1, 10, 7)),
        ("2026-03-01 10:00:00z", False, datetime.datetime(2026, 3, 1, 10)),
        (
            "2026-03-01t10:00:00.1234567z",
            False,
            datetime.datetime(2026, 3, 1, 10, 0, 0, 123456),
        ),
        ("2026-12-31T23:59:60-01:00", False, datetime.datetime(2027, 1, 1, 0, 59, 59)),
        ("0001-01-01T00:00:00+23:59", False, datetime.datetime.min),
        ("9999-12-31T23:59:59-23:59", False, datetime.datetime.max),
    ],
)
def test_moments_are_naive_utc(text, end_of_day, expected):
    moment = timestamps.parse(text, end_of_day)
    assert moment == expected
    assert moment.tzinfo is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2030-01-10T08:00Z",  # RFC 3339 needs the seconds
        "2030-01-10T08:00:00",  # and the offset
        "2030-02-30",
        "2030-01-10T08:00:00+24:00",
        "yesterday",
        None,
        20300110,
    ],
)
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        timestamps.parse(text)


def test_optional_values():
    assert timestamps.parse_or_none(None) is None
    assert timestamps.parse_or_none("") is None
    assert timestamps.parse_or_none("not a time") is None
    assert timestamps.parse_or_none("2030-01-10T08:00:00Z") == datetime.datetime(
        2030, 1, 10, 8
    )
