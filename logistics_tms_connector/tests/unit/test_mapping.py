"""Tests of the mapping template language: rendering, validation, defaults."""

import copy

import pytest

from logistics_tms_connector.lib import mapping

SMALL_SCHEMA = {
    "type": "object",
    "properties": {
        "reference": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "sku": {"type": "string"},
                    "tags": {"type": ["array", "null"], "items": {"type": "string"}},
                },
            },
        },
        "attributes": {"type": "object", "additionalProperties": {"type": "string"}},
        "linked": {"$ref": "#/$defs/party"},
    },
}


def pointers(problems):
    return [problem["pointer"] for problem in problems]


# Paths ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$", ("context", [])),
        ("$$", ("root", [])),
        ("$.reference", ("context", ["reference"])),
        ("$$.reference", ("root", ["reference"])),
        ("$.consignee.name", ("context", ["consignee", "name"])),
        ("$.items[0].quantity", ("context", ["items", 0, "quantity"])),
        ("$.matrix[1][12]", ("context", ["matrix", 1, 12])),
        ("$.weird-key_2", ("context", ["weird-key_2"])),
    ],
)
def test_parse_path(text, expected):
    assert mapping.parse_path(text) == expected
    assert mapping.format_path(*expected) == text


@pytest.mark.parametrize(
    "text",
    [
        "$.",
        "$..name",
        "$.items[]",
        "$.items[-1]",
        "$.items[a]",
        "$.a b",
        "$.[0]",
        "$.a.",
    ],
)
def test_parse_path_rejects_bad_syntax(text):
    with pytest.raises(ValueError, match="Invalid path"):
        mapping.parse_path(text)


@pytest.mark.parametrize("text", ["$", "$.a", "$$", "$$.a"])
def test_is_path(text):
    assert mapping.is_path(text)


@pytest.mark.parametrize(
    "value", ["$5", "USD$", "$a", "", "reference", 5, None, ["$.a"]]
)
def test_is_not_path(value):
    assert not mapping.is_path(value)


# Rendering -----------------------------------------------------------------


def test_plain_values_are_copied():
    template = {"a": 1, "b": [True, None, 2.5, "text"], "c": {"d": "$5"}}
    rendered = mapping.render(template, {})
    assert rendered == template
    assert rendered is not template
    assert rendered["b"] is not template["b"]


def test_paths_render_values_and_missing_paths_render_null(shipment):
    template = {
        "ref": "$.reference",
        "name": "$.consignee.name",
        "qty": "$.items[1].quantity",
        "hazardous": "$.items[1].hazardous",
        "missing": "$.consignee.fax",
        "beyond": "$.items[5].quantity",
        "index_on_object": "$.consignee[0]",
        "key_on_list": "$.items.quantity",
        "key_on_text": "$.reference.value",
        "through_null": "$.consignee.street2.value",
    }
    assert mapping.render(template, shipment) == {
        "ref": "SHP/2026/00001",
        "name": "Globex Retail",
        "qty": 2.5,
        "hazardous": True,
        "missing": None,
        "beyond": None,
        "index_on_object": None,
        "key_on_list": None,
        "key_on_text": None,
        "through_null": None,
    }


def test_whole_context_and_objects_are_copies(shipment):
    original = copy.deepcopy(shipment)
    rendered = mapping.render({"all": "$", "party": "$.consignee"}, shipment)
    assert rendered == {"all": original, "party": original["consignee"]}
    rendered["party"]["name"] = "changed"
    rendered["all"]["items"].clear()
    assert shipment == original


def test_each_renders_map_per_element_with_root_access(shipment):
    template = {
        "$each": "$.items",
        "$map": {"sku": "$.product_code", "ref": "$$.reference", "whole": "$.uom"},
    }
    assert mapping.render(template, shipment) == [
        {"sku": "SKU-1", "ref": "SHP/2026/00001", "whole": "Units"},
        {"sku": "SKU-2", "ref": "SHP/2026/00001", "whole": "L"},
    ]


def test_each_element_is_the_context_dollar():
    document = {"tags": ["a", "b"]}
    template = {"$each": "$.tags", "$map": {"$format": "upper", "$value": "$"}}
    assert mapping.render(template, document) == ["A", "B"]


def test_nested_each_keeps_the_root():
    document = {
        "ref": "R1",
        "orders": [{"no": 1, "lines": [{"sku": "A"}, {"sku": "B"}]}, {"no": 2}],
    }
    template = {
        "$each": "$.orders",
        "$map": {
            "no": "$.no",
            "lines": {"$each": "$.lines", "$map": ["$$.ref", "$.sku"]},
        },
    }
    assert mapping.render(template, document) == [
        {"no": 1, "lines": [["R1", "A"], ["R1", "B"]]},
        {"no": 2, "lines": []},
    ]


def test_each_on_missing_or_null_list_renders_empty_list(shipment):
    del shipment["packages"]
    template = {"p": {"$each": "$.packages", "$map": "$.package_ref"}}
    assert mapping.render(template, shipment) == {"p": []}


def test_each_on_a_non_list_is_a_mapping_error(shipment):
    template = {"lines": {"$each": "$.consignee", "$map": "$.name"}}
    with pytest.raises(mapping.MappingError) as caught:
        mapping.render(template, shipment)
    assert isinstance(caught.value, ValueError)
    assert caught.value.details == [
        {
            "pointer": "/lines/$each",
            "reason": "$each needs a list, '$.consignee' is an object",
        }
    ]
    assert "/lines/$each" in str(caught.value)


def test_map_errors_point_inside_map():
    document = {"items": [{"qty": "many"}]}
    template = {
        "$each": "$.items",
        "$map": {"q": {"$format": "number", "$value": "$.qty"}},
    }
    with pytest.raises(mapping.MappingError) as caught:
        mapping.render(template, document)
    assert mapping.json_pointer(["$map", "q", "$value"]) == "/$map/q/$value"
    assert caught.value.details[0]["pointer"] == "/$map/q/$value"


def test_path_with_default(shipment):
    shipment["consignee"]["street2"] = None
    template = {
        "present": {"$path": "$.service_level", "$default": "standard"},
        "null": {"$path": "$.consignee.street2", "$default": "-"},
        "missing": {"$path": "$.consignee.state", "$default": "$.shipper.city"},
        "no_default": {"$path": "$.consignee.state"},
        "false_kept": {"$path": "$.items[0].hazardous", "$default": True},
    }
    assert mapping.render(template, shipment) == {
        "present": "express",
        "null": "-",
        "missing": "Antwerp",
        "no_default": None,
        "false_kept": False,
    }


def test_concat_joins_non_empty_parts(shipment):
    shipment["shipper"]["street2"] = ""
    template = {
        "address": {
            "$concat": ["$.consignee.street", "$.consignee.street2", "$.consignee.zip"],
            "$sep": ", ",
        },
        "skips": {"$concat": ["$.shipper.street", "$.shipper.street2", "$.nothing"]},
        "scalars": {
            "$concat": ["Qty", "$.items[1].quantity", 3.0, True, 7],
            "$sep": "|",
        },
        "empty": {"$concat": ["$.nothing", ""]},
        "nested": {
            "$concat": [{"$format": "upper", "$value": "$.consignee.city"}, "FR"]
        },
    }
    assert mapping.render(template, shipment) == {
        "address": "12 Market Street, Unit 4, 69001",
        "skips": "1 Dock Road",
        "scalars": "Qty|2.5|3|true|7",
        "empty": None,
        "nested": "LYON FR",
    }


def test_concat_of_an_object_is_a_mapping_error(shipment):
    with pytest.raises(mapping.MappingError) as caught:
        mapping.render({"$concat": ["a", "$.consignee"]}, shipment)
    assert caught.value.details == [
        {"pointer": "/$concat/1", "reason": "cannot turn an object into text"}
    ]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("upper", "Lyon", "LYON"),
        ("upper", 12, "12"),
        ("lower", "SKU-A", "sku-a"),
        ("string", 12.5, "12.5"),
        ("string", 4.0, "4"),
        ("string", False, "false"),
        ("string", "text", "text"),
        ("number", "12", 12),
        ("number", " -3 ", -3),
        ("number", "12.50", 12.5),
        ("number", "1e3", 1000.0),
        ("number", 7, 7),
        ("number", 2.5, 2.5),
        ("iso_date", "2026-03-03T17:00:00+01:00", "2026-03-03"),
        ("iso_date", "2026-03-03T23:30:00-05:00", "2026-03-03"),
        ("iso_date", "2026-03-03T01:00:00Z", "2026-03-03"),
        ("iso_date", "2026-03-03", "2026-03-03"),
        ("upper", None, None),
        ("number", None, None),
    ],
)
def test_format(name, value, expected):
    document = {"value": value}
    template = {"$format": name, "$value": "$.value"}
    assert mapping.render(template, document) == expected


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("number", "twelve", "'twelve' is not a number"),
        ("number", "nan", "'nan' is not a number"),
        ("number", "inf", "'inf' is not a number"),
        ("number", True, "cannot turn a boolean into a number"),
        ("number", [1], "cannot turn an array into a number"),
        ("iso_date", "03/03/2026", "'03/03/2026' is not an ISO 8601 date or date-time"),
        ("iso_date", 20260303, "iso_date needs an ISO 8601 text, not a number"),
        ("upper", {"a": 1}, "cannot turn an object into text"),
    ],
)
def test_format_errors(name, value, reason):
    with pytest.raises(mapping.MappingError) as caught:
        mapping.render({"x": {"$format": name, "$value": {"$literal": value}}}, {})
    assert caught.value.details == [{"pointer": "/x/$value", "reason": reason}]


def test_literal_is_not_interpreted():
    template = {"$literal": {"path": "$.reference", "op": {"$each": 1}}}
    assert mapping.render(template, {"reference": "R"}) == {
        "path": "$.reference",
        "op": {"$each": 1},
    }


@pytest.mark.parametrize(
    ("template", "pointer", "reason"),
    [
        ({"a": {"$unknown": 1}}, "/a/$unknown", "unknown operator '$unknown'"),
        ({"$map": "$.a"}, "/$map", "'$map' is only allowed with '$each'"),
        ({"$each": "$.a"}, "", "$each needs a '$map' key"),
        ({"$path": "$.a", "x": 1}, "/x", "unexpected key 'x' in a $path operator"),
        ({"$path": "reference"}, "/$path", "$path must be a path"),
        ({"$path": "$..a"}, "/$path", "Invalid path '$..a'"),
        ({"a": ["$.b[x]"]}, "/a/0", "Invalid path '$.b[x]'"),
        ({"$concat": "$.a"}, "/$concat", "$concat must be a list"),
        ({"$concat": [], "$sep": 1}, "/$sep", "$sep must be a string"),
        ({"$format": "title", "$value": "x"}, "/$format", "unknown format 'title'"),
        ({"$each": "$.a", "$map": 1, "$path": "$.a"}, "", "one operator only"),
    ],
)
def test_malformed_templates_fail_to_render(template, pointer, reason):
    with pytest.raises(mapping.MappingError) as caught:
        mapping.render(template, {"a": [1]})
    assert caught.value.details[0]["pointer"] == pointer
    assert reason in caught.value.details[0]["reason"]


def test_render_does_not_change_its_inputs(shipment):
    template = mapping.default_template("rest")
    template_before = copy.deepcopy(template)
    document_before = copy.deepcopy(shipment)
    mapping.render(template, shipment)
    assert template == template_before
    assert shipment == document_before


# Validation ----------------------------------------------------------------


@pytest.mark.parametrize("protocol", mapping.PROTOCOLS)
def test_default_templates_validate_against_the_canonical_schema(
    shipment_schema, protocol
):
    assert mapping.validate(mapping.default_template(protocol), shipment_schema) == []


def test_valid_template_using_every_operator(shipment_schema):
    template = {
        "ref": {"$format": "upper", "$value": "$$.reference"},
        "lines": {
            "$each": "$.items",
            "$map": {
                "sku": "$.product_code",
                "order": "$$.order_reference",
                "qty": {"$path": "$.quantity", "$default": 0},
            },
        },
        "parcels": {"$each": "$.packages", "$map": "$"},
        "first": "$.items[0].product_code",
        "label": {"$concat": ["$.consignee.name", "$.consignee.city"], "$sep": " - "},
        "raw": {"$literal": "$.does.not.exist"},
        "copies": ["$", "$$", 5, None, "text"],
    }
    assert mapping.validate(template, shipment_schema) == []


def test_validate_reports_unknown_properties_with_template_pointers(shipment_schema):
    template = {
        "consignee": {"name": "$.consignee.fullname", "zip": "$.consignee.zip"},
        "lines": {"$each": "$.items", "$map": {"sku": "$.sku", "ref": "$.reference"}},
        "fallback": {"$path": "$.service", "$default": "$.nope"},
    }
    assert mapping.validate(template, shipment_schema) == [
        {
            "pointer": "/consignee/name",
            "reason": "'$.consignee' has no property 'fullname' in the schema",
        },
        {
            "pointer": "/lines/$map/sku",
            "reason": "'$' has no property 'sku' in the schema",
        },
        {
            "pointer": "/lines/$map/ref",
            "reason": "'$' has no property 'reference' in the schema",
        },
        {
            "pointer": "/fallback/$path",
            "reason": "'$' has no property 'service' in the schema",
        },
        {
            "pointer": "/fallback/$default",
            "reason": "'$' has no property 'nope' in the schema",
        },
    ]


def test_validate_lists_and_indexes(shipment_schema):
    template = {
        "a": "$.items.product_code",
        "b": "$.reference[0]",
        "c": {"$each": "$.consignee", "$map": {"x": "$.anything"}},
        "d": {"$each": "$.items[0]", "$map": "$.sku"},
        "e": "$.items[3].uom",
    }
    assert mapping.validate(template, shipment_schema) == [
        {
            "pointer": "/a",
            "reason": "'$.items' is a list: use an index such as '$.items[0]' or $each",
        },
        {"pointer": "/b", "reason": "'$.reference' is not a list"},
        {"pointer": "/c/$each", "reason": "$each needs a list: '$.consignee' is not"},
        {"pointer": "/d/$each", "reason": "$each needs a list: '$.items[0]' is not"},
    ]


def test_validate_reports_syntax_and_operator_problems(shipment_schema):
    template = {
        "bad_path": "$.consignee..name",
        "bad_each_path": {"$each": "items", "$map": "$.x"},
        "no_map": {"$each": "$.items"},
        "unknown": {"$upper": "$.reference"},
        "mixed": {"$path": "$.reference", "name": "x"},
        "two": {"$path": "$.reference", "$concat": []},
        "format": {"$format": "title"},
        "concat": {"$concat": {"a": 1}, "$sep": None},
        "list": [{"$path": "$.reference", "$unknown": 1}],
    }
    problems = mapping.validate(template, shipment_schema)
    assert pointers(problems) == [
        "/bad_path",
        "/bad_each_path/$each",
        "/no_map",
        "/unknown/$upper",
        "/mixed/name",
        "/two",
        "/format",
        "/format/$format",
        "/concat/$concat",
        "/concat/$sep",
        "/list/0/$unknown",
    ]
    reasons = {problem["pointer"]: problem["reason"] for problem in problems}
    assert reasons["/unknown/$upper"].startswith("unknown operator '$upper'")
    assert reasons["/no_map"] == "$each needs a '$map' key"
    assert reasons["/format"] == "$format needs a '$value' key"
    assert reasons["/list/0/$unknown"].startswith("unknown operator '$unknown'")


def test_map_context_is_unknown_after_a_bad_each(shipment_schema):
    # One problem for the bad $each, none for each path of its $map; root
    # paths are still checked.
    template = {"$each": "$.lines", "$map": {"a": "$.x", "b": "$.y", "c": "$$.nope"}}
    assert pointers(mapping.validate(template, shipment_schema)) == [
        "/$each",
        "/$map/c",
    ]


def test_validate_follows_items_of_nullable_arrays_and_additional_properties():
    template = {
        "tags": {"$each": "$.items[0].tags", "$map": "$"},
        "color": "$.attributes.color",
        "bad": "$.items[0].tags[0].x",
    }
    assert mapping.validate(template, SMALL_SCHEMA) == [
        {
            "pointer": "/bad",
            "reason": "'$.items[0].tags[0]' has no property 'x' in the schema",
        }
    ]


def test_validate_does_not_follow_refs():
    assert mapping.validate({"a": "$.linked.name"}, SMALL_SCHEMA) == [
        {
            "pointer": "/a",
            "reason": "the schema of '$.linked' uses $ref, which is not followed",
        }
    ]


@pytest.mark.parametrize(
    "template",
    [
        None,
        5,
        "text",
        [],
        {},
        {"$each": None, "$map": None},
        {"$format": ["x"]},
        {1: "$.a"},
    ],
)
@pytest.mark.parametrize("schema", [SMALL_SCHEMA, {}, {"properties": None}, True])
def test_validate_never_raises(template, schema):
    assert isinstance(mapping.validate(template, schema), list)


# Paths used, default templates --------------------------------------------


def test_paths_lists_every_path_but_literals():
    template = {
        "a": "$.reference",
        "b": {
            "$each": "$.items",
            "$map": {"sku": "$.product_code", "r": "$$.reference"},
        },
        "c": {"$concat": ["$.x", "plain", {"$format": "upper", "$value": "$"}]},
        "d": {"$literal": "$.hidden"},
        "e": {"$path": "$.y", "$default": "$$"},
    }
    assert mapping.paths(template) == {
        "$.reference",
        "$.items",
        "$.product_code",
        "$$.reference",
        "$.x",
        "$",
        "$.y",
        "$$",
    }


def test_rest_default_template_renders_the_rest_payload(shipment):
    assert mapping.render(mapping.default_template("rest"), shipment) == {
        "externalReference": "SHP/2026/00001",
        "serviceLevel": "express",
        "consignee": {
            "name": "Globex Retail",
            "street": "12 Market Street",
            "city": "Lyon",
            "zip": "69001",
            "country": "FR",
        },
        "shipper": {
            "name": "Acme Warehouse",
            "street": "1 Dock Road",
            "city": "Antwerp",
            "zip": "2000",
            "country": "BE",
        },
        "pickupWindow": {
            "start": "2026-03-02T08:00:00+01:00",
            "end": "2026-03-02T12:00:00+01:00",
        },
        "deliveryWindow": {
            "start": "2026-03-03T09:00:00+01:00",
            "end": "2026-03-03T17:00:00+01:00",
        },
        "items": [
            {
                "sku": "SKU-1",
                "description": "Steel bracket",
                "quantity": 10,
                "weightKg": 12.5,
                "hazardous": False,
                "unNumber": None,
            },
            {
                "sku": "SKU-2",
                "description": "Solvent",
                "quantity": 2.5,
                "weightKg": 3,
                "hazardous": True,
                "unNumber": "1993",
            },
        ],
        "packages": [
            {
                "reference": "PACK0001",
                "type": "Euro pallet",
                "weightKg": 16,
                "lengthCm": 120,
                "widthCm": 80,
                "heightCm": 100,
                "hazardous": True,
                "unNumbers": ["1993"],
            }
        ],
        "deliveryInstructions": "Ring twice; goods entrance on the left.",
        "deliveryContact": {
            "name": "Marie Curie",
            "phone": "+33 4 00 00 00 00",
            "email": None,
        },
        "references": {"customerPo": "PO-7781", "orderReference": "S00042"},
        "constraints": {
            "vehicleType": "reefer",
            "temperatureMinC": 2,
            "temperatureMaxC": 8,
            "hazardous": True,
            "tailLift": False,
        },
    }


REST_ONLY_KEYS = ("packages", "deliveryInstructions", "deliveryContact")


def test_soap_default_template_wraps_items_for_zeep(shipment):
    rest = mapping.render(mapping.default_template("rest"), shipment)
    soap = mapping.render(mapping.default_template("soap"), shipment)
    # The WSDL's item has no hazardous goods fields, nor the payload packages,
    # delivery instructions or contact: the SOAP TMS gets what it declares.
    assert soap["items"] == {
        "item": [
            {k: v for k, v in item.items() if k not in ("hazardous", "unNumber")}
            for item in rest["items"]
        ]
    }
    rest_only = ("items", "constraints", *REST_ONLY_KEYS)
    assert not set(rest_only[1:]) & set(soap)
    assert {key: value for key, value in soap.items() if key != "items"} == {
        key: value for key, value in rest.items() if key not in rest_only
    }


def test_default_template_defaults_the_service_level(shipment):
    del shipment["service_level"]
    rendered = mapping.render(mapping.default_template("rest"), shipment)
    assert rendered["serviceLevel"] == "standard"


def test_default_template_returns_a_fresh_copy():
    first = mapping.default_template("rest")
    first["externalReference"] = "changed"
    assert mapping.default_template("rest")["externalReference"] == "$.reference"


@pytest.mark.parametrize("protocol", ["ftp", "REST", None])
def test_default_template_of_unknown_protocol(protocol):
    with pytest.raises(ValueError, match="No default mapping template"):
        mapping.default_template(protocol)
