"""Tests of the addon's JSON Schemas: the canonical shipment and the TMS event."""

import copy
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

ADDON = Path(__file__).resolve().parents[2]
SCHEMA_FOLDER = ADDON / "schemas"
ENVELOPE = ADDON.parent / "logistics_integration_base" / "schemas"
# The base addon's SchemaRegistry only loads files named like this.
SCHEMA_FILE_RE = re.compile(r"[A-Za-z0-9_.-]+\.v[1-9]\d*\.json")
EVENT_TYPES = [
    "tender.accepted",
    "tender.declined",
    "carrier.assigned",
    "shipment.milestone",
    "shipment.eta_changed",
    "shipment.delivered",
    "shipment.exception",
    "shipment.cancelled",
    "shipment.appointment",
]


def errors_of(schema, document):
    """Sorted ``(pointer, message)`` of every violation (formats checked too)."""
    validator = Draft202012Validator(
        schema, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return sorted(
        ("/" + "/".join(map(str, error.absolute_path)), error.message)
        for error in validator.iter_errors(document)
    )


def changed(document, pointer, value=None, *, delete=False):
    """A copy of ``document`` with the value at ``pointer`` replaced or deleted."""
    document = copy.deepcopy(document)
    *parents, last = [
        int(part) if part.isdigit() else part for part in pointer.strip("/").split("/")
    ]
    target = document
    for part in parents:
        target = target[part]
    if delete:
        del target[last]
    else:
        target[last] = value
    return document


@pytest.fixture
def event():
    return {
        "event_id": "evt-0001",
        "event_type": "shipment.delivered",
        "occurred_at": "2026-03-03T15:42:10Z",
        "sequence": 7,
        "aggregate": {"type": "shipment", "id": "TMS-123"},
        "correlation_id": "corr-1",
        "data": {
            "shipment_id": "TMS-123",
            "external_reference": "SHP/2026/00001",
            "status_code": "DELIVERED",
            "timezone": "Europe/Paris",
            "location": {"name": "Globex DC", "city": "Lyon", "country": "FR"},
            "reason_code": None,
            "reason": None,
            "eta": "2026-03-03T15:40:00+01:00",
            "carrier": {"name": "Fast Freight", "scac": "FFRT"},
            "tracking_number": "1Z999",
            "tracking_url": "https://tms.example/track/1Z999",
            "pod": {
                "signed_by": "J. Doe",
                "signed_at": "2026-03-03T15:41:00.123+01:00",
                "filename": "pod.pdf",
                "content_base64": "JVBERi0xLjQK",
            },
        },
    }


@pytest.mark.parametrize("name", ["shipment.v1", "tms.event.v1"])
def test_schema_files_are_valid_draft_2020_12_and_registry_named(name):
    path = SCHEMA_FOLDER / f"{name}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == path.name
    assert SCHEMA_FILE_RE.fullmatch(path.name)


def keys_of(value):
    """Every object key found anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value).union(*(keys_of(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_of(item) for item in value))
    return set()


def test_shipment_schema_has_no_ref(shipment_schema):
    # Mapping templates are checked by walking the schema, which ignores $ref.
    assert "$ref" not in keys_of(shipment_schema)
    assert "$defs" not in keys_of(shipment_schema)


def test_complete_shipment_is_valid(shipment_schema, shipment):
    assert errors_of(shipment_schema, shipment) == []


def test_minimal_shipment_is_valid(shipment_schema):
    minimal = {
        "reference": "SHP/2026/00002",
        "order_reference": "S00043",
        "shipper": {"name": "Acme"},
        "consignee": {"name": "Globex"},
        "items": [
            {
                "line_id": 1,
                "product_code": "SKU-1",
                "description": "",
                "quantity": 1,
                "uom": "Units",
            }
        ],
        "requested_delivery_window": {
            "start": "2026-03-03T09:00:00Z",
            "end": "2026-03-03T17:00:00Z",
        },
    }
    assert errors_of(shipment_schema, minimal) == []


@pytest.mark.parametrize("pointer", ["/customer_po", "/consignee/street"])
def test_shipment_optional_text_may_be_null(shipment_schema, shipment, pointer):
    assert errors_of(shipment_schema, changed(shipment, pointer, None)) == []


@pytest.mark.parametrize(
    "required",
    [
        "reference",
        "order_reference",
        "shipper",
        "consignee",
        "items",
        "requested_delivery_window",
    ],
)
def test_shipment_required_keys(shipment_schema, shipment, required):
    problems = errors_of(shipment_schema, changed(shipment, required, delete=True))
    assert problems == [("/", f"'{required}' is a required property")]


@pytest.mark.parametrize(
    ("pointer", "value"),
    [
        ("/carrier", "FAST"),  # unknown top-level key
        ("/reference", ""),
        ("/service_level", "overnight"),
        ("/consignee/name", None),
        ("/consignee/country_code", "fr"),
        ("/consignee/country_code", "FRA"),
        ("/shipper/fax", "123"),
        ("/items", []),
        ("/items/0/quantity", 0),
        ("/items/0/quantity", "10"),
        ("/items/0/line_id", 1.5),
        ("/items/0/weight_kg", -1),
        ("/items/1/hazardous", "yes"),
        ("/packages/0/height_cm", -0.1),
        ("/requested_delivery_window/end", "2026-03-03T17:00:00"),  # no offset
        ("/requested_delivery_window/start", "2026-03-03 09:00:00+01:00"),
        ("/requested_pickup_window/timezone", "Europe Brussels"),
        ("/route_constraints/tail_lift", None),
        ("/route_constraints/temperature_min_c", "2"),
        ("/totals/package_count", 1.5),
        ("/billing/bill_to", 7),
    ],
)
def test_invalid_shipments(shipment_schema, shipment, pointer, value):
    problems = errors_of(shipment_schema, changed(shipment, pointer, value))
    assert problems
    parent = pointer.rsplit("/", 1)[0] or "/"
    assert {found for found, _message in problems} <= {pointer, parent}


def test_shipment_item_requires_product_code(shipment_schema, shipment):
    document = changed(shipment, "/items/1/product_code", delete=True)
    assert errors_of(shipment_schema, document) == [
        ("/items/1", "'product_code' is a required property")
    ]


def test_event_schema_keeps_the_canonical_envelope(event_schema):
    envelope = json.loads((ENVELOPE / "event.envelope.v1.json").read_text())
    assert event_schema["required"] == envelope["required"]
    assert event_schema["additionalProperties"] is False
    assert set(event_schema["properties"]) == set(envelope["properties"])
    for name in ("event_id", "occurred_at", "sequence", "aggregate", "correlation_id"):
        described = {**event_schema["properties"][name], "description": None}
        expected = {**envelope["properties"][name], "description": None}
        assert described == expected, name
    assert event_schema["properties"]["event_type"]["enum"] == EVENT_TYPES


def test_complete_event_is_valid_and_fits_the_envelope(event_schema, event):
    envelope = json.loads((ENVELOPE / "event.envelope.v1.json").read_text())
    assert errors_of(event_schema, event) == []
    assert errors_of(envelope, event) == []


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_event_type_is_accepted(event_schema, event, event_type):
    assert errors_of(event_schema, {**event, "event_type": event_type}) == []


def test_minimal_event_data_and_extra_data_keys_are_valid(event_schema, event):
    event["data"] = {
        "shipment_id": "TMS-1",
        "status_code": "IN_TRANSIT",
        "vendor_field": 1,
    }
    assert errors_of(event_schema, event) == []


@pytest.mark.parametrize(
    ("pointer", "value"),
    [
        ("/event_type", "shipment.teleported"),
        ("/event_id", ""),
        ("/occurred_at", "2026-03-03T15:42:10"),
        ("/sequence", -1),
        ("/extra", True),
        ("/aggregate/kind", "shipment"),
        ("/data", "delivered"),
        ("/data/shipment_id", 123),
        ("/data/status_code", ""),
        ("/data/eta", "tomorrow"),
        ("/data/carrier/scac", "ffrt"),
        ("/data/carrier/scac", "TOOLONG"),
        ("/data/pod/signed_at", "2026-03-03"),
        ("/data/pod/content_base64", "not base64!"),
        ("/data/timezone", "Paris time"),
        ("/data/location", "Lyon"),
    ],
)
def test_invalid_events(event_schema, event, pointer, value):
    problems = errors_of(event_schema, changed(event, pointer, value))
    assert problems
    parent = pointer.rsplit("/", 1)[0] or "/"
    assert {found for found, _message in problems} <= {pointer, parent}


@pytest.mark.parametrize(
    "pointer",
    [
        "/event_id",
        "/occurred_at",
        "/aggregate/id",
        "/data/shipment_id",
        "/data/status_code",
    ],
)
def test_event_required_keys(event_schema, event, pointer):
    problems = errors_of(event_schema, changed(event, pointer, delete=True))
    name = pointer.rsplit("/", 1)[1]
    parent = pointer.rsplit("/", 1)[0] or "/"
    assert problems == [(parent, f"'{name}' is a required property")]
