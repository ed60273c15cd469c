"""Rows to files an analytics tool reads: CSV, and Parquet when pyarrow imports.

A file has typed columns (:class:`Column`): each value is shaped to its
column's kind first (:func:`shape_row`), so that both formats say the same
thing: an empty value is empty (CSV) or null (Parquet), a time is UTC.

* CSV: UTF-8, a header row, ``,`` separated, ``\\n`` line ends; times in
  ISO 8601 with a ``Z``, booleans ``true``/``false``.
* Parquet: one row group, an explicit schema (int64, float64, bool, string,
  timestamp[us, UTC], date32), so that a column empty in one file has the same
  type as in the others.
"""

import csv
import importlib.util
import io
import re
from collections import namedtuple
from datetime import date, datetime, timezone

CSV = "csv"
PARQUET = "parquet"
AUTO = "auto"
FORMATS = (CSV, PARQUET)
EXTENSIONS = {CSV: "csv", PARQUET: "parquet"}

STR = "str"
INT = "int"
FLOAT = "float"
BOOL = "bool"
DATETIME = "datetime"
DATE = "date"
KINDS = (STR, INT, FLOAT, BOOL, DATETIME, DATE)

CSV_TRUE = "true"
CSV_FALSE = "false"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
SEQUENCE_DIGITS = 6
_NAME_PART_RE = re.compile(r"[^A-Za-z0-9_-]+")

Column = namedtuple("Column", ["name", "kind"])


def parquet_available():
    """True when pyarrow can be imported (Parquet files can be written)."""
    return importlib.util.find_spec("pyarrow") is not None


def choose_format(configured, parquet_ok=None):
    """The format to write: ``auto`` is Parquet when pyarrow imports, else CSV.

    :raises ValueError: for an unknown format, or Parquet without pyarrow
    """
    parquet_ok = parquet_available() if parquet_ok is None else parquet_ok
    if configured == AUTO:
        return PARQUET if parquet_ok else CSV
    if configured not in FORMATS:
        raise ValueError("Unknown file format %r; expected csv or parquet" % configured)
    if configured == PARQUET and not parquet_ok:
        raise ValueError("Parquet files need the pyarrow package, which is missing")
    return configured


def _as_datetime(value):
    if not isinstance(value, datetime):
        raise ValueError("Not a datetime: %r" % (value,))
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _as_date(value):
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError("Not a date: %r" % (value,))
    return value


_SHAPERS = {
    STR: str,
    INT: int,
    FLOAT: float,
    DATETIME: _as_datetime,
    DATE: _as_date,
}


def shape_value(kind, value):
    """``value`` as its column's kind; None for an empty value.

    Odoo's empty value (False) is None in every column but a boolean one.
    Datetimes are taken as UTC when naive (Odoo stores UTC).
    """
    if kind not in KINDS:
        raise ValueError("Unknown column kind %r" % kind)
    if value is None:
        return None
    if kind == BOOL:
        return bool(value)
    if value is False or value == "":
        return None
    return _SHAPERS[kind](value)


def shape_row(columns, values):
    """One row (a mapping of column name to raw value) as a tuple of cells."""
    return tuple(
        shape_value(column.kind, values.get(column.name)) for column in columns
    )


def _csv_text(kind, value):
    if value is None:
        return ""
    if kind == BOOL:
        return CSV_TRUE if value else CSV_FALSE
    if kind == DATETIME:
        text = value.astimezone(timezone.utc).replace(tzinfo=None).isoformat()
        return text + "Z"
    if kind == DATE:
        return value.isoformat()
    return value


def to_csv(columns, rows):
    """CSV bytes of shaped rows (tuples from :func:`shape_row`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column.name for column in columns])
    for row in rows:
        writer.writerow(
            [
                _csv_text(column.kind, value)
                for column, value in zip(columns, row, strict=True)
            ]
        )
    return buffer.getvalue().encode("utf-8")


def _arrow_type(pa, kind):
    return {
        STR: pa.string(),
        INT: pa.int64(),
        FLOAT: pa.float64(),
        BOOL: pa.bool_(),
        DATETIME: pa.timestamp("us", tz="UTC"),
        DATE: pa.date32(),
    }[kind]


def to_parquet(columns, rows):
    """Parquet bytes of shaped rows; needs pyarrow."""
    import pyarrow as pa  # noqa: PLC0415 (optional: only Parquet needs it)
    import pyarrow.parquet as pq  # noqa: PLC0415

    schema = pa.schema(
        [pa.field(column.name, _arrow_type(pa, column.kind)) for column in columns]
    )
    table = pa.Table.from_arrays(
        [
            pa.array([row[index] for row in rows], type=schema.field(index).type)
            for index in range(len(columns))
        ],
        schema=schema,
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def serialise(file_format, columns, rows):
    """The bytes of a file of ``file_format`` (csv or parquet)."""
    if file_format == CSV:
        return to_csv(columns, rows)
    if file_format == PARQUET:
        return to_parquet(columns, rows)
    raise ValueError("Unknown file format %r" % file_format)


def file_name(parts, moment, sequence, file_format):
    """``<parts joined by _>_<UTC stamp>_<sequence>.<ext>``, safe for any target.

    E.g. ``analytics_shipments_20261130T031500Z_000042.parquet``. The sequence
    keeps names unique and in order within one second.
    """
    safe = [_NAME_PART_RE.sub("-", str(part)).strip("-_") for part in parts]
    if not all(safe):
        raise ValueError("File name parts must not be empty: %r" % (parts,))
    stamp = shape_value(DATETIME, moment).strftime(STAMP_FORMAT)
    return "%s_%s_%0*d.%s" % (
        "_".join(safe),
        stamp,
        SEQUENCE_DIGITS,
        sequence,
        EXTENSIONS[file_format],
    )
