"""Shared fixtures of the TMS connector's unit tests: the shipped schemas and a
canonical shipment document."""

import json
from pathlib import Path

import pytest

ADDON = Path(__file__).resolve().parents[2]
SCHEMAS = ADDON / "schemas"


def load_schema(name):
    """The parsed JSON Schema ``schemas/<name>.json`` of the addon."""
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def shipment_schema():
    return load_schema("shipment.v1")


@pytest.fixture(scope="session")
def event_schema():
    return load_schema("tms.event.v1")


@pytest.fixture
def shipment():
    """A complete canonical shipment (a fresh copy per test)."""
    return {
        "reference": "SHP/2026/00001",
        "order_reference": "S00042",
        "customer_po": "PO-7781",
        "service_level": "express",
        "shipper": {
            "name": "Acme Warehouse",
            "street": "1 Dock Road",
            "street2": None,
            "city": "Antwerp",
            "zip": "2000",
            "state": None,
            "country_code": "BE",
            "phone": "+32 3 000 00 00",
            "email": "dock@acme.example",
            "contact_name": "Dock Office",
        },
        "consignee": {
            "name": "Globex Retail",
            "street": "12 Market Street",
            "street2": "Unit 4",
            "city": "Lyon",
            "zip": "69001",
            "country_code": "FR",
            "contact_name": "Receiving",
        },
        "items": [
            {
                "line_id": 11,
                "product_code": "SKU-1",
                "description": "Steel bracket",
                "quantity": 10,
                "uom": "Units",
                "weight_kg": 12.5,
                "volume_m3": 0.2,
                "hazardous": False,
            },
            {
                "line_id": 12,
                "product_code": "SKU-2",
                "description": "Solvent",
                "quantity": 2.5,
                "uom": "L",
                "weight_kg": 3,
                "volume_m3": 0.01,
                "hazardous": True,
                "un_number": "1993",
            },
        ],
        "packages": [
            {
                "package_ref": "PACK0001",
                "weight_kg": 16,
                "length_cm": 120,
                "width_cm": 80,
                "height_cm": 100,
                "package_type": "Euro pallet",
                "hazardous": True,
                "un_numbers": ["1993"],
            }
        ],
        "requested_pickup_window": {
            "start": "2026-03-02T08:00:00+01:00",
            "end": "2026-03-02T12:00:00+01:00",
            "timezone": "Europe/Brussels",
        },
        "requested_delivery_window": {
            "start": "2026-03-03T09:00:00+01:00",
            "end": "2026-03-03T17:00:00+01:00",
            "timezone": "Europe/Paris",
        },
        "delivery_instructions": "Ring twice; goods entrance on the left.",
        "delivery_contact": {
            "name": "Marie Curie",
            "phone": "+33 4 00 00 00 00",
            "email": None,
        },
        "route_constraints": {
            "vehicle_type": "reefer",
            "temperature_min_c": 2,
            "temperature_max_c": 8,
            "hazardous_goods": True,
            "tail_lift": False,
        },
        "billing": {
            "customer_po": "PO-7781",
            "order_reference": "S00042",
            "bill_to": "Globex Retail",
        },
        "totals": {"weight_kg": 15.5, "volume_m3": 0.21, "package_count": 1},
    }
