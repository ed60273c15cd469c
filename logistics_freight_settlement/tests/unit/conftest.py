"""Shared fixtures of the freight settlement unit tests: the shipped schemas."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

ADDON = Path(__file__).resolve().parents[2]
SCHEMAS = ADDON / "schemas"


def validator(name):
    """A validator of ``schemas/<name>.json``."""
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture(scope="session")
def charge_schema():
    return validator("freight.charge.v1")


@pytest.fixture(scope="session")
def invoice_schema():
    return validator("freight.invoice.v1")


@pytest.fixture(scope="session")
def rate_card_schema():
    return validator("freight.rate_card.v1")


@pytest.fixture(scope="session")
def invoice_ref_schema():
    return validator("freight.invoice_ref.v1")


@pytest.fixture
def charges_event():
    """A freight.charges event as the TMS simulator sends it (fresh copy)."""
    return {
        "event_id": "EV-000010",
        "event_type": "freight.charges",
        "occurred_at": "2026-11-27T18:00:00Z",
        "sequence": 10,
        "aggregate": {"type": "shipment", "id": "TMS-000001"},
        "data": {
            "shipment_id": "TMS-000001",
            "external_reference": "WH/OUT/00001",
            "status_code": "CHARGES",
            "carrier": {"name": "Speedy Freight", "scac": "SPDF"},
            "currency": "EUR",
            "charges": [
                {
                    "code": "400",
                    "description": "Base freight",
                    "amount": 51.1,
                    "quantity": 1,
                    "expected_amount": 51.1,
                },
                {"code": "FUE", "description": "Fuel surcharge", "amount": 9.2},
            ],
        },
    }
