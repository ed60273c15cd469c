"""Batch files to canonical documents: carrier invoices, TMS settlement feeds and
rate cards, in CSV or JSON.

Nothing here touches the database. The documents built are then logged as
inbound messages (flows ``freight.invoice``, ``freight.charge`` and
``freight.rate_card``) whose JSON Schemas check them again, so a file and a
message of another origin follow the same rules.

CSV files have a header row (column names are case-insensitive, extra columns
are ignored); the delimiter is a comma, a semicolon or a tab; decimals use a
dot; dates are ISO 8601 (``2026-11-27``). Errors name the line and column.
"""

import csv
import hashlib
import io
import json
from datetime import date
from decimal import Decimal, InvalidOperation

from odoo.addons.logistics_integration_base.lib import outcome

MAX_ROWS = 100_000
DELIMITERS = ",;\t"
DIGEST_LENGTH = 12
CSV = "csv"
JSON = "json"
FORMATS = (CSV, JSON)

INVOICE_COLUMNS = (
    "invoice_number",
    "invoice_date",
    "currency",
    "shipment_reference",
    "charge_code",
    "amount",
)
INVOICE_HEADER_COLUMNS = ("invoice_date", "currency", "carrier_name")
FEED_COLUMNS = ("shipment_id", "currency", "charge_code", "amount")
RATE_CARD_COLUMNS = ("charge_code", "basis", "rate")
RATE_BASES = ("per_shipment", "per_kg")


class FileFormatError(ValueError):
    """A file that cannot be read; ``details`` locate each problem."""

    def __init__(self, message, details=None):
        super().__init__(message)
        self.details = list(details or [])


def file_format(filename, default=CSV):
    """``csv`` or ``json`` from a file name's extension."""
    name = (filename or "").lower()
    if name.endswith(".json"):
        return JSON
    if name.endswith((".csv", ".txt")):
        return CSV
    return default


def decode(data):
    """The text of an uploaded file (UTF-8, with or without BOM)."""
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FileFormatError(
            "The file is not UTF-8 text (byte %s): save it as UTF-8 CSV or JSON."
            % err.start
        ) from None


def digest(text):
    """A short fingerprint of a file's content: names what the file produced."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]


# --- CSV helpers ------------------------------------------------------------


def read_rows(text, required):
    """``[(line number, {column: value})]`` of a CSV text with those columns."""
    if not text.strip():
        raise FileFormatError("The file is empty.")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample.splitlines()[0], delimiters=DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [name.strip().lower() for name in next(reader)]
    missing = [name for name in required if name not in header]
    if missing:
        raise FileFormatError(
            "Missing column(s): %s (found: %s)."
            % (", ".join(missing), ", ".join(header)),
            [{"pointer": "line 1", "reason": "missing column %s" % m} for m in missing],
        )
    rows = []
    for values in reader:
        if not any(value.strip() for value in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise FileFormatError("More than %s rows: split the file." % MAX_ROWS)
        rows.append(
            (
                reader.line_num,
                {
                    name: value.strip()
                    for name, value in zip(header, values, strict=False)
                },
            )
        )
    if not rows:
        raise FileFormatError("The file has a header but no rows.")
    return rows


def _problem(line, column, reason):
    """A problem of a CSV cell, located by line and column (not JSON)."""
    return outcome.problem("line %s, %s" % (line, column), reason)


def _number(row, line, column, problems, required=True):
    text = row.get(column, "")
    if not text:
        if required:
            problems.append(_problem(line, column, "%s is required" % column))
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        problems.append(
            _problem(
                line,
                column,
                "%s %r is not a number (use a dot for decimals)" % (column, text),
            )
        )
        return None
    return float(value)


def _date(row, line, column, problems, required=True):
    text = row.get(column, "")
    if not text:
        if required:
            problems.append(_problem(line, column, "%s is required" % column))
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        problems.append(
            _problem(line, column, "%s %r is not a date (YYYY-MM-DD)" % (column, text))
        )
        return None


def _text(row, line, column, problems, required=True):
    text = row.get(column, "")
    if required and not text:
        problems.append(_problem(line, column, "%s is required" % column))
    return text or None


def _raise_problems(problems, what):
    if problems:
        shown = "; ".join(
            "%s: %s" % (problem["pointer"], problem["reason"])
            for problem in problems[:5]
        )
        more = len(problems) - 5
        raise FileFormatError(
            "The %s file has %s problem(s): %s%s"
            % (what, len(problems), shown, " (and %s more)" % more if more > 0 else ""),
            problems,
        )


def _carrier(row):
    carrier = {"scac": row.get("carrier_scac") or None}
    if row.get("carrier_name"):
        carrier["name"] = row["carrier_name"]
    return carrier


# --- Carrier invoices -------------------------------------------------------


def invoices_from_csv(text):
    """Canonical carrier invoices (one per carrier and number) of a CSV file.

    Columns: ``invoice_number``, ``invoice_date``, ``carrier_scac``,
    ``carrier_name``, ``currency``, ``shipment_reference``, ``charge_code``,
    ``description``, ``amount``, ``quantity``, ``total_amount`` (optional, the
    invoice total, repeated on its lines).
    """
    problems, invoices = [], {}
    for line, row in read_rows(text, INVOICE_COLUMNS):
        number = _text(row, line, "invoice_number", problems)
        key = (row.get("carrier_scac") or row.get("carrier_name"), number)
        header = {
            "invoice_number": number,
            "invoice_date": _date(row, line, "invoice_date", problems),
            "carrier": _carrier(row),
            "currency": _text(row, line, "currency", problems),
        }
        total = _number(row, line, "total_amount", problems, required=False)
        if total is not None:
            header["total_amount"] = total
        invoice = invoices.setdefault(key, dict(header, lines=[]))
        for column in INVOICE_HEADER_COLUMNS:
            if column in row and _header_value(invoice, column) != _header_value(
                header, column
            ):
                problems.append(
                    _problem(
                        line,
                        column,
                        "%s differs from an earlier line of invoice %s"
                        % (column, number),
                    )
                )
        invoice["lines"].append(
            {
                "shipment_reference": _text(row, line, "shipment_reference", problems),
                "code": _text(row, line, "charge_code", problems),
                "description": row.get("description") or None,
                "amount": _number(row, line, "amount", problems),
                "quantity": _number(row, line, "quantity", problems, required=False),
            }
        )
    _raise_problems(problems, "carrier invoice")
    return list(invoices.values())


def _header_value(invoice, column):
    if column == "carrier_name":
        return (invoice.get("carrier") or {}).get("name")
    return invoice.get(column)


def invoices_from_json(text):
    """Carrier invoices of a JSON file: one invoice, a list, or {"invoices": [...]}."""
    body = _json(text)
    if isinstance(body, dict) and isinstance(body.get("invoices"), list):
        invoices = body["invoices"]
    elif isinstance(body, dict):
        invoices = [body]
    elif isinstance(body, list):
        invoices = body
    else:
        raise FileFormatError('Expected an invoice, a list or {"invoices": [...]}.')
    _check_objects(invoices, "invoices")
    return invoices


def invoice_key(invoice):
    """The idempotency key of a carrier invoice: carrier, number and content.

    The same invoice sent twice is a duplicate in the message log; the same
    number with other content gets through to the handler, which refuses it
    if that number was already received (and applies a corrected invoice
    whose first version was refused).
    """
    carrier = invoice.get("carrier") if isinstance(invoice, dict) else None
    carrier = carrier if isinstance(carrier, dict) else {}
    who = carrier.get("scac") or carrier.get("name") or "?"
    return "invoice/%s/%s/%s" % (
        str(who).strip().upper(),
        invoice.get("invoice_number"),
        digest(json.dumps(invoice, sort_keys=True)),
    )


# --- TMS settlement feed ----------------------------------------------------


def feed_from_csv(text, occurred_at):
    """``freight.charges`` events, one per shipment, of a TMS settlement feed.

    Columns: ``shipment_id`` (the TMS's), ``external_reference``,
    ``carrier_scac``, ``carrier_name``, ``currency``, ``charge_code``,
    ``description``, ``amount``, ``quantity``, ``expected_amount``.
    """
    problems, shipments = [], {}
    for line, row in read_rows(text, FEED_COLUMNS):
        shipment_id = _text(row, line, "shipment_id", problems)
        data = shipments.setdefault(
            shipment_id,
            {
                "shipment_id": shipment_id,
                "external_reference": row.get("external_reference") or None,
                "status_code": "SETTLEMENT",
                "carrier": _carrier(row),
                "currency": _text(row, line, "currency", problems),
                "charges": [],
            },
        )
        if row.get("currency") and row["currency"] != data["currency"]:
            problems.append(
                _problem(line, "currency", "one currency per shipment in a feed")
            )
        charge = {
            "code": _text(row, line, "charge_code", problems),
            "description": row.get("description") or None,
            "amount": _number(row, line, "amount", problems),
        }
        for column in ("quantity", "expected_amount"):
            value = _number(row, line, column, problems, required=False)
            if value is not None:
                charge[column] = value
        data["charges"].append(charge)
    _raise_problems(problems, "settlement feed")
    return [envelope(data, occurred_at, digest(text)) for data in shipments.values()]


def feed_from_json(text, occurred_at):
    """Events of a JSON feed: {"events": [...]} or a list of events or of data.

    Items with an ``event_id`` are canonical events already; others are the
    ``data`` of one (shipment_id, carrier, currency, charges) and get wrapped.
    """
    body = _json(text)
    if isinstance(body, dict) and isinstance(body.get("events"), list):
        items = body["events"]
    elif isinstance(body, list):
        items = body
    else:
        raise FileFormatError('Expected a list or {"events": [...]}.')
    _check_objects(items, "events")
    fingerprint = digest(text)
    return [
        item if "event_id" in item else envelope(item, occurred_at, fingerprint)
        for item in items
    ]


def envelope(data, occurred_at, fingerprint):
    """The canonical ``freight.charges`` event carrying ``data``."""
    shipment_id = str(data.get("shipment_id") or "")
    return {
        "event_id": "feed-%s-%s" % (fingerprint, shipment_id),
        "event_type": "freight.charges",
        "occurred_at": occurred_at,
        "aggregate": {"type": "shipment", "id": shipment_id},
        "data": data,
    }


# --- Rate cards -------------------------------------------------------------


def rate_card_from_csv(text, header):
    """A canonical rate card: ``header`` (name, carrier, currency, validity) and
    the lines of the CSV (``charge_code``, ``basis``, ``rate``, ``minimum``)."""
    problems, lines = [], []
    for line, row in read_rows(text, RATE_CARD_COLUMNS):
        basis = _text(row, line, "basis", problems)
        if basis and basis not in RATE_BASES:
            problems.append(
                _problem(
                    line,
                    "basis",
                    "basis %r is not one of %s" % (basis, ", ".join(RATE_BASES)),
                )
            )
        rate_line = {
            "code": _text(row, line, "charge_code", problems),
            "basis": basis,
            "rate": _number(row, line, "rate", problems),
        }
        minimum = _number(row, line, "minimum", problems, required=False)
        if minimum is not None:
            rate_line["minimum"] = minimum
        lines.append(rate_line)
    _raise_problems(problems, "rate card")
    return dict(header, lines=lines)


def rate_card_from_json(text, header):
    """A rate card of a JSON file; ``header`` fills what the file leaves out."""
    body = _json(text)
    if not isinstance(body, dict):
        raise FileFormatError("Expected a rate card object.")
    return {**header, **body}


def rate_card_key(card):
    """The idempotency key of a rate card: carrier, name, start and content."""
    carrier = card.get("carrier") or {}
    return "rate-card/%s/%s/%s/%s" % (
        carrier.get("scac") or carrier.get("name") or "?",
        card.get("name"),
        card.get("valid_from"),
        digest(json.dumps(card, sort_keys=True)),
    )


# --- JSON helpers -----------------------------------------------------------


def _json(text):
    try:
        return json.loads(text)
    except ValueError as err:
        raise FileFormatError("The file is not valid JSON: %s" % err) from None


def _check_objects(items, what):
    if not items:
        raise FileFormatError("No %s in the file." % what)
    if len(items) > MAX_ROWS:
        raise FileFormatError("More than %s %s: split the file." % (MAX_ROWS, what))
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise FileFormatError(
                "%s[%s] is not a JSON object." % (what, index),
                [{"pointer": "/%s/%s" % (what, index), "reason": "not an object"}],
            )
