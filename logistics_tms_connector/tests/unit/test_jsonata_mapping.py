"""Tests of the JSONata mappings: compile cache, bounds, helpers, errors, and
the shipped simulator mappings against the payloads of the former templates."""

import copy
import json
from pathlib import Path

import pytest

from logistics_tms_connector.lib import jsonata_mapping as jm
from logistics_tms_connector.lib import mapping, shipped_mappings

GOLDEN = Path(__file__).resolve().parent / "golden"


# Compile and evaluate ------------------------------------------------------


def test_compiled_once_per_expression_text():
    expression = '{"ref": reference}'
    assert jm.compile_expression(expression) is jm.compile_expression(expression)
    assert jm.evaluate(expression, {"reference": "R1"}) == {"ref": "R1"}


def test_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(jm, "CACHE_SIZE", 3)
    for number in range(6):
        jm.compile_expression(f"{number} + 1")
    assert len(jm._cache) <= 3
    assert jm.evaluate("5 + 1", {}) == 6


def test_bindings_are_variables():
    assert jm.evaluate('$reason & "!"', {}, {"reason": "late"}) == "late!"


def test_undefined_gives_none_and_evaluate_list_gives_a_list():
    assert jm.evaluate("nothing.here", {"a": 1}) is None
    assert jm.evaluate_list("nothing", {}) == []
    assert jm.evaluate_list('{"a": a}', {"a": 1}) == [{"a": 1}]
    assert jm.evaluate_list('e.{"id": id}', {"e": [{"id": 1}, {"id": 2}]}) == [
        {"id": 1},
        {"id": 2},
    ]


def test_syntax_error_names_code_and_position():
    with pytest.raises(jm.MappingError) as caught:
        jm.compile_expression('{\n  "a": x,, \n}')
    err = caught.value
    assert err.code == "S0211"
    # JSONata's position: just after the offending token (the second comma).
    assert err.position == 12
    assert "line 2, column 11" in err.message
    assert jm.check('{"a": x,, }')[0]["position"] == 9
    assert jm.check('{"a": x}') == []


@pytest.mark.parametrize("expression", ["", "   ", None])
def test_empty_expression_refused(expression):
    with pytest.raises(jm.MappingError) as caught:
        jm.compile_expression(expression)
    assert caught.value.code == "empty"


def test_too_long_expression_refused(monkeypatch):
    monkeypatch.setattr(jm, "MAX_EXPRESSION_CHARS", 10)
    with pytest.raises(jm.MappingError) as caught:
        jm.compile_expression("1 + 1 + 1 + 1")
    assert caught.value.code == "too_long"


def test_evaluation_error_names_code():
    with pytest.raises(jm.MappingError) as caught:
        jm.evaluate("$notAFunction(1)", {})
    assert caught.value.code == "T1006"


def test_runaway_recursion_is_stopped():
    expression = "($f := function($n){ $n = 0 ? 0 : $f($n - 1) + 1 }; $f(100000))"
    with pytest.raises(jm.MappingError) as caught:
        jm.evaluate(expression, {}, max_depth=50)
    assert caught.value.code == "D1011"


def test_endless_loop_is_timed_out():
    with pytest.raises(jm.MappingError) as caught:
        jm.evaluate("($l := function(){ $l() }; $l())", {}, timeout_ms=100)
    assert caught.value.code == "D1012"


def test_timeout_counts_from_each_evaluation_not_from_compile():
    expression = "[1..100].($ * 2) ~> $sum()"
    jm.compile_expression(expression)
    jm.evaluate(expression, {}, timeout_ms=10_000)
    assert jm.evaluate(expression, {}, timeout_ms=50) == 10100


def test_result_size_is_bounded(monkeypatch):
    monkeypatch.setattr(jm, "MAX_RESULT_CHARS", 50)
    with pytest.raises(jm.MappingError) as caught:
        jm.evaluate("[1..100]", {})
    assert caught.value.code == "too_large"


def test_higher_order_functions_run_in_their_own_expression():
    first = "$map(items, function($i){ $i.q * 2 })"
    jm.compile_expression(first)
    jm.compile_expression("$orNull(other)")  # compiled later: the thread's last
    assert jm.evaluate(first, {"items": [{"q": 1}, {"q": 2}]}) == [2, 4]


def test_line_column():
    assert jm.line_column("ab\ncd", 0) == (1, 1)
    assert jm.line_column("ab\ncd", 4) == (2, 2)


# Helpers -------------------------------------------------------------------


def test_or_null_keeps_the_key():
    assert jm.evaluate('{"a": x, "b": $orNull(x), "c": $orNull(y)}', {"y": 0}) == {
        "b": None,
        "c": 0,
    }


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("1772353800", "2026-03-01T08:30:00Z"),
        ('"1772353800"', "2026-03-01T08:30:00Z"),
        ('1772353800123, "ms"', "2026-03-01T08:30:00.123Z"),
        ("0", "1970-01-01T00:00:00Z"),
    ],
)
def test_epoch_to_iso(arguments, expected):
    assert jm.evaluate(f"$epochToIso({arguments})", {}) == expected


@pytest.mark.parametrize("arguments", ['"soon"', "true", '1, "days"'])
def test_epoch_to_iso_refuses(arguments):
    with pytest.raises(jm.MappingError) as caught:
        jm.evaluate(f"$epochToIso({arguments})", {})
    assert caught.value.code == "helper"
    assert "$epochToIso" in caught.value.message


def test_epoch_to_iso_of_nothing_is_nothing():
    assert jm.evaluate('{"t": $epochToIso(missing)}', {}) == {}


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2026-03-01 09:30", "Europe/Paris", "2026-03-01T08:30:00Z"),
        ("2026-07-01T09:30:00", "Europe/Paris", "2026-07-01T07:30:00Z"),
        ("2026-07-01T09:30:00", "America/New_York", "2026-07-01T13:30:00Z"),
        ("2026-07-01T09:30:00+02:00", "Asia/Tokyo", "2026-07-01T07:30:00Z"),
        ("2026-07-01T09:30:00Z", None, "2026-07-01T09:30:00Z"),
    ],
)
def test_local_to_utc(text, zone, expected):
    assert jm.evaluate("$localToUtc(t, z)", {"t": text, "z": zone}) == expected


@pytest.mark.parametrize(
    ("text", "zone", "reason"),
    [
        ("2026-07-01T09:30:00", "Mars/Olympus", "unknown time zone"),
        ("2026-07-01T09:30:00", None, "has no offset"),
        ("tomorrow", "UTC", "is not a date-time"),
    ],
)
def test_local_to_utc_refuses(text, zone, reason):
    with pytest.raises(jm.MappingError) as caught:
        jm.evaluate("$localToUtc(t, z)", {"t": text, "z": zone})
    assert reason in caught.value.message


def test_map_code():
    table = '{"10": "PICKED_UP", "20": "DELIVERED"}'
    assert jm.evaluate(f"$mapCode({table}, 10)", {}) == "PICKED_UP"
    assert jm.evaluate(f'$mapCode({table}, "20")', {}) == "DELIVERED"
    assert jm.evaluate(f"$mapCode({table}, 99)", {}) == 99
    assert jm.evaluate(f'$mapCode({table}, 99, "UNKNOWN")', {}) == "UNKNOWN"
    with pytest.raises(jm.MappingError):
        jm.evaluate('$mapCode("no table", 1)', {})


# The shipped simulator mappings --------------------------------------------
# Golden payloads: what the former template language (lib/mapping.py with
# lib/templates/*_default.json) rendered for the documents below.


def _sparse(shipment):
    """A document with what the canonical shipment may lack or leave null."""
    document = copy.deepcopy(shipment)
    for key in ("delivery_instructions", "delivery_contact", "route_constraints"):
        document.pop(key)
    document["requested_pickup_window"] = None
    document["service_level"] = None
    document["customer_po"] = None
    document["consignee"] = {"name": "Only a name"}
    document["items"] = [{"product_code": "SKU-9", "quantity": 1}]
    document["packages"] = []
    return document


DOCUMENTS = {"full": lambda s: s, "sparse": _sparse}


def _golden(name):
    return json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("protocol", ["rest", "soap"])
@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_shipped_shipment_mapping_gives_the_former_payload(
    shipment, protocol, document
):
    canonical = DOCUMENTS[document](shipment)
    before = copy.deepcopy(canonical)
    expression = shipped_mappings.expression(protocol, "release")
    payload = jm.evaluate(expression, canonical)
    assert payload == _golden(f"{protocol}_{document}")
    assert canonical == before  # the document is never changed


@pytest.mark.parametrize("protocol", ["rest", "soap"])
@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_shipped_mapping_renders_what_the_former_template_renders(
    shipment, protocol, document
):
    canonical = DOCUMENTS[document](shipment)
    expected = mapping.render(mapping.default_template(protocol), canonical)
    expression = shipped_mappings.expression(protocol, "release")
    assert jm.evaluate(expression, canonical) == expected


@pytest.mark.parametrize("protocol", ["rest", "soap"])
def test_amendment_sends_the_release_payload(protocol):
    assert shipped_mappings.expression(
        protocol, "amend"
    ) == shipped_mappings.expression(protocol, "release")


@pytest.mark.parametrize("reason", ["Cancelled in Odoo", None, ""])
def test_shipped_cancel_body(reason):
    body = jm.evaluate(
        shipped_mappings.expression("rest", "cancel"), {"reason": reason}
    )
    assert body == {"reason": reason}  # what the REST client always sent


@pytest.mark.parametrize(
    ("window", "reason"),
    [
        ({"start": "2026-03-04T08:00:00Z", "end": "2026-03-04T12:00:00Z"}, "away"),
        (None, "away"),
        ({"start": "2026-03-04T08:00:00Z", "end": "2026-03-04T12:00:00Z"}, None),
        (None, None),
        ({}, ""),
    ],
)
def test_shipped_redeliver_body(window, reason):
    # The former REST client's body: deliveryWindow and reason, when given.
    former = {"deliveryWindow": window or None, "reason": reason or None}
    former = {key: value for key, value in former.items() if value}
    body = jm.evaluate(
        shipped_mappings.expression("rest", "redeliver"),
        {"reference": "TMS-1", "window": window, "reason": reason},
    )
    assert body == former


def test_every_shipped_mapping_compiles():
    for (protocol, operation), _name in shipped_mappings.FILES.items():
        assert jm.check(shipped_mappings.expression(protocol, operation)) == []
