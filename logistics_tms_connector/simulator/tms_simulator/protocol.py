"""The wire protocol: paths, headers, formats, errors, time, validation,
and the request and response types of the HTTP application.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

API_PREFIX = "/api/"
SOAP_PATH = "/soap"
WSDL_PATH = "/soap/tms.wsdl"
CONTROL_PREFIX = "/_control/"

API_KEY_HEADER = "X-API-Key"
CORRELATION_HEADER = "X-Correlation-ID"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TIMESTAMP_HEADER = "X-Logistics-Timestamp"
SIGNATURE_HEADER = "X-Logistics-Signature"
SIGNATURE_PREFIX = "sha256="
JSON_TYPE = "application/json"
XML_TYPE = "text/xml; charset=utf-8"
SERVER_NAME = "TmsSimulator/1.0"

HTTP_OK = 200
HTTP_CREATED = 201
HTTP_MULTIPLE_CHOICES = 300
HTTP_BAD_REQUEST = 400
HTTP_UNAUTHORIZED = 401
HTTP_NOT_FOUND = 404
HTTP_METHOD_NOT_ALLOWED = 405
HTTP_CONFLICT = 409
HTTP_UNPROCESSABLE = 422
HTTP_SERVER_ERROR = 500
HTTP_STATUS_RANGE = range(100, 600)

SHIPMENT_ID_FORMAT = "TMS-{}{:06d}"
EVENT_ID_FORMAT = "EV-{}{:06d}"
FEED_DEFAULT_LIMIT = 100
FEED_MAX_LIMIT = 500
MAX_ADVANCE_STEPS = 100
REQUEST_LOG_SIZE = 1000
MAX_CHARGE_CODE_LENGTH = 16
SETTLEMENT_KINDS = ("vendor_bill", "customer_invoice")


class ApiError(Exception):
    """A request the simulator refuses, with its HTTP status and reason."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _invalid(message):
    return ApiError(HTTP_UNPROCESSABLE, message)


def _conflict(shipment_id, state):
    return ApiError(HTTP_CONFLICT, f"shipment {shipment_id} already {state}")


def utc_now():
    """The current UTC time, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso_z(moment):
    """``moment`` as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, seconds precision)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value):
    """An aware datetime from an ISO 8601 string (naive = UTC), else None."""
    if not isinstance(value, str) or not value:
        return None
    text = value[:-1] + "+00:00" if value[-1] in "Zz" else value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def validate_shipment(payload):
    """Raise a 422 :class:`ApiError` naming the first problem of ``payload``."""
    if not isinstance(payload, dict):
        raise _invalid("body must be a JSON object")
    reference = payload.get("externalReference")
    if not isinstance(reference, str) or not reference.strip():
        raise _invalid("externalReference must be a non-empty string")
    _validate_consignee(payload.get("consignee"))
    for key in ("pickupWindow", "deliveryWindow"):
        _validate_window(payload, key)
    _validate_items(payload.get("items"))


def _validate_consignee(consignee):
    if consignee is None:
        raise _invalid("consignee is required")
    if not isinstance(consignee, dict):
        raise _invalid("consignee must be an object")
    name = consignee.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _invalid("consignee.name is required")


def _validate_window(payload, key):
    window = payload.get(key)
    if window is None:
        return
    if not isinstance(window, dict):
        raise _invalid(f"{key} must be an object")
    for bound in ("start", "end"):
        value = window.get(bound)
        if value is not None and parse_iso(value) is None:
            raise _invalid(f"{key}.{bound} must be an ISO 8601 date-time")


def _validate_items(items):
    if items is None:
        raise _invalid("items is required")
    if not isinstance(items, list) or not items:
        raise _invalid("items must be a non-empty list")
    for index, item in enumerate(items):
        _validate_item(item, f"items[{index}]")


def _validate_item(item, where):
    if not isinstance(item, dict):
        raise _invalid(f"{where} must be an object")
    quantity = item.get("quantity")
    if quantity is None:
        raise _invalid(f"{where}.quantity is required")
    if isinstance(quantity, bool) or not isinstance(quantity, int | float):
        raise _invalid(f"{where}.quantity must be a number")
    if not quantity > 0:
        raise _invalid(f"{where}.quantity must be positive")


@dataclass
class HttpRequest:
    """What the application needs of an HTTP request."""

    method: str
    target: str
    headers: object
    body: bytes

    @property
    def path(self):
        return urlsplit(self.target).path

    @property
    def query(self):
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    @property
    def correlation_id(self):
        return self.headers.get(CORRELATION_HEADER)

    def fingerprint(self):
        """What identifies the request under its idempotency key: method, path
        and body (a JSON body in canonical form: key order does not count)."""
        try:
            body = json.dumps(
                json.loads(self.body.decode("utf-8")),
                sort_keys=True,
                separators=(",", ":"),
            ).encode("utf-8")
        except (UnicodeDecodeError, ValueError):
            body = self.body
        digest = hashlib.sha256(body).hexdigest()
        return f"{self.method} {self.path} {digest}"


@dataclass
class HttpResponse:
    """An answer to write back, or ``drop`` to close without one."""

    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: dict = field(default_factory=dict)
    drop: bool = False


def json_response(status, payload, headers=None):
    body = json.dumps(payload).encode("utf-8")
    return HttpResponse(status, body, JSON_TYPE, dict(headers or {}))


def error_response(status, message, headers=None):
    return json_response(status, {"error": message}, headers)


def validate_settlement(body):
    """The invoice references of a settlement call; 422 names the first problem."""
    if not isinstance(body, dict):
        raise _invalid("body must be a JSON object")
    invoices = body.get("invoices")
    if not isinstance(invoices, list) or not invoices:
        raise _invalid("invoices must be a non-empty list")
    for index, invoice in enumerate(invoices):
        where = f"invoices[{index}]"
        if not isinstance(invoice, dict):
            raise _invalid(f"{where} must be an object")
        if invoice.get("kind") not in SETTLEMENT_KINDS:
            raise _invalid(f"{where}.kind must be one of {', '.join(SETTLEMENT_KINDS)}")
        number = invoice.get("number")
        if not isinstance(number, str) or not number.strip():
            raise _invalid(f"{where}.number must be a non-empty string")
    return [dict(invoice) for invoice in invoices]


MASTER_DATA_KINDS = ("locations", "products")
MASTER_DATA_MAX_RECORDS = 1000


def validate_master_data(kind, body):
    """The records of a master data upload (each an object with a string
    ``id``); 404 for an unknown kind, 422 names the first problem."""
    if kind not in MASTER_DATA_KINDS:
        raise ApiError(HTTP_NOT_FOUND, f"unknown master data kind {kind}")
    if not isinstance(body, dict):
        raise _invalid("body must be a JSON object")
    records = body.get("records")
    if not isinstance(records, list) or not records:
        raise _invalid("records must be a non-empty list")
    if len(records) > MASTER_DATA_MAX_RECORDS:
        raise _invalid(f"at most {MASTER_DATA_MAX_RECORDS} records per call")
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise _invalid(f"records[{index}] must be an object")
        if not isinstance(record.get("id"), str) or not record["id"]:
            raise _invalid(f"records[{index}].id must be a non-empty string")
    return [dict(record) for record in records]


def validate_redelivery(body):
    """``(window or None, reason)`` of a redelivery request; 422 names the
    first problem. A new delivery window needs both its ``start`` and ``end``,
    the end after the start."""
    if not isinstance(body, dict):
        raise _invalid("body must be a JSON object")
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise _invalid("reason must be a string")
    window = body.get("deliveryWindow")
    if window is None:
        return None, reason or ""
    if not isinstance(window, dict):
        raise _invalid("deliveryWindow must be an object")
    bounds = {}
    for bound in ("start", "end"):
        bounds[bound] = parse_iso(window.get(bound))
        if bounds[bound] is None:
            raise _invalid(f"deliveryWindow.{bound} must be an ISO 8601 date-time")
    if bounds["end"] <= bounds["start"]:
        raise _invalid("deliveryWindow.end must be after deliveryWindow.start")
    return {"start": window["start"], "end": window["end"]}, reason or ""


APPOINTMENT_TEXTS = {"dock": 64, "contact": 128, "reference": 64}


def validate_appointment(body):
    """The slot and details of a delivery appointment request; 422 names the
    first problem. ``window`` needs ISO 8601 ``start`` and ``end``, the end
    after the start; ``dock``, ``contact`` and ``reference`` are optional
    strings."""
    if not isinstance(body, dict):
        raise _invalid("body must be a JSON object")
    window = body.get("window")
    if not isinstance(window, dict):
        raise _invalid("window must be an object")
    bounds = {}
    for bound in ("start", "end"):
        bounds[bound] = parse_iso(window.get(bound))
        if bounds[bound] is None:
            raise _invalid(f"window.{bound} must be an ISO 8601 date-time")
    if bounds["end"] <= bounds["start"]:
        raise _invalid("window.end must be after window.start")
    details = {}
    for key, limit in APPOINTMENT_TEXTS.items():
        value = body.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise _invalid(f"{key} must be a string of at most {limit} characters")
        details[key] = value
    return {"start": bounds["start"], "end": bounds["end"]}, details
