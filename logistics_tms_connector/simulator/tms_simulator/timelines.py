"""Timelines: the events a released shipment emits, and their data."""

import base64
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .protocol import iso_z, parse_iso

OUTCOMES = ("delivered", "declined", "refused", "attempted", "delay", "returned")
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
# The delivery of the scenario option ``damage_on_delivery``: damaged goods.
DAMAGE_REASON = ("damaged", "Goods damaged in transit")
DAMAGE_REMARKS = "2 cartons crushed, signed with reservation"
# Freight charges of the optional ``freight.charges`` event (X12 210 codes).
CHARGES_CURRENCY = "EUR"
BASE_FREIGHT_CODE = "400"
FUEL_SURCHARGE_CODE = "FUE"
TAIL_LIFT_CODE = "LFT"
BASE_FREIGHT_MINIMUM = 45.0
BASE_FREIGHT_PER_KG = 0.35
FUEL_SURCHARGE_RATE = 0.18
TAIL_LIFT_FEE = 35.0

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
    "returned": (
        *DEFAULT_TIMELINE[:-1],
        Step("shipment.exception", "DELIVERY_ATTEMPTED", DESTINATION),
        Step("shipment.exception", "RETURNED", ORIGIN),
    ),
    "delay": (
        *DEFAULT_TIMELINE[:ETA_STEP_COUNT],
        Step("shipment.milestone", "DELAYED", HUB),
        *DEFAULT_TIMELINE[ETA_STEP_COUNT:],
    ),
}
# A redelivery after an attempted delivery: a new delivery run, ending as the
# scenario's ``redelivery_outcome`` says.
REDELIVERY_OUTCOMES = ("delivered", "attempted", "refused")
DEFAULT_REDELIVERY_OUTCOME = "delivered"
REDELIVERY_TIMELINES = {
    "delivered": DEFAULT_TIMELINE[-3:],
    "attempted": TIMELINES["attempted"][-3:],
    "refused": TIMELINES["refused"][-3:],
}
REASONS = {
    "TENDER_DECLINED": ("NC", "No carrier capacity on the requested lane"),
    "DELAYED": ("A1", "Adverse weather conditions"),
    "REFUSED": ("RC", "Refused by consignee"),
    "DELIVERY_ATTEMPTED": ("NH", "Consignee not at home, delivery attempted"),
    "RETURNED": ("RT", "Returned to shipper after the failed delivery"),
}
# How the TMS answers a delivery appointment request (scenario option
# ``appointment_outcome``): confirm the slot, propose another one (a day
# later), or reject it. A request for the slot it proposed is confirmed.
APPOINTMENT_OUTCOMES = ("confirm", "propose", "reject")
DEFAULT_APPOINTMENT_OUTCOME = "confirm"
APPOINTMENT_CODES = {
    "confirm": "APPOINTMENT_CONFIRMED",
    "propose": "APPOINTMENT_PROPOSED",
    "reject": "APPOINTMENT_REJECTED",
}
APPOINTMENT_EVENT = "shipment.appointment"
APPOINTMENT_PROPOSAL_SHIFT = timedelta(days=1)
APPOINTMENT_REJECTION = ("NS", "No delivery slot available at the requested time")
PICKUP_DEPARTED = "PICKUP_DEPARTED"
TENDER_DECLINED = "TENDER_DECLINED"
DELIVERY_ATTEMPTED = "DELIVERY_ATTEMPTED"
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
    pickup_ratio: float | None = None
    tender: int = 1
    redeliveries: int = 0
    damage_on_delivery: bool = False
    # The slot last proposed for a delivery appointment (``{"start", "end"}``).
    proposal: dict | None = None

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

    def redeliver(self, steps, window=None):
        """Plan a new delivery run (``steps``) after an attempted delivery.

        It starts a simulated step after the attempt, or at the start of the
        new delivery ``window`` when that is later; the window replaces the
        payload's ``deliveryWindow``.
        """
        first = len(self.timeline)
        if self.charges_event and steps[-1].status_code == DELIVERED:
            steps = (*steps, CHARGES_STEP)
        self.timeline = (*self.timeline, *steps)
        self.minutes.extend(
            self.rng.randint(STEP_MINUTES_MIN, STEP_MINUTES_MAX) for _ in steps
        )
        self.redeliveries += 1
        if window:
            self.payload = {**self.payload, "deliveryWindow": dict(window)}
            start = parse_iso(window["start"])
            if start > self.step_time(first):
                self.shift += start - self.step_time(first)

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
    data = {
        "pod": {
            "signed_by": POD_SIGNER,
            "signed_at": signed_at,
            "filename": f"POD-{shipment.shipment_id}.pdf",
            "content_base64": base64.b64encode(document).decode("ascii"),
        }
    }
    if shipment.damage_on_delivery:
        data["reason_code"], data["reason"] = DAMAGE_REASON
        data["pod"]["remarks"] = DAMAGE_REMARKS
    return data


def _picked_items_data(shipment, _step, _occurred):
    """A partial pickup (scenario ``pickup_ratio``): the pieces picked up of
    each item, rounded down; without the option, no items (everything was)."""
    if shipment.pickup_ratio is None:
        return {}
    return {
        "items": [
            {
                "product_code": item["sku"],
                "quantity": math.floor(item["quantity"] * shipment.pickup_ratio),
            }
            for item in shipment.payload.get("items") or []
            if item.get("sku")
        ]
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
    PICKUP_DEPARTED: _picked_items_data,
    "IN_TRANSIT": _planned_eta_data,
    "ETA_UPDATED": _updated_eta_data,
    "DELAYED": _delayed_data,
    DELIVERED: _pod_data,
    "TENDER_DECLINED": _reason_data,
    "REFUSED": _reason_data,
    "DELIVERY_ATTEMPTED": _reason_data,
    "RETURNED": _reason_data,
    CHARGES: _charges_data,
}
