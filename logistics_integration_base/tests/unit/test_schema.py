"""Tests of the versioned JSON Schema registry."""

import json
from collections import deque

import pytest

from logistics_integration_base.lib import errors, schema

EVENT_V1 = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["event", "lines"],
    "additionalProperties": False,
    "properties": {
        "event": {"type": "string", "enum": ["dispatched", "delivered"]},
        "date": {"type": "string", "format": "date"},
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["sku", "quantity"],
                "properties": {
                    "sku": {"type": "string", "minLength": 1},
                    "quantity": {"type": "number", "exclusiveMinimum": 0},
                },
            },
        },
    },
}
EVENT_V2 = {"type": "object", "required": ["event", "version"]}


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "tms.event.v1.json").write_text(json.dumps(EVENT_V1))
    (tmp_path / "tms.event.v2.json").write_text(json.dumps(EVENT_V2))
    (tmp_path / "portal.order.v1.json").write_text(json.dumps({"type": "object"}))
    (tmp_path / "README.md").write_text("not a schema")
    (tmp_path / "tms.event.json").write_text("{}")  # no version: ignored
    (tmp_path / "tms.event.v0.json").write_text("{}")  # versions start at 1
    return tmp_path


@pytest.fixture
def registry(folder):
    return schema.SchemaRegistry(folder)


def _violation(registry, payload, name="tms.event", version=1):
    with pytest.raises(errors.SchemaViolation) as info:
        registry.validate(name, version, payload)
    return info.value


def test_available(registry):
    assert registry.available() == [
        ("portal.order", 1),
        ("tms.event", 1),
        ("tms.event", 2),
    ]


def test_available_missing_folder(tmp_path):
    assert schema.SchemaRegistry(tmp_path / "nope").available() == []


def test_valid_payload_passes(registry):
    payload = {"event": "delivered", "lines": [{"sku": "A", "quantity": 2}]}
    assert registry.validate("tms.event", 1, payload) is None


def test_versions_are_distinct(registry):
    registry.validate("tms.event", 2, {"event": "x", "version": 2})
    violation = _violation(registry, {"event": "x", "version": 2})
    assert "v1" in str(violation)


def test_validator_is_cached(registry):
    validator = registry.validator("tms.event", 1)
    assert registry.validator("tms.event", 1) is validator
    assert registry.validator("tms.event", "1") is validator
    assert validator.schema == EVENT_V1


def test_every_error_is_listed_sorted_by_pointer(registry):
    payload = {
        "event": "lost",
        "lines": [{"sku": "", "quantity": 0}, {"quantity": "two"}],
        "extra": True,
    }
    violation = _violation(registry, payload)
    assert violation.details == [
        {
            "pointer": "",
            "reason": "Additional properties are not allowed ('extra' was unexpected)",
        },
        {
            "pointer": "/event",
            "reason": "'lost' is not one of ['dispatched', 'delivered']",
        },
        {
            "pointer": "/lines/0/quantity",
            "reason": "0 is less than or equal to the minimum of 0",
        },
        {"pointer": "/lines/0/sku", "reason": "'' should be non-empty"},
        {"pointer": "/lines/1", "reason": "'sku' is a required property"},
        {"pointer": "/lines/1/quantity", "reason": "'two' is not of type 'number'"},
    ]
    assert str(violation) == (
        "Payload does not match schema tms.event v1: (root): Additional properties "
        "are not allowed ('extra' was unexpected) (and 5 more)"
    )


def test_single_error_message_has_no_count(registry):
    violation = _violation(
        registry, {"event": "delivered", "lines": [{"sku": "A", "quantity": -1}]}
    )
    assert str(violation) == (
        "Payload does not match schema tms.event v1: /lines/0/quantity: "
        "-1 is less than or equal to the minimum of 0"
    )
    assert len(violation.details) == 1


def test_format_is_checked(registry):
    payload = {"event": "delivered", "lines": [], "date": "2025-02-30"}
    violation = _violation(registry, payload)
    assert violation.details == [
        {"pointer": "/date", "reason": "'2025-02-30' is not a 'date'"}
    ]


def test_non_object_payload(registry):
    violation = _violation(registry, ["not", "an", "object"])
    assert violation.details == [
        {"pointer": "", "reason": "['not', 'an', 'object'] is not of type 'object'"}
    ]


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("tms.event", 3),
        ("tms.event", 0),
        ("unknown", 1),
        ("../tms.event", 1),
        ("tms/event", 1),
        ("tms.event", "one"),
        ("tms.event", True),
    ],
)
def test_unknown_schema(registry, name, version):
    with pytest.raises(errors.PermanentError) as info:
        registry.validate(name, version, {})
    assert str(info.value) == f"Unknown schema {name} v{version}"
    assert not isinstance(info.value, errors.SchemaViolation)


def test_invalid_json_file(tmp_path):
    (tmp_path / "broken.v1.json").write_text("{not json")
    registry = schema.SchemaRegistry(tmp_path)
    with pytest.raises(
        errors.PermanentError, match=r"broken\.v1\.json is not valid JSON"
    ):
        registry.validator("broken", 1)


def test_invalid_schema_file(tmp_path):
    (tmp_path / "bad.v1.json").write_text(json.dumps({"type": "thing"}))
    registry = schema.SchemaRegistry(tmp_path)
    with pytest.raises(errors.PermanentError) as info:
        registry.validator("bad", 1)
    assert str(info.value).startswith(
        "Schema file bad.v1.json is not a valid JSON Schema: "
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ([], ""),
        (deque(["lines", 0, "quantity"]), "/lines/0/quantity"),
        (["a/b", "m~n"], "/a~1b/m~0n"),
        (["~1"], "/~01"),
        ([""], "/"),
    ],
)
def test_json_pointer(path, expected):
    assert schema.json_pointer(path) == expected
