"""Tests of rows to CSV and Parquet files."""

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest

from logistics_integration_base.lib import tabular

COLUMNS = [
    tabular.Column("id", tabular.INT),
    tabular.Column("name", tabular.STR),
    tabular.Column("weight", tabular.FLOAT),
    tabular.Column("on_time", tabular.BOOL),
    tabular.Column("delivered_at", tabular.DATETIME),
    tabular.Column("day", tabular.DATE),
]
WHEN = datetime(2026, 11, 30, 3, 15, 7)


def _rows():
    return [
        tabular.shape_row(
            COLUMNS,
            {
                "id": 7,
                "name": 'S/0007, "quoted"',
                "weight": 12,
                "on_time": True,
                "delivered_at": WHEN,
                "day": date(2026, 11, 30),
            },
        ),
        # Odoo's empty values: False everywhere, and a missing key.
        tabular.shape_row(
            COLUMNS,
            {"id": 8, "name": False, "weight": False, "on_time": False, "day": False},
        ),
    ]


def test_shape_value_kinds():
    assert tabular.shape_value(tabular.INT, "3") == 3
    assert tabular.shape_value(tabular.FLOAT, 2) == 2.0
    assert tabular.shape_value(tabular.BOOL, False) is False
    assert tabular.shape_value(tabular.BOOL, None) is None
    assert tabular.shape_value(tabular.STR, False) is None
    assert tabular.shape_value(tabular.STR, "") is None
    assert tabular.shape_value(tabular.DATETIME, WHEN).tzinfo == timezone.utc
    paris = timezone(timedelta(hours=1))
    assert tabular.shape_value(
        tabular.DATETIME, datetime(2026, 1, 1, 13, tzinfo=paris)
    ) == datetime(2026, 1, 1, 12, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        tabular.shape_value(tabular.DATETIME, "2026-01-01")
    with pytest.raises(ValueError):
        tabular.shape_value(tabular.DATE, WHEN)
    with pytest.raises(ValueError):
        tabular.shape_value("money", 1)


def test_csv_round_trip():
    data = tabular.to_csv(COLUMNS, _rows())
    assert data.endswith(b"\n") and b"\r" not in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert rows == [
        {
            "id": "7",
            "name": 'S/0007, "quoted"',
            "weight": "12.0",
            "on_time": "true",
            "delivered_at": "2026-11-30T03:15:07Z",
            "day": "2026-11-30",
        },
        {
            "id": "8",
            "name": "",
            "weight": "",
            "on_time": "false",
            "delivered_at": "",
            "day": "",
        },
    ]


def test_csv_of_no_rows_is_the_header():
    assert tabular.to_csv(COLUMNS, []) == b"id,name,weight,on_time,delivered_at,day\n"


def test_parquet_round_trip_keeps_types_and_nulls():
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is in requirements")
    table = pq.read_table(io.BytesIO(tabular.to_parquet(COLUMNS, _rows())))
    assert [str(t) for t in table.schema.types] == [
        "int64",
        "string",
        "double",
        "bool",
        "timestamp[us, tz=UTC]",
        "date32[day]",
    ]
    rows = table.to_pylist()
    assert rows[0]["delivered_at"] == WHEN.replace(tzinfo=timezone.utc)
    assert rows[0]["name"] == 'S/0007, "quoted"'
    assert rows[1] == {
        "id": 8,
        "name": None,
        "weight": None,
        "on_time": False,
        "delivered_at": None,
        "day": None,
    }


def test_serialise_dispatches_on_format():
    assert tabular.serialise(tabular.CSV, COLUMNS, []) == tabular.to_csv(COLUMNS, [])
    with pytest.raises(ValueError):
        tabular.serialise("xlsx", COLUMNS, [])


def test_choose_format():
    assert tabular.choose_format(tabular.AUTO, parquet_ok=True) == tabular.PARQUET
    assert tabular.choose_format(tabular.AUTO, parquet_ok=False) == tabular.CSV
    assert tabular.choose_format(tabular.CSV, parquet_ok=True) == tabular.CSV
    with pytest.raises(ValueError, match="pyarrow"):
        tabular.choose_format(tabular.PARQUET, parquet_ok=False)
    with pytest.raises(ValueError):
        tabular.choose_format("xlsx", parquet_ok=True)


def test_file_name():
    assert (
        tabular.file_name(["analytics", "service_facts"], WHEN, 42, tabular.PARQUET)
        == "analytics_service_facts_20261130T031507Z_000042.parquet"
    )
    assert (
        tabular.file_name(["my feed/../x", "ships"], WHEN, 1, tabular.CSV)
        == "my-feed-x_ships_20261130T031507Z_000001.csv"
    )
    with pytest.raises(ValueError):
        tabular.file_name(["..", "x"], WHEN, 1, tabular.CSV)
