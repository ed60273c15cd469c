#!/usr/bin/env python3
"""TMS simulator: a real peer process speaking the suite's TMS protocol.

It plays the Transportation Management System that ``logistics_tms_connector``
talks to, in tests and demos:

* a JSON REST API under ``/api/v1`` to release, amend, cancel and read
  shipments and to poll the event feed;
* a SOAP 1.1 document/literal endpoint ``POST /soap`` described by
  ``../data/tms.wsdl`` (served at ``GET /soap/tms.wsdl`` with this URL);
* HMAC-SHA256 signed webhooks, posted by a background worker with retries;
* a control API under ``/_control`` for tests: fault injection, webhook
  options, scenarios, manual advance, request log and reset;
* optionally, a ``freight.charges`` event after the delivery (scenario option
  ``charges_event``) and a settlement endpoint that records the invoice
  references Odoo sends back.

Every released shipment runs a timeline of events (tender accepted, carrier
assigned, milestones, delivered with a proof of delivery) emitted one by one,
``--step-delay`` seconds apart. PROTOCOL.md next to this file documents the
wire protocol. Only the Python standard library is used::

    python logistics_tms_connector/simulator/tms_simulator.py --port 8765
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import queue
import random
import re
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

_logger = logging.getLogger("tms_simulator")

# --- Wire protocol ----------------------------------------------------------
TNS = "urn:logistics-suite:tms:v1"
SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_CLIENT_FAULT = "soap:Client"
SOAP_SERVER_FAULT = "soap:Server"
WSDL_FILE = Path(__file__).resolve().parent.parent / "data" / "tms.wsdl"
SOAP_ADDRESS_RE = re.compile(r'(<soap:address\s+location=")[^"]*(")')

API_PREFIX = "/api/"
SOAP_PATH = "/soap"
WSDL_PATH = "/soap/tms.wsdl"
CONTROL_PREFIX = "/_control/"

API_KEY_HEADER = "X-API-Key"
CORRELATION_HEADER = "X-Correlation-ID"
TIMESTAMP_HEADER = "X-Logistics-Timestamp"
SIGNATURE_HEADER = "X-Logistics-Signature"
SIGNATURE_PREFIX = "sha256="
JSON_TYPE = "application/json"
XML_TYPE = "text/xml; charset=utf-8"
SERVER_NAME = "TmsSimulator/1.0"

HTTP_OK = 200
HTTP_CREATED = 201
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

# --- Simulation -------------------------------------------------------------
OUTCOMES = ("delivered", "declined", "refused", "attempted", "delay")
DEFAULT_OUTCOME = "delivered"
DEFAULT_STEP_DELAY = 0.2
DEFAULT_SEED = 1
TIMEZONE_NAME = "Europe/Brussels"
DEFAULT_COUNTRY = "BE"
CARRIER = {"name": "Speedy Freight", "scac": "SPDF"}
TRACKING_URL = "https://track.example.invalid/{}"
TRACKING_DIGITS_MAX = 999_999
STEP_MINUTES_MIN = 30
STEP_MINUTES_MAX = 90
INITIAL_ETA_SLACK = timedelta(minutes=30)
DELAY = timedelta(days=2)
POD_SIGNER = "J. Doe"
# Freight charges of the optional ``freight.charges`` event (X12 210 codes).
CHARGES_CURRENCY = "EUR"
BASE_FREIGHT_CODE = "400"
FUEL_SURCHARGE_CODE = "FUE"
TAIL_LIFT_CODE = "LFT"
BASE_FREIGHT_MINIMUM = 45.0
BASE_FREIGHT_PER_KG = 0.35
FUEL_SURCHARGE_RATE = 0.18
TAIL_LIFT_FEE = 35.0
SETTLEMENT_KINDS = ("vendor_bill", "customer_invoice")

# --- Webhook delivery -------------------------------------------------------
WEBHOOK_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)
WEBHOOK_TIMEOUT = 5.0
STALE_AGE_SECONDS = 600
TAMPER_SUFFIX = "-tampered"
BATCH_LINGER = 0.3
IDLE_WAIT = 1.0
JOIN_TIMEOUT = 2.0
STOP_POLL = 0.1
SERVE_POLL = 0.1

ORIGIN, HUB, DESTINATION = "origin", "hub", "destination"


@dataclass(frozen=True)
class Step:
    """One event of a timeline: its type, status code and where it happens."""

    event_type: str
    status_code: str
    stage: str


DEFAULT_TIMELINE = (
    Step("tender.accepted", "TENDER_ACCEPTED", ORIGIN),
    Step("carrier.assigned", "CARRIER_ASSIGNED", ORIGIN),
    Step("shipment.milestone", "PICKUP_ARRIVED", ORIGIN),
    Step("shipment.milestone", "PICKUP_DEPARTED", ORIGIN),
    Step("shipment.milestone", "IN_TRANSIT", HUB),
    Step("shipment.eta_changed", "ETA_UPDATED", HUB),
    Step("shipment.milestone", "OUT_FOR_DELIVERY", DESTINATION),
    Step("shipment.milestone", "DELIVERY_ARRIVED", DESTINATION),
    Step("shipment.delivered", "DELIVERED", DESTINATION),
)
ETA_STEP_COUNT = 6  # steps up to and including ETA_UPDATED
TIMELINES = {
    "delivered": DEFAULT_TIMELINE,
    "declined": (Step("tender.declined", "TENDER_DECLINED", ORIGIN),),
    "refused": (
        *DEFAULT_TIMELINE[:-1],
        Step("shipment.exception", "REFUSED", DESTINATION),
    ),
    "attempted": (
        *DEFAULT_TIMELINE[:-1],
        Step("shipment.exception", "DELIVERY_ATTEMPTED", DESTINATION),
    ),
    "delay": (
        *DEFAULT_TIMELINE[:ETA_STEP_COUNT],
        Step("shipment.milestone", "DELAYED", HUB),
        *DEFAULT_TIMELINE[ETA_STEP_COUNT:],
    ),
}
REASONS = {
    "TENDER_DECLINED": ("NC", "No carrier capacity on the requested lane"),
    "DELAYED": ("A1", "Adverse weather conditions"),
    "REFUSED": ("RC", "Refused by consignee"),
    "DELIVERY_ATTEMPTED": ("NH", "Consignee not at home, delivery attempted"),
}
PICKUP_DEPARTED = "PICKUP_DEPARTED"
DELIVERED = "DELIVERED"
CANCELLED = "CANCELLED"
CHARGES = "CHARGES"
CHARGES_STEP = Step("freight.charges", CHARGES, DESTINATION)
# Steps that report on the shipment without moving its status.
STATUS_NEUTRAL_CODES = frozenset({CHARGES})
STAGE_PLACES = {
    ORIGIN: ("shipper", "Shipper warehouse", "Antwerp"),
    DESTINATION: ("consignee", "Consignee", "Ghent"),
}
HUB_LOCATION = {"name": "Speedy Freight hub", "city": "Brussels"}


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


# --- Time and documents -----------------------------------------------------


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


def _pdf_text(text):
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def build_pod_pdf(shipment_id, signed_by, signed_at):
    """A minimal valid one-page PDF: "Proof of delivery <shipment id>"."""
    lines = [
        f"Proof of delivery {shipment_id}",
        f"Signed by {signed_by} at {signed_at}",
    ]
    shown = " 0 -24 Td ".join(f"({_pdf_text(line)}) Tj" for line in lines)
    stream = f"BT /F1 16 Tf 72 760 Td {shown} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(pdf)


# --- Validation (shared by REST and SOAP) -----------------------------------


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


# --- Options ----------------------------------------------------------------


@dataclass
class WebhookOptions:
    """Where and how events are pushed."""

    url: str | None = None
    secret: str | None = None
    duplicate: bool = False
    shuffle: bool = False
    batch_size: int = 1
    tamper: bool = False
    stale_timestamp: bool = False


@dataclass
class ScenarioOptions:
    """How the timelines of new shipments unfold."""

    outcome: str = DEFAULT_OUTCOME
    step_delay: float = DEFAULT_STEP_DELAY
    auto_advance: bool = True
    seed: int = DEFAULT_SEED
    charges_event: bool = False
    charges: list | None = None


@dataclass
class Fault:
    """An injected misbehaviour for the next ``remaining`` protocol calls."""

    remaining: int = 1
    status: int | None = None
    body: object = None
    retry_after: str | None = None
    latency: float = 0.0
    drop: bool = False


def _as_bool(key, value):
    if not isinstance(value, bool):
        raise _invalid(f"{key} must be a boolean")
    return value


def _as_optional_text(key, value):
    if value is not None and not isinstance(value, str):
        raise _invalid(f"{key} must be a string or null")
    return value or None


def _as_int(key, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(f"{key} must be an integer")
    return value


def _as_positive_int(key, value):
    if _as_int(key, value) < 1:
        raise _invalid(f"{key} must be a positive integer")
    return value


def _as_non_negative_number(key, value):
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _invalid(f"{key} must be a non-negative number")
    return float(value)


def _as_outcome(key, value):
    if value not in OUTCOMES:
        raise _invalid(f"{key} must be one of {', '.join(OUTCOMES)}")
    return value


def _as_status(key, value):
    if _as_int(key, value) not in HTTP_STATUS_RANGE:
        raise _invalid(f"{key} must be an HTTP status code")
    return value


def _as_any(_key, value):
    return value


def _as_number(key, value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(f"{key} must be a number")
    return value


def _as_charge(key, charge):
    if not isinstance(charge, dict):
        raise _invalid(f"{key} must be an object")
    code = charge.get("code")
    if not isinstance(code, str) or not code.strip():
        raise _invalid(f"{key}.code must be a non-empty string")
    if len(code) > MAX_CHARGE_CODE_LENGTH:
        raise _invalid(f"{key}.code is longer than {MAX_CHARGE_CODE_LENGTH}")
    _as_number(f"{key}.amount", charge.get("amount"))
    for name in ("quantity", "expected_amount"):
        if charge.get(name) is not None:
            _as_number(f"{key}.{name}", charge[name])
    if charge.get("description") is not None:
        _as_optional_text(f"{key}.description", charge["description"])
    return dict(charge)


def _as_charges(key, value):
    """A list of charges to send instead of the computed ones (None: computed)."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise _invalid(f"{key} must be a list or null")
    return [_as_charge(f"{key}[{index}]", charge) for index, charge in enumerate(value)]


def _as_header_value(key, value):
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _invalid(f"{key} must be a number or a string")
    return str(value)


WEBHOOK_FIELDS = {
    "url": _as_optional_text,
    "secret": _as_optional_text,
    "duplicate": _as_bool,
    "shuffle": _as_bool,
    "batch_size": _as_positive_int,
    "tamper": _as_bool,
    "stale_timestamp": _as_bool,
}
SCENARIO_FIELDS = {
    "outcome": _as_outcome,
    "step_delay": _as_non_negative_number,
    "auto_advance": _as_bool,
    "seed": _as_int,
    "charges_event": _as_bool,
    "charges": _as_charges,
}
FAULT_FIELDS = {
    "count": _as_positive_int,
    "status": _as_status,
    "body": _as_any,
    "retry_after": _as_header_value,
    "latency": _as_non_negative_number,
    "drop": _as_bool,
}
FAULT_ATTRIBUTES = {"count": "remaining"}


def parse_changes(body, fields):
    """Validated ``{key: value}`` of a control request body."""
    if not isinstance(body, dict):
        raise _invalid("body must be a JSON object")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise _invalid(f"unknown option {unknown[0]}")
    return {key: fields[key](key, value) for key, value in body.items()}


def parse_fault(body):
    """A :class:`Fault` from a ``POST /_control/faults`` body."""
    changes = parse_changes(body, FAULT_FIELDS)
    fault = Fault(**{FAULT_ATTRIBUTES.get(k, k): v for k, v in changes.items()})
    if fault.status is None and not fault.drop and not fault.latency:
        raise _invalid("a fault needs a status, a latency or drop")
    return fault


# --- Shipments and their events ---------------------------------------------


@dataclass
class Shipment:
    """A released shipment and the progress of its timeline."""

    shipment_id: str
    external_reference: str
    payload: dict
    correlation_id: str | None
    outcome: str
    accepted_at: datetime
    rng: random.Random
    timeline: tuple = ()
    minutes: list = field(default_factory=list)
    tracking_number: str = ""
    status: str = "accepted"
    position: int = 0
    picked_up: bool = False
    cancelled: bool = False
    next_due: float | None = None
    eta: datetime | None = None
    shift: timedelta = timedelta(0)
    last_occurred: datetime | None = None
    last_stage: str = ORIGIN
    held: list = field(default_factory=list)
    charges_event: bool = False
    charges: list | None = None
    settlement: list = field(default_factory=list)

    def __post_init__(self):
        self.timeline = TIMELINES[self.outcome]
        self.arrival_index = len(self.timeline) - 1
        if self.charges_event and self.timeline[-1].status_code == DELIVERED:
            self.timeline = (*self.timeline, CHARGES_STEP)
        self.minutes = [
            self.rng.randint(STEP_MINUTES_MIN, STEP_MINUTES_MAX) for _ in self.timeline
        ]
        self.tracking_number = "{}{:06d}".format(
            CARRIER["scac"], self.rng.randint(0, TRACKING_DIGITS_MAX)
        )

    @property
    def finished(self):
        return self.cancelled or self.position >= len(self.timeline)

    def planned_time(self, index):
        """Simulated time of step ``index``, before any delay."""
        return self.accepted_at + timedelta(minutes=sum(self.minutes[:index]))

    def planned_arrival(self):
        return self.planned_time(self.arrival_index)

    def step_time(self, index):
        return self.planned_time(index) + self.shift


def _location(shipment, stage):
    if stage == HUB:
        return {**HUB_LOCATION, "country": DEFAULT_COUNTRY}
    key, default_name, default_city = STAGE_PLACES[stage]
    party = shipment.payload.get(key) or {}
    return {
        "name": party.get("name") or default_name,
        "city": party.get("city") or default_city,
        "country": party.get("country") or DEFAULT_COUNTRY,
    }


def _base_data(shipment, status_code, stage):
    return {
        "shipment_id": shipment.shipment_id,
        "external_reference": shipment.external_reference,
        "status_code": status_code,
        "timezone": TIMEZONE_NAME,
        "location": _location(shipment, stage),
    }


def _carrier_data(shipment, _step, _occurred):
    number = shipment.tracking_number
    return {
        "carrier": dict(CARRIER),
        "tracking_number": number,
        "tracking_url": TRACKING_URL.format(number),
    }


def _planned_eta_data(shipment, _step, _occurred):
    shipment.eta = shipment.planned_arrival() + INITIAL_ETA_SLACK
    return {"eta": iso_z(shipment.eta)}


def _delayed_eta(shipment):
    window = shipment.payload.get("deliveryWindow") or {}
    window_end = parse_iso(window.get("end"))
    return (window_end or shipment.eta or shipment.planned_arrival()) + DELAY


def _updated_eta_data(shipment, _step, _occurred):
    if shipment.outcome == "delay":
        shipment.eta = _delayed_eta(shipment)
    else:
        shipment.eta = shipment.planned_arrival()
    return {"eta": iso_z(shipment.eta)}


def _reason_data(_shipment, step, _occurred):
    reason_code, reason = REASONS[step.status_code]
    return {"reason_code": reason_code, "reason": reason}


def _delayed_data(shipment, step, occurred):
    # The remaining steps move so that the delivery happens at the new ETA.
    late_by = shipment.eta - shipment.planned_arrival() if shipment.eta else None
    shipment.shift = max(timedelta(0), late_by or timedelta(0))
    return _reason_data(shipment, step, occurred)


def _pod_data(shipment, _step, occurred):
    signed_at = iso_z(occurred)
    document = build_pod_pdf(shipment.shipment_id, POD_SIGNER, signed_at)
    return {
        "pod": {
            "signed_by": POD_SIGNER,
            "signed_at": signed_at,
            "filename": f"POD-{shipment.shipment_id}.pdf",
            "content_base64": base64.b64encode(document).decode("ascii"),
        }
    }


def _weight_kg(payload):
    """The shipment's weight: each item's ``weightKg`` is the weight of its line."""
    return sum(
        item["weightKg"]
        for item in payload.get("items") or []
        if isinstance(item.get("weightKg"), int | float)
        and not isinstance(item.get("weightKg"), bool)
    )


def default_charges(payload):
    """Base freight by weight, a fuel surcharge, and a tail-lift if it was asked.

    The tendered price is the expected amount: the carrier bills what was agreed.
    """
    base = round(
        max(BASE_FREIGHT_MINIMUM, _weight_kg(payload) * BASE_FREIGHT_PER_KG), 2
    )
    charges = [
        (BASE_FREIGHT_CODE, "Base freight", base),
        (FUEL_SURCHARGE_CODE, "Fuel surcharge", round(base * FUEL_SURCHARGE_RATE, 2)),
    ]
    if (payload.get("constraints") or {}).get("tailLift") is True:
        charges.append((TAIL_LIFT_CODE, "Tail-lift delivery", TAIL_LIFT_FEE))
    return [
        {
            "code": code,
            "description": description,
            "amount": amount,
            "quantity": 1,
            "expected_amount": amount,
        }
        for code, description, amount in charges
    ]


def _charges_data(shipment, _step, _occurred):
    charges = shipment.charges
    if charges is None:
        charges = default_charges(shipment.payload)
    return {
        "carrier": dict(CARRIER),
        "currency": CHARGES_CURRENCY,
        "charges": [dict(charge) for charge in charges],
    }


EXTRA_DATA = {
    "CARRIER_ASSIGNED": _carrier_data,
    "IN_TRANSIT": _planned_eta_data,
    "ETA_UPDATED": _updated_eta_data,
    "DELAYED": _delayed_data,
    DELIVERED: _pod_data,
    "TENDER_DECLINED": _reason_data,
    "REFUSED": _reason_data,
    "DELIVERY_ATTEMPTED": _reason_data,
    CHARGES: _charges_data,
}


# --- Simulator state --------------------------------------------------------


class Simulator:
    """Shipments, events, faults, options and request log, under one lock.

    A scheduler thread advances the timelines; a :class:`WebhookWorker`
    delivers the events it is handed through an outbox queue.
    """

    def __init__(self, webhook, scenario, api_key=None, id_prefix=""):
        self.api_key = api_key
        # Ids are unique per run of the simulator; a prefix keeps them unique
        # across runs that talk to the same Odoo database.
        self.id_prefix = id_prefix
        self.wsdl_text = None
        self._defaults = (webhook, scenario)
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._stopping = False
        self._outbox = queue.Queue()
        self.generation = 0
        self._webhook = replace(webhook)
        self._scenario = replace(scenario)
        self._shipments = {}
        self._by_reference = {}
        self._events = []
        self._faults = deque()
        self._requests = deque(maxlen=REQUEST_LOG_SIZE)
        self._reset_locked()
        self._scheduler = threading.Thread(
            target=self._run_scheduler, name="tms-timeline", daemon=True
        )
        self._worker = WebhookWorker(self, self._outbox)

    # Life cycle

    def start(self, base_url):
        self.wsdl_text = load_wsdl(base_url)
        self._scheduler.start()
        self._worker.start()

    def stop(self):
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify_all()
        self._worker.stop()
        self._scheduler.join(JOIN_TIMEOUT)
        self._worker.join(JOIN_TIMEOUT)

    def reset(self):
        with self._wakeup:
            self._reset_locked()
            self._wakeup.notify_all()
        _drain(self._outbox)
        self._worker.wake()
        _logger.info("state reset")

    def _reset_locked(self):
        self.generation += 1
        self._webhook = replace(self._defaults[0])
        self._scenario = replace(self._defaults[1])
        self._shipments.clear()
        self._by_reference.clear()
        self._events.clear()
        self._faults.clear()
        self._requests.clear()

    # Shipments

    def release(self, payload, correlation_id):
        """Store a new shipment; return ``(created, shipment_id)``."""
        validate_shipment(payload)
        reference = payload["externalReference"]
        with self._wakeup:
            known = self._by_reference.get(reference)
            if known:
                return False, known
            shipment = self._new_shipment_locked(payload, correlation_id)
            self._wakeup.notify_all()
        _logger.info("shipment %s released for %s", shipment.shipment_id, reference)
        return True, shipment.shipment_id

    def _new_shipment_locked(self, payload, correlation_id):
        shipment_id = SHIPMENT_ID_FORMAT.format(
            self.id_prefix, len(self._shipments) + 1
        )
        scenario = self._scenario
        shipment = Shipment(
            shipment_id=shipment_id,
            external_reference=payload["externalReference"],
            payload=payload,
            correlation_id=correlation_id,
            outcome=scenario.outcome,
            accepted_at=utc_now(),
            rng=random.Random(f"{scenario.seed}:{shipment_id}"),
            next_due=time.monotonic() + scenario.step_delay,
            charges_event=scenario.charges_event,
            charges=scenario.charges,
        )
        self._shipments[shipment_id] = shipment
        self._by_reference[shipment.external_reference] = shipment_id
        return shipment

    def amend(self, shipment_id, payload):
        validate_shipment(payload)
        with self._lock:
            shipment = self._get_locked(shipment_id)
            if shipment.cancelled:
                raise _conflict(shipment_id, "cancelled")
            if shipment.picked_up:
                raise _conflict(shipment_id, "picked up")
            if payload["externalReference"] != shipment.external_reference:
                raise _invalid(
                    f"externalReference cannot change "
                    f"(shipment {shipment_id} is {shipment.external_reference})"
                )
            shipment.payload = payload
        _logger.info("shipment %s amended", shipment_id)

    def cancel(self, shipment_id, reason):
        with self._lock:
            shipment = self._get_locked(shipment_id)
            if shipment.status == DELIVERED.lower():
                raise _conflict(shipment_id, "delivered")
            if shipment.cancelled:
                return
            shipment.cancelled = True
            shipment.status = CANCELLED.lower()
            shipment.next_due = None
            occurred = max(utc_now(), shipment.last_occurred or shipment.accepted_at)
            data = _base_data(shipment, CANCELLED, shipment.last_stage)
            data["reason"] = reason
            self._record_event_locked(shipment, "shipment.cancelled", occurred, data)
        _logger.info("shipment %s cancelled", shipment_id)

    def shipment_view(self, shipment_id):
        with self._lock:
            shipment = self._get_locked(shipment_id)
            return {
                "shipmentId": shipment.shipment_id,
                "externalReference": shipment.external_reference,
                "status": shipment.status,
                "payload": shipment.payload,
            }

    def record_settlement(self, shipment_id, body):
        """Store the invoice references Odoo sends for a shipment (by kind, number)."""
        invoices = validate_settlement(body)
        with self._lock:
            shipment = self._get_locked(shipment_id)
            known = {(i["kind"], i["number"]): i for i in shipment.settlement}
            for invoice in invoices:
                known[(invoice["kind"], invoice["number"])] = invoice
            shipment.settlement = list(known.values())
            recorded = list(shipment.settlement)
        _logger.info("shipment %s: %s invoice reference(s)", shipment_id, len(invoices))
        return {"shipmentId": shipment_id, "status": "recorded", "invoices": recorded}

    def settlement_view(self, shipment_id):
        with self._lock:
            shipment = self._get_locked(shipment_id)
            return {"shipmentId": shipment_id, "invoices": list(shipment.settlement)}

    def shipments_view(self):
        with self._lock:
            return {
                shipment.shipment_id: {
                    "externalReference": shipment.external_reference,
                    "status": shipment.status,
                    "step": shipment.position,
                    "outcome": shipment.outcome,
                    "payload": shipment.payload,
                }
                for shipment in self._shipments.values()
            }

    def _get_locked(self, shipment_id):
        shipment = self._shipments.get(shipment_id)
        if shipment is None:
            raise ApiError(HTTP_NOT_FOUND, f"unknown shipment {shipment_id}")
        return shipment

    # Timelines

    def advance(self, shipment_id, steps):
        """Emit the next ``steps`` steps of a shipment now."""
        with self._wakeup:
            shipment = self._get_locked(shipment_id)
            emitted = []
            for _ in range(steps):
                if shipment.finished:
                    break
                emitted.append(self._emit_step_locked(shipment))
            if not shipment.finished:
                shipment.next_due = time.monotonic() + self._scenario.step_delay
            self._wakeup.notify_all()
            return {
                "shipmentId": shipment_id,
                "status": shipment.status,
                "emitted": emitted,
            }

    def _run_scheduler(self):
        with self._wakeup:
            while not self._stopping:
                self._wakeup.wait(timeout=self._run_due_steps_locked())

    def _run_due_steps_locked(self):
        """Emit the steps that are due; return how long to wait for the next."""
        if not self._scenario.auto_advance:
            return IDLE_WAIT
        now = time.monotonic()
        waits = [IDLE_WAIT]
        for shipment in self._shipments.values():
            if shipment.finished or shipment.next_due is None:
                continue
            if shipment.next_due <= now:
                self._emit_step_locked(shipment)
                shipment.next_due = now + self._scenario.step_delay
            if not shipment.finished:
                waits.append(shipment.next_due - now)
        return max(0.0, min(waits))

    def _emit_step_locked(self, shipment):
        step = shipment.timeline[shipment.position]
        occurred = shipment.step_time(shipment.position)
        data = _base_data(shipment, step.status_code, step.stage)
        builder = EXTRA_DATA.get(step.status_code)
        if builder:
            data.update(builder(shipment, step, occurred))
        shipment.position += 1
        if step.status_code not in STATUS_NEUTRAL_CODES:
            shipment.status = step.status_code.lower()
        shipment.picked_up = shipment.picked_up or step.status_code == PICKUP_DEPARTED
        shipment.last_stage = step.stage
        return self._record_event_locked(shipment, step.event_type, occurred, data)

    def _record_event_locked(self, shipment, event_type, occurred, data):
        sequence = len(self._events) + 1
        event = {
            "event_id": EVENT_ID_FORMAT.format(self.id_prefix, sequence),
            "event_type": event_type,
            "occurred_at": iso_z(occurred),
            "sequence": sequence,
            "aggregate": {"type": "shipment", "id": shipment.shipment_id},
        }
        if shipment.correlation_id:
            event["correlation_id"] = shipment.correlation_id
        event["data"] = data
        shipment.last_occurred = occurred
        self._events.append(event)
        _logger.info(
            "event %s %s %s", event["event_id"], event_type, data["status_code"]
        )
        self._publish_locked(shipment, event)
        return event

    def _publish_locked(self, shipment, event):
        options = self._webhook
        if options.url:
            copies = [event, event] if options.duplicate else [event]
            if options.shuffle:
                shipment.held.extend(copies)
            else:
                self._enqueue_locked(copies)
        if shipment.finished and shipment.held:
            held = list(shipment.held)
            shipment.held.clear()
            random.Random(f"{self._scenario.seed}:{shipment.shipment_id}").shuffle(held)
            self._enqueue_locked(held)

    def _enqueue_locked(self, events):
        for event in events:
            self._outbox.put((self.generation, event))

    # Event feed

    def events_after(self, after, limit):
        with self._lock:
            events = self._events[after : after + limit]
        cursor = str(events[-1]["sequence"]) if events else str(after)
        return {"events": events, "cursor": cursor}

    # Options, faults and request log

    def configure_webhooks(self, body):
        changes = parse_changes(body, WEBHOOK_FIELDS)
        with self._lock:
            self._webhook = replace(self._webhook, **changes)
            return asdict(self._webhook)

    def configure_scenario(self, body):
        changes = parse_changes(body, SCENARIO_FIELDS)
        with self._wakeup:
            resumed = changes.get("auto_advance") and not self._scenario.auto_advance
            self._scenario = replace(self._scenario, **changes)
            if resumed:
                self._reschedule_locked()
            self._wakeup.notify_all()
            return asdict(self._scenario)

    def _reschedule_locked(self):
        due = time.monotonic() + self._scenario.step_delay
        for shipment in self._shipments.values():
            if not shipment.finished:
                shipment.next_due = due

    def webhook_settings(self):
        """A copy of the webhook options and the current state generation."""
        with self._lock:
            return replace(self._webhook), self.generation

    def add_fault(self, fault):
        with self._lock:
            self._faults.append(fault)
            return len(self._faults)

    def take_fault(self):
        """The fault that applies to the current call, if any (FIFO)."""
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.popleft()
            return replace(fault)

    def record_request(self, request):
        entry = {
            "method": request.method,
            "path": request.target,
            "headers": dict(request.headers.items()),
            "body": request.body.decode("utf-8", "replace"),
        }
        with self._lock:
            self._requests.append(entry)

    def requests(self):
        with self._lock:
            return list(self._requests)


def _drain(pending):
    while True:
        try:
            pending.get_nowait()
        except queue.Empty:
            return


def load_wsdl(base_url):
    """The shipped WSDL with its soap:address pointing at ``base_url``."""
    try:
        text = WSDL_FILE.read_text(encoding="utf-8")
    except OSError as exc:
        _logger.warning("WSDL not available at %s: %s", WSDL_FILE, exc)
        return None
    return SOAP_ADDRESS_RE.sub(rf"\g<1>{base_url}{SOAP_PATH}\g<2>", text)


# --- Webhooks ---------------------------------------------------------------


def compute_signature(secret, timestamp, body):
    """Hex HMAC-SHA256 of ``f"{timestamp}."`` + ``body`` with ``secret``."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def webhook_headers(options, body, correlation_id):
    """Headers of a webhook POST, signed (or mis-signed) as the options say."""
    timestamp = int(time.time())
    if options.stale_timestamp:
        timestamp -= STALE_AGE_SECONDS
    headers = {
        "Content-Type": JSON_TYPE,
        "User-Agent": SERVER_NAME,
        TIMESTAMP_HEADER: str(timestamp),
    }
    if options.secret or options.tamper:
        secret = (options.secret or "") + (TAMPER_SUFFIX if options.tamper else "")
        digest = compute_signature(secret, timestamp, body)
        headers[SIGNATURE_HEADER] = SIGNATURE_PREFIX + digest
    if correlation_id:
        headers[CORRELATION_HEADER] = correlation_id
    return headers


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery, not something to follow."""

    def redirect_request(self, *_args, **_kwargs):
        return None


class WebhookWorker(threading.Thread):
    """Posts queued events in batches, retrying with backoff."""

    def __init__(self, simulator, outbox):
        super().__init__(name="tms-webhooks", daemon=True)
        self._simulator = simulator
        self._outbox = outbox
        self._stop_event = threading.Event()
        self._wake_event = threading.Event()
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _NoRedirect()
        )

    def stop(self):
        self._stop_event.set()
        self._wake_event.set()
        self._outbox.put(None)  # unblocks the queue wait

    def wake(self):
        """Cut a backoff pause short (after a reset, stale work is dropped)."""
        self._wake_event.set()

    def _pause(self, delay):
        """Wait ``delay`` seconds or until woken; True when stopping."""
        self._wake_event.wait(delay)
        self._wake_event.clear()
        return self._stop_event.is_set()

    def run(self):
        batch, generation = [], None
        while not self._stop_event.is_set():
            try:
                item = self._outbox.get(timeout=BATCH_LINGER if batch else IDLE_WAIT)
            except queue.Empty:
                item = None  # nothing new for a while: send what is held
            if item is None or item[0] != generation:
                self._flush(generation, batch)
                batch = []
            if item is not None:
                generation = item[0]
                batch.append(item[1])
                options, _current = self._simulator.webhook_settings()
                if len(batch) >= options.batch_size:
                    self._flush(generation, batch)
                    batch = []

    def _flush(self, generation, batch):
        if batch and not self._stop_event.is_set():
            self._deliver(generation, batch)

    def _deliver(self, generation, events):
        self._wake_event.clear()
        body = json.dumps({"events": events}).encode("utf-8")
        ids = ",".join(event["event_id"] for event in events)
        correlation = next(
            (e["correlation_id"] for e in events if e.get("correlation_id")), None
        )
        for attempt, delay in enumerate((0.0, *WEBHOOK_BACKOFF), start=1):
            if delay and self._pause(delay):
                return
            options, current = self._simulator.webhook_settings()
            if current != generation or not options.url:
                _logger.info("webhook delivery of %s abandoned", ids)
                return
            if self._post(options, body, correlation, ids, attempt):
                return
        _logger.warning(
            "webhook delivery of %s dropped after %s attempts", ids, attempt
        )

    def _post(self, options, body, correlation, ids, attempt):
        headers = webhook_headers(options, body, correlation)
        request = urllib.request.Request(
            options.url, data=body, headers=headers, method="POST"
        )
        try:
            with self._opener.open(request, timeout=WEBHOOK_TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            _logger.info("webhook %s attempt %s: HTTP %s", ids, attempt, exc.code)
            return False
        except (OSError, http.client.HTTPException, ValueError) as exc:
            _logger.info("webhook %s attempt %s: %s", ids, attempt, exc)
            return False
        _logger.debug("webhook %s delivered (attempt %s)", ids, attempt)
        return True


# --- HTTP application -------------------------------------------------------


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


def soap_envelope(content):
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<soap:Envelope xmlns:soap="{SOAP_ENV_NS}" xmlns:tms="{TNS}">'
        f"<soap:Body>{content}</soap:Body></soap:Envelope>"
    )


def soap_result(element, shipment_id, status):
    content = (
        f"<tms:{element}><tms:shipmentId>{escape(shipment_id)}</tms:shipmentId>"
        f"<tms:status>{escape(status)}</tms:status></tms:{element}>"
    )
    return HttpResponse(HTTP_OK, soap_envelope(content).encode("utf-8"), XML_TYPE)


def soap_fault(status, code, message, headers=None):
    content = (
        f"<soap:Fault><faultcode>{code}</faultcode>"
        f"<faultstring>{escape(message)}</faultstring></soap:Fault>"
    )
    body = soap_envelope(content).encode("utf-8")
    return HttpResponse(status, body, XML_TYPE, dict(headers or {}))


def _fault_code(status):
    return SOAP_SERVER_FAULT if status >= HTTP_SERVER_ERROR else SOAP_CLIENT_FAULT


def json_body(request, allow_empty=False):
    """The decoded JSON body; 400 if it is not JSON."""
    if allow_empty and not request.body.strip():
        return {}
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(HTTP_BAD_REQUEST, f"malformed JSON body: {exc}") from None


def query_int(query, name, default):
    values = query.get(name)
    if not values or not values[-1]:
        return default
    try:
        value = int(values[-1])
    except ValueError:
        value = -1
    if value < 0:
        raise ApiError(HTTP_BAD_REQUEST, f"{name} must be a non-negative integer")
    return value


# SOAP ShipmentType <-> payload dict


def _qualified(name):
    return f"{{{TNS}}}{name}"


def _child(element, name, required=False):
    child = element.find(_qualified(name))
    if child is None and required:
        raise _invalid(f"{name} is required")
    return child


def _child_text(element, name):
    return (_child(element, name, required=True).text or "").strip()


def _texts(element, names):
    found = {}
    for name in names:
        child = _child(element, name)
        if child is not None:
            found[name] = (child.text or "").strip()
    return found


def _number(text):
    """A JSON number from an xsd:decimal, or the text if it is not one."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    if not value.is_finite():
        return text
    return int(value) if value == value.to_integral_value() else float(value)


PARTY_FIELDS = ("name", "street", "city", "zip", "country")
WINDOW_FIELDS = ("start", "end")
REFERENCE_FIELDS = ("customerPo", "orderReference")
ITEM_TEXT_FIELDS = ("sku", "description")
ITEM_NUMBER_FIELDS = ("quantity", "weightKg")
SHIPMENT_GROUPS = (
    ("consignee", PARTY_FIELDS),
    ("shipper", PARTY_FIELDS),
    ("pickupWindow", WINDOW_FIELDS),
    ("deliveryWindow", WINDOW_FIELDS),
    ("references", REFERENCE_FIELDS),
)


def _item_from_xml(element):
    item = _texts(element, ITEM_TEXT_FIELDS)
    for name, text in _texts(element, ITEM_NUMBER_FIELDS).items():
        item[name] = _number(text)
    return item


def shipment_from_xml(element):
    """The REST-shaped payload dict of a ShipmentType element."""
    payload = _texts(element, ("externalReference", "serviceLevel"))
    for name, fields in SHIPMENT_GROUPS:
        child = _child(element, name)
        if child is not None:
            payload[name] = _texts(child, fields)
    items = _child(element, "items")
    if items is not None:
        payload["items"] = [
            _item_from_xml(i) for i in items.findall(_qualified("item"))
        ]
    return payload


def parse_soap_request(body):
    """``(operation name, operation element)`` of a SOAP 1.1 request."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ApiError(HTTP_BAD_REQUEST, f"malformed XML: {exc}") from None
    if root.tag != f"{{{SOAP_ENV_NS}}}Envelope":
        raise ApiError(HTTP_BAD_REQUEST, "a SOAP 1.1 Envelope is expected")
    soap_body = root.find(f"{{{SOAP_ENV_NS}}}Body")
    if soap_body is None or len(soap_body) == 0:
        raise ApiError(HTTP_BAD_REQUEST, "the SOAP Body is empty")
    operation = soap_body[0]
    namespace, _, name = operation.tag[1:].partition("}")
    if not operation.tag.startswith("{") or namespace != TNS:
        raise ApiError(HTTP_BAD_REQUEST, f"unknown operation {operation.tag}")
    return name, operation


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


class Application:
    """Routes requests to the REST, SOAP and control handlers."""

    def __init__(self, simulator):
        self.simulator = simulator
        self._rest_routes = (
            ("POST", re.compile(r"/api/v1/shipments"), self._rest_release),
            ("PUT", re.compile(r"/api/v1/shipments/([^/]+)"), self._rest_amend),
            (
                "POST",
                re.compile(r"/api/v1/shipments/([^/]+)/cancel"),
                self._rest_cancel,
            ),
            ("GET", re.compile(r"/api/v1/shipments/([^/]+)"), self._rest_get),
            ("GET", re.compile(r"/api/v1/events"), self._rest_events),
            (
                "POST",
                re.compile(r"/api/v1/shipments/([^/]+)/settlement"),
                self._rest_settlement,
            ),
            (
                "GET",
                re.compile(r"/api/v1/shipments/([^/]+)/settlement"),
                self._rest_settlement_get,
            ),
        )
        self._soap_operations = {
            "ReleaseShipment": self._soap_release,
            "AmendShipment": self._soap_amend,
            "CancelShipment": self._soap_cancel,
        }
        self._control_routes = {
            ("POST", "/_control/faults"): self._control_faults,
            ("POST", "/_control/webhooks"): self._control_webhooks,
            ("POST", "/_control/scenario"): self._control_scenario,
            ("POST", "/_control/advance"): self._control_advance,
            ("POST", "/_control/reset"): self._control_reset,
            ("GET", "/_control/requests"): self._control_requests,
            ("GET", "/_control/shipments"): self._control_shipments,
        }

    def handle(self, request):
        path = request.path
        if path.startswith(CONTROL_PREFIX):
            return self._control(request)
        is_soap = path == SOAP_PATH or path.startswith(SOAP_PATH + "/")
        if not (is_soap or path.startswith(API_PREFIX)):
            return error_response(
                HTTP_NOT_FOUND, f"no route for {request.method} {path}"
            )
        self.simulator.record_request(request)
        if is_soap and request.method == "GET":
            return self._wsdl(request)
        return self._protocol(request, is_soap)

    def _protocol(self, request, is_soap):
        fault = self.simulator.take_fault()
        if fault:
            response = self._apply_fault(fault, is_soap)
            if response:
                return response
        if not self._authorized(request):
            message = "invalid API key"
            if is_soap:
                return soap_fault(HTTP_UNAUTHORIZED, SOAP_CLIENT_FAULT, message)
            return error_response(HTTP_UNAUTHORIZED, message)
        return self._soap(request) if is_soap else self._rest(request)

    @staticmethod
    def _apply_fault(fault, is_soap):
        if fault.latency:
            _logger.info("injected latency of %ss", fault.latency)
            time.sleep(fault.latency)
        if fault.drop:
            return HttpResponse(0, drop=True)
        if fault.status is None:
            return None
        _logger.info("injected HTTP %s", fault.status)
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        body = fault.body if fault.body is not None else {"error": "injected fault"}
        if is_soap:
            message = body.get("error") if isinstance(body, dict) else None
            code = _fault_code(fault.status)
            return soap_fault(fault.status, code, str(message or body), headers)
        return json_response(fault.status, body, headers)

    def _authorized(self, request):
        expected = self.simulator.api_key
        if not expected:
            return True
        given = request.headers.get(API_KEY_HEADER) or ""
        return hmac.compare_digest(given.encode(), expected.encode())

    def _wsdl(self, request):
        is_wsdl = request.path == WSDL_PATH or "wsdl" in request.query
        if not is_wsdl:
            return error_response(HTTP_METHOD_NOT_ALLOWED, "SOAP calls use POST")
        text = self.simulator.wsdl_text
        if text is None:
            return error_response(HTTP_NOT_FOUND, "WSDL not available")
        return HttpResponse(HTTP_OK, text.encode("utf-8"), XML_TYPE)

    # REST

    def _rest(self, request):
        path = request.path
        for method, pattern, handler in self._rest_routes:
            match = pattern.fullmatch(path)
            if match and method == request.method:
                try:
                    return handler(request, *match.groups())
                except ApiError as exc:
                    return error_response(exc.status, exc.message)
        return error_response(HTTP_NOT_FOUND, f"no route for {request.method} {path}")

    def _rest_release(self, request):
        payload = json_body(request)
        created, shipment_id = self.simulator.release(payload, request.correlation_id)
        status = HTTP_CREATED if created else HTTP_OK
        return json_response(status, {"shipmentId": shipment_id, "status": "accepted"})

    def _rest_amend(self, request, shipment_id):
        self.simulator.amend(shipment_id, json_body(request))
        return json_response(HTTP_OK, {"shipmentId": shipment_id, "status": "amended"})

    def _rest_cancel(self, request, shipment_id):
        body = json_body(request, allow_empty=True)
        if not isinstance(body, dict):
            raise _invalid("body must be a JSON object")
        reason = body.get("reason") or ""
        if not isinstance(reason, str):
            raise _invalid("reason must be a string")
        self.simulator.cancel(shipment_id, reason)
        return json_response(
            HTTP_OK, {"shipmentId": shipment_id, "status": "cancelled"}
        )

    def _rest_get(self, _request, shipment_id):
        return json_response(HTTP_OK, self.simulator.shipment_view(shipment_id))

    def _rest_settlement(self, request, shipment_id):
        body = json_body(request)
        return json_response(
            HTTP_OK, self.simulator.record_settlement(shipment_id, body)
        )

    def _rest_settlement_get(self, _request, shipment_id):
        return json_response(HTTP_OK, self.simulator.settlement_view(shipment_id))

    def _rest_events(self, request):
        after = query_int(request.query, "after", 0)
        limit = query_int(request.query, "limit", FEED_DEFAULT_LIMIT)
        if limit < 1:
            raise ApiError(HTTP_BAD_REQUEST, "limit must be a positive integer")
        feed = self.simulator.events_after(after, min(limit, FEED_MAX_LIMIT))
        return json_response(HTTP_OK, feed)

    # SOAP

    def _soap(self, request):
        if request.method != "POST":
            return soap_fault(HTTP_METHOD_NOT_ALLOWED, SOAP_CLIENT_FAULT, "use POST")
        try:
            name, operation = parse_soap_request(request.body)
            handler = self._soap_operations.get(name)
            if handler is None:
                raise ApiError(HTTP_BAD_REQUEST, f"unknown operation {name}")
            shipment_id, status = handler(operation, request.correlation_id)
        except ApiError as exc:
            code = _fault_code(exc.status)
            return soap_fault(HTTP_SERVER_ERROR, code, exc.message)
        return soap_result(f"{name}Response", shipment_id, status)

    def _soap_release(self, operation, correlation_id):
        payload = shipment_from_xml(_child(operation, "shipment", required=True))
        _created, shipment_id = self.simulator.release(payload, correlation_id)
        return shipment_id, "accepted"

    def _soap_amend(self, operation, _correlation_id):
        shipment_id = _child_text(operation, "shipmentId")
        payload = shipment_from_xml(_child(operation, "shipment", required=True))
        self.simulator.amend(shipment_id, payload)
        return shipment_id, "amended"

    def _soap_cancel(self, operation, _correlation_id):
        shipment_id = _child_text(operation, "shipmentId")
        reason = _texts(operation, ("reason",)).get("reason", "")
        self.simulator.cancel(shipment_id, reason)
        return shipment_id, "cancelled"

    # Control

    def _control(self, request):
        handler = self._control_routes.get((request.method, request.path))
        if handler is None:
            message = f"no route for {request.method} {request.path}"
            return error_response(HTTP_NOT_FOUND, message)
        try:
            return json_response(HTTP_OK, handler(request))
        except ApiError as exc:
            return error_response(exc.status, exc.message)

    def _control_faults(self, request):
        queued = self.simulator.add_fault(parse_fault(json_body(request)))
        return {"queued": queued}

    def _control_webhooks(self, request):
        return self.simulator.configure_webhooks(json_body(request))

    def _control_scenario(self, request):
        return self.simulator.configure_scenario(json_body(request))

    def _control_advance(self, request):
        body = json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("shipment_id"), str):
            raise _invalid("shipment_id is required")
        steps = _as_positive_int("steps", body.get("steps", 1))
        return self.simulator.advance(
            body["shipment_id"], min(steps, MAX_ADVANCE_STEPS)
        )

    def _control_reset(self, _request):
        self.simulator.reset()
        return {"status": "reset"}

    def _control_requests(self, _request):
        return self.simulator.requests()

    def _control_shipments(self, _request):
        return self.simulator.shipments_view()


# --- HTTP server ------------------------------------------------------------


class RequestHandler(BaseHTTPRequestHandler):
    """Turns HTTP exchanges into :class:`HttpRequest` / :class:`HttpResponse`."""

    server_version = SERVER_NAME

    def version_string(self):
        return SERVER_NAME

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def log_message(self, fmt, *args):
        _logger.debug("%s %s", self.address_string(), fmt % args)

    def _handle(self):
        request = HttpRequest(self.command, self.path, self.headers, self._read_body())
        try:
            response = self.server.app.handle(request)
        except Exception:
            _logger.exception("error handling %s %s", self.command, self.path)
            response = error_response(HTTP_SERVER_ERROR, "internal simulator error")
        if response.drop:
            _logger.info("dropping the connection of %s %s", self.command, self.path)
            self.close_connection = True
            return
        try:
            self._send(response, request.correlation_id)
        except (BrokenPipeError, ConnectionResetError):
            _logger.info("client of %s %s went away", self.command, self.path)

    def _read_body(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, response, correlation_id):
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        if correlation_id:
            self.send_header(CORRELATION_HEADER, correlation_id)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)


class SimulatorServer(ThreadingHTTPServer):
    """One thread per connection; threads do not hold up shutdown."""

    daemon_threads = True

    def __init__(self, address, app):
        self.app = app
        super().__init__(address, RequestHandler)


# --- Command line -----------------------------------------------------------


def loopback_host(value):
    """argparse type: the simulator only listens on the IPv4 loopback."""
    host = "127.0.0.1" if value == "localhost" else value
    try:
        address = ipaddress.IPv4Address(host)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise argparse.ArgumentTypeError(f"{value} is not an IPv4 loopback address")
    return host


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--host", type=loopback_host, default="127.0.0.1")
    parser.add_argument("--api-key", help="required X-API-Key on /api and /soap")
    parser.add_argument("--webhook-url", help="where events are POSTed")
    parser.add_argument("--webhook-secret", help="HMAC-SHA256 signing secret")
    parser.add_argument(
        "--step-delay",
        type=float,
        default=DEFAULT_STEP_DELAY,
        help="seconds between two events of a timeline",
    )
    parser.add_argument(
        "--no-auto-advance",
        dest="auto_advance",
        action="store_false",
        help="timelines only move on POST /_control/advance",
    )
    parser.add_argument(
        "--id-prefix",
        default="",
        help="prefix of shipment and event ids (e.g. TMS-<prefix>000001), so that "
        "ids stay unique across runs",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
    )
    return parser.parse_args(argv)


def build_simulator(args):
    webhook = WebhookOptions(url=args.webhook_url, secret=args.webhook_secret)
    scenario = ScenarioOptions(
        step_delay=max(0.0, args.step_delay), auto_advance=args.auto_advance
    )
    return Simulator(webhook, scenario, api_key=args.api_key, id_prefix=args.id_prefix)


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    simulator = build_simulator(args)
    server = SimulatorServer((args.host, args.port), Application(simulator))
    host, port = server.server_address[:2]
    base_url = f"http://{host}:{port}"
    simulator.start(base_url)
    stop_requested = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: stop_requested.append(number))
    serving = threading.Thread(
        target=server.serve_forever, args=(SERVE_POLL,), name="tms-http"
    )
    serving.start()
    print(f"TMS simulator listening on {base_url}", flush=True)
    while not stop_requested:
        time.sleep(STOP_POLL)
    _logger.info("signal %s received, stopping", stop_requested[0])
    server.shutdown()
    serving.join(JOIN_TIMEOUT)
    server.server_close()
    simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
