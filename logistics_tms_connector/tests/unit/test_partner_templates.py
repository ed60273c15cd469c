"""Tests of the shipped partner templates: each loads, its expressions
compile, and the generic JSON TMS's mappings turn its dialect into canonical
documents the schemas accept."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from logistics_tms_connector.lib import jsonata_mapping, partner_templates

ADDON = Path(__file__).resolve().parents[2]
EVENT_SCHEMA = json.loads((ADDON / "schemas" / "tms.event.v1.json").read_text())
GENERIC = "generic_json_tms"


def _mapping(template, operation):
    return next(m for m in template["mappings"] if m["operation"] == operation)


def test_every_shipped_template_loads():
    shipped = partner_templates.available()
    assert (GENERIC, "Generic JSON TMS (example)") in shipped
    for key, _name in shipped:
        template = partner_templates.load(key)
        assert template["mappings"]
        assert all(m["expression"] for m in template["mappings"])


def test_tracking_page_becomes_schema_valid_canonical_events():
    template = partner_templates.load(GENERIC)
    page = {
        "items": [
            {
                "load": {"id": "LD-00001", "customerRef": "SHP-2026-00001"},
                "update": {
                    "seq": 7,
                    "statusCode": 1000,
                    "epoch": 1772353800,
                    "tz": "Europe/Brussels",
                },
            },
            {
                "load": {"id": "LD-00001", "customerRef": "SHP-2026-00001"},
                "update": {
                    "seq": 8,
                    "statusCode": 2000,
                    "epoch": 1772357400,
                    "tz": "Europe/Brussels",
                },
            },
        ],
        "nextPageToken": None,
    }
    events = jsonata_mapping.evaluate_list(
        _mapping(template, "events")["expression"], page
    )
    validator = Draft202012Validator(
        EVENT_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    for event in events:
        assert list(validator.iter_errors(event)) == []
    first, last = events
    assert first["event_id"] == "load-update-7"
    assert first["event_type"] == "tender.accepted"
    assert first["occurred_at"] == "2026-03-01T08:30:00Z"
    assert first["data"]["status_code"] == "1000"
    assert last["event_type"] == "shipment.delivered"
    assert set(template["status_codes"]) >= {"1000", "2000", "9000"}


def test_an_empty_page_gives_no_event():
    template = partner_templates.load(GENERIC)
    expression = _mapping(template, "events")["expression"]
    assert jsonata_mapping.evaluate_list(expression, {"items": []}) == []


def test_load_tender_in_the_dialect():
    template = partner_templates.load(GENERIC)
    shipment = {
        "reference": "SHP-2026-00001",
        "service_level": "express",
        "shipper": {"name": "WH", "city": "Leuze", "country_code": "BE"},
        "consignee": {"name": "Dupont", "zip": "7904", "country_code": "BE"},
        "requested_delivery_window": {"start": "2026-03-02T08:00:00Z"},
        "items": [
            {"product_code": "KEG30", "quantity": 4, "weight_kg": 146},
            {"product_code": "CASE", "quantity": 1, "weight_kg": 4},
        ],
    }
    body = jsonata_mapping.evaluate(
        _mapping(template, "release")["expression"], shipment
    )
    load = body["load"]
    assert load["customerRef"] == "SHP-2026-00001"
    assert load["service"] == "EXPRESS"
    assert load["weightKg"] == 150
    assert load["delivery"]["address"]["countryIso"] == "BE"
    assert load["delivery"]["from"] == "2026-03-02T08:00:00Z"
    assert load["lines"][0] == {"sku": "KEG30", "qty": 4, "kg": 146}


def test_unknown_template_is_refused():
    with pytest.raises(partner_templates.TemplateError):
        partner_templates.load("../logistics_tms_connector")
    with pytest.raises(partner_templates.TemplateError):
        partner_templates.load("no_such_partner")


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ({"endpoint": {"base_url": "x"}}, "unknown endpoint key 'base_url'"),
        ({"secrets": ["token"]}, "unknown secret kind 'token'"),
        ({"mappings": [{"path_template": "//evil/x"}]}, "no host"),
        ({"mappings": [{"http_method": "TRACE"}]}, "unknown HTTP method"),
        ({"mappings": [{"answer_id_path": "data.["}]}, "mappings[0]"),
        ({"mappings": [{"feed_path": "feed", "feed_pagination": "x"}]}, "pagination"),
        ({"mappings": [{"sql": "drop"}]}, "unknown key 'sql'"),
        ({"status_codes": {"1": "ZZ"}}, "unknown canonical code 'ZZ'"),
    ],
)
def test_invalid_template_settings_are_described(template, problem):
    problems = partner_templates.template_problems(dict({"name": "T"}, **template))
    assert any(problem in text for text in problems), problems


def test_template_without_name_is_invalid():
    assert "it has no name" in partner_templates.template_problems({})
