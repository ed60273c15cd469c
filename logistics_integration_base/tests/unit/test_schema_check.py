"""The compiled validity check answers exactly as the validator's `is_valid`.

Every schema the addons ship is compiled (none falls back), and for each, a
payload built to match it and a few thousand mutations of it (wrong types,
edge values of the formats and patterns, missing and extra keys) get the same
answer from the check as from `jsonschema`.
"""

import copy
import json
import random
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from logistics_integration_base.lib import errors, schema, schema_check

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = sorted(ROOT.glob("logistics_*/schemas/*.json"))
MUTATIONS = 1500
# Values that sit on the edges of the keywords the schemas use.
ODD_VALUES = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    1.5,
    0.0,
    -0.0,
    float("nan"),
    2**70,
    [],
    [1, 1],
    [True, 1],
    {},
    {"a": 1},
    "",
    " ",
    "x" * 300,
    "é" * 128,
    "\U0001f600" * 65,
    "ABC",
    "AB",
    "ab",
    "AB\n",
    "2026-12-01T10:00:00Z",
    "2026-12-01t10:00:00z",
    "2026-12-01T10:00:00Z\n",
    "2026-12-01T23:59:60Z",
    "2026-02-30T10:00:00Z",
    "2026-12-01T24:00:00Z",
    "2026-12-01T10:00:00+25:00",
    "2026-12-01T10:00:00.123456789Z",
    "2026-12-01T10:00Z",
    "٢٠٢٦-12-01T10:00:00Z",
    "2026-12-01",
    "2026-02-30",
    "2026-12-01\n",
    "20261201",
    "Europe/Brussels",
    "https://example.com/a",
    "https://example.com/\x1c",
    "SGVsbG8=",
    "a.b_c",
    "EUR",
    "BE",
    "pallet",
]


def _validator(document):
    return Draft202012Validator(
        document, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _check(document):
    return schema_check.compile_check(
        document,
        Draft202012Validator.TYPE_CHECKER,
        Draft202012Validator.FORMAT_CHECKER,
    )


def _string_for(node):
    candidates = [value for value in ODD_VALUES if isinstance(value, str)]
    if node.get("format") == "date-time":
        candidates.insert(0, "2026-12-01T10:00:00Z")
    if node.get("format") == "date":
        candidates.insert(0, "2026-12-01")
    for value in candidates:
        matches = not node.get("pattern") or re.search(node["pattern"], value)
        if matches and node.get("minLength", 0) <= len(value) <= node.get(
            "maxLength", 1e9
        ):
            return value
    return "x" * max(node.get("minLength", 1), 1)


def _sample(node):
    """A payload meant to match `node` (the mutations do the rest)."""
    if "const" in node:
        return copy.deepcopy(node["const"])
    if "enum" in node:
        return copy.deepcopy(node["enum"][0])
    options = node.get("anyOf") or node.get("oneOf")
    if options and "type" not in node:
        return _sample(options[0])
    kind = node.get("type", "object")
    if isinstance(kind, list):
        kind = next((each for each in kind if each != "null"), "null")
    if kind == "object":
        return _sample_object(node)
    if kind == "array":
        return [_sample(node.get("items", {}))] * max(node.get("minItems", 1), 1)
    return _sample_scalar(node, kind)


def _sample_object(node):
    sample = {name: _sample(sub) for name, sub in node.get("properties", {}).items()}
    for keyword in ("anyOf", "oneOf"):
        for option in node.get(keyword, [])[:1]:
            for name in option.get("required", []):
                sample.setdefault(name, "x")
    return sample


def _sample_scalar(node, kind):
    samples = {
        "number": node.get("minimum", node.get("exclusiveMinimum", 0)) + 1,
        "boolean": True,
        "null": None,
    }
    samples["integer"] = samples["number"]
    return samples[kind] if kind in samples else _string_for(node)


def _mutate(value, rnd):
    if isinstance(value, dict):
        value = dict(value)
        for name in list(value):
            roll = rnd.random()
            if roll < 0.08:
                del value[name]
            elif roll < 0.2:
                value[name] = rnd.choice(ODD_VALUES)
            elif roll < 0.6:
                value[name] = _mutate(value[name], rnd)
        if rnd.random() < 0.05:
            value[rnd.choice(["extra", "id", "lines", "data"])] = rnd.choice(ODD_VALUES)
        return value
    if isinstance(value, list):
        value = [_mutate(item, rnd) for item in value]
        if value and rnd.random() < 0.2:
            value.append(copy.deepcopy(value[0]))
        return value
    return rnd.choice(ODD_VALUES) if rnd.random() < 0.3 else value


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_schema_answers_as_the_validator(path):
    document = json.loads(path.read_text())
    check = _check(document)
    assert check is not None, "a shipped schema would lose its fast path"
    validator = _validator(document)
    seed = _sample(document)
    rnd = random.Random(path.name)
    answers = set()
    for payload in [seed] + [_mutate(seed, rnd) for _ in range(MUTATIONS)]:
        expected = validator.is_valid(payload)
        assert check(payload) is expected, json.dumps(payload, default=str)
        answers.add(expected)
    assert answers == {True, False}, "the samples must reach both answers"


KEYWORDS = {
    "type": "object",
    "required": ["kind", "lines"],
    "additionalProperties": {"type": "integer"},
    "minProperties": 2,
    "maxProperties": 4,
    "properties": {
        "kind": {"enum": ["a", 1, None]},
        "fixed": {"const": [1, {"x": True}]},
        "any": True,
        "nothing": False,
        "lines": {
            "type": "array",
            "minItems": 1,
            "maxItems": 3,
            "uniqueItems": True,
            "items": {
                "type": ["number", "string"],
                "minimum": -1,
                "maximum": 5,
                "exclusiveMaximum": 5,
                "exclusiveMinimum": -2,
                "minLength": 2,
                "maxLength": 3,
                "pattern": "^[A-Z]+$",
            },
        },
        "choice": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
        "either": {"anyOf": [{"format": "date"}, {"maxLength": 1}]},
        "both": {"allOf": [{"type": "string"}, {"minLength": 1}]},
    },
}


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "a", "lines": [1]},
        {"kind": 1, "lines": ["AB", 2.5]},
        {"kind": 1.0, "lines": [1]},
        {"kind": True, "lines": [1]},
        {"kind": None, "lines": [5]},
        {"kind": None, "lines": [-2]},
        {"kind": None, "lines": [-1.5, "ABCD"]},
        {"kind": "a", "lines": ["ab"]},
        {"kind": "a", "lines": [1, 1.0]},
        {"kind": "a", "lines": [1, True]},
        {"kind": "a", "lines": []},
        {"kind": "a", "lines": [1, 2, 3, 4]},
        {"kind": "a", "lines": [1], "fixed": [1, {"x": True}]},
        {"kind": "a", "lines": [1], "fixed": [1, {"x": 1}]},
        {"kind": "a", "lines": [1], "any": {"x": []}},
        {"kind": "a", "lines": [1], "nothing": None},
        {"kind": "a", "lines": [1], "choice": 2},
        {"kind": "a", "lines": [1], "choice": 2.5},
        {"kind": "a", "lines": [1], "either": "2026-12-01"},
        {"kind": "a", "lines": [1], "either": "2026-12-32"},
        {"kind": "a", "lines": [1], "either": "x"},
        {"kind": "a", "lines": [1], "both": ""},
        {"kind": "a", "lines": [1], "extra": 3},
        {"kind": "a", "lines": [1], "extra": 3.5},
        {"kind": "a", "lines": [1], "x": 1, "y": 2, "z": 3},
        {"kind": "a"},
        ["kind", "lines"],
        "text",
        None,
    ],
)
def test_every_compiled_keyword_answers_as_the_validator(payload):
    check = _check(KEYWORDS)
    assert check is not None
    assert check(payload) is _validator(KEYWORDS).is_valid(payload)


@pytest.mark.parametrize(
    "document",
    [
        {"$ref": "#/$defs/x", "$defs": {"x": {"type": "string"}}},
        {"type": "object", "patternProperties": {"^a": {"type": "string"}}},
        {"not": {"type": "string"}},
        {"type": "number", "multipleOf": 0.1},
        {"if": {"type": "string"}, "then": {"minLength": 1}},
        {"type": "array", "prefixItems": [{"type": "string"}], "items": False},
        {"properties": {"a": {"unevaluatedProperties": False}}},
        {"type": "thing"},
    ],
)
def test_other_keywords_are_left_to_the_validator(document):
    assert _check(document) is None


def test_formats_are_annotations_without_a_format_checker():
    document = {"type": "string", "format": "date"}
    check = schema_check.compile_check(document, Draft202012Validator.TYPE_CHECKER)
    assert check("not a date") is True
    assert _check(document)("not a date") is False


def test_registry_reports_invalid_payloads_with_the_validator(tmp_path):
    (tmp_path / "kinds.v1.json").write_text(json.dumps(KEYWORDS))
    registry = schema.SchemaRegistry(tmp_path)
    assert registry.is_valid("kinds", 1, {"kind": "a", "lines": [1]})
    assert not registry.is_valid("kinds", 1, {"kind": "b", "lines": [1]})
    with pytest.raises(errors.SchemaViolation) as info:
        registry.validate("kinds", 1, {"kind": "b", "lines": [1, 1]})
    assert info.value.details == [
        {"pointer": "/kind", "reason": "'b' is not one of ['a', 1, None]"},
        {"pointer": "/lines", "reason": "[1, 1] has non-unique elements"},
    ]


def test_registry_falls_back_to_the_validator(tmp_path):
    document = {"type": "number", "multipleOf": 0.5}
    (tmp_path / "half.v1.json").write_text(json.dumps(document))
    registry = schema.SchemaRegistry(tmp_path)
    assert registry.is_valid("half", 1, 1.5)
    assert not registry.is_valid("half", "1", 1.25)
    with pytest.raises(errors.SchemaViolation):
        registry.validate("half", 1, 1.25)
