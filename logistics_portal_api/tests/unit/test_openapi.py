import datetime

import pytest
from openapi_spec_validator import validate

from logistics_portal_api.lib import api_keys, openapi

ORDERS = openapi.route_parameters(("get", "/orders"))
SHIPMENTS = openapi.route_parameters(("get", "/shipments"))
INVOICES = openapi.route_parameters(("get", "/invoices"))


def test_description_is_valid_openapi_3_1():
    document = openapi.build_document()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_request_bodies_are_the_validation_schemas():
    schemas = openapi.build_document()["components"]["schemas"]
    submission = schemas["OrderSubmission"]
    assert submission["required"] == ["customer_reference", "lines"]
    assert submission["properties"]["lines"]["minItems"] == 1
    post_orders = openapi.build_document()["paths"]["/orders"]["post"]
    assert post_orders["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OrderSubmission"
    }
    assert {p["name"] for p in post_orders["parameters"]} == {"Idempotency-Key"}


def test_every_route_documents_its_errors_and_scope():
    paths = openapi.build_document()["paths"]
    for route in openapi.ROUTES:
        operation = paths[route["path"]][route["method"]]
        responses = operation["responses"]
        assert {"401", "403", "429", "500"} <= set(responses), route["path"]
        assert responses["429"]["headers"]["Retry-After"]["required"]
        for status in route["errors"]:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}
        assert operation["security"] == [
            {"apiKey": [route["scope"]]},
            {"bearer": [route["scope"]]},
            {"oauth2": [route["scope"]]},
        ]
        if "{" in route["path"]:
            assert "404" in responses, route["path"]
        if route["query"]:
            assert "422" in responses, route["path"]
    for operations in paths.values():
        assert operations["options"]["responses"]["204"]["headers"]["Allow"]


def test_uploads_document_multipart_raw_types_415_and_413():
    upload = openapi.build_document()["paths"]["/orders/{reference}/documents"]
    operation = upload["post"]
    content = operation["requestBody"]["content"]
    assert content["multipart/form-data"]["schema"]["required"] == ["file"]
    assert set(openapi.UPLOAD_TYPES) <= set(content)
    assert {"413", "415", "422"} <= set(operation["responses"])


def test_every_scope_of_the_keys_is_described_and_invoices_have_their_own():
    document = openapi.build_document()
    flows = document["components"]["securitySchemes"]["oauth2"]["flows"]
    assert set(api_keys.SCOPES) <= set(flows["clientCredentials"]["scopes"])
    assert document["paths"]["/invoices"]["get"]["security"][0] == {
        "apiKey": ["invoices:read"]
    }


def test_order_links_lead_to_the_order_routes():
    document = openapi.build_document()
    links = document["paths"]["/orders"]["post"]["responses"]["201"]["links"]
    ids = {
        op["operationId"] for ops in document["paths"].values() for op in ops.values()
    }
    assert {link["operationId"] for link in links.values()} <= ids
    assert len(links) == 4
    assert all(
        link["parameters"] == {"reference": "$response.body#/reference"}
        for link in links.values()
    )


def test_only_list_routes_with_a_query_answer_pages():
    paths = openapi.build_document()["paths"]
    for route in openapi.ROUTES:
        if not route["answer"].endswith("[]"):
            continue
        answer = paths[route["path"]][route["method"]]["responses"]["200"]
        schema = answer["content"]["application/json"]["schema"]
        paged = {"total", "limit", "offset"} <= set(schema["required"])
        assert paged == bool(route["query"]), route["path"]


def test_query_defaults():
    assert openapi.parse_query(ORDERS, {}) == {"limit": 50, "offset": 0}


def test_query_values_are_parsed():
    values = openapi.parse_query(
        SHIPMENTS,
        {
            "limit": ["200"],
            "offset": ["7"],
            "status": ["in_transit"],
            "date_from": ["2026-03-01"],
            "date_to": ["2026-03-31T10:00:00+02:00"],
        },
    )
    assert values == {
        "limit": 200,
        "offset": 7,
        "status": "in_transit",
        "date_from": datetime.datetime(2026, 3, 1),
        "date_to": datetime.datetime(2026, 3, 31, 8),
    }


@pytest.mark.parametrize(
    ("parameters", "args", "pointer"),
    [
        (ORDERS, {"limit": ["201"]}, "/query/limit"),
        (ORDERS, {"limit": ["0"]}, "/query/limit"),
        (ORDERS, {"limit": ["-1"]}, "/query/limit"),
        (ORDERS, {"limit": ["ten"]}, "/query/limit"),
        (ORDERS, {"limit": ["1.5"]}, "/query/limit"),
        (ORDERS, {"limit": ["\u0665"]}, "/query/limit"),  # Arabic-Indic five
        (ORDERS, {"limit": [""]}, "/query/limit"),
        (ORDERS, {"limit": ["9" * 400]}, "/query/limit"),
        (ORDERS, {"limit": ["1", "2"]}, "/query/limit"),
        (ORDERS, {"offset": ["-1"]}, "/query/offset"),
        (ORDERS, {"offset": [str(2**31)]}, "/query/offset"),
        (ORDERS, {"status": ["in_transit"]}, "/query/status"),
        (SHIPMENTS, {"status": ["sale"]}, "/query/status"),
        (SHIPMENTS, {"status": [""]}, "/query/status"),
        (ORDERS, {"date_from": ["2026-13-45"]}, "/query/date_from"),
        (ORDERS, {"date_to": ["2026-02-30T10:00:00Z"]}, "/query/date_to"),
        (ORDERS, {"date_to": ["2026-01-01T25:00:00Z"]}, "/query/date_to"),
        (ORDERS, {"date_to": ["2026-01-01T10:00:00"]}, "/query/date_to"),
        (ORDERS, {"date_to": ["yesterday\x00"]}, "/query/date_to"),
        (INVOICES, {"status": ["posted"]}, "/query/status"),
        (ORDERS, {"sort": ["name"]}, "/query/sort"),
        (ORDERS, {"a/b~c": ["1"]}, "/query/a~1b~0c"),
    ],
)
def test_query_errors_point_at_the_argument(parameters, args, pointer):
    with pytest.raises(openapi.QueryError) as caught:
        openapi.parse_query(parameters, args)
    assert [d["pointer"] for d in caught.value.details] == [pointer]


def test_every_query_problem_is_reported():
    with pytest.raises(openapi.QueryError) as caught:
        openapi.parse_query(ORDERS, {"limit": ["500"], "offset": ["x"], "q": ["a"]})
    assert sorted(d["pointer"] for d in caught.value.details) == [
        "/query/limit",
        "/query/offset",
        "/query/q",
    ]


@pytest.mark.parametrize(
    ("text", "end_of_day", "expected"),
    [
        ("2026-03-01", False, datetime.datetime(2026, 3, 1)),
        ("2026-03-01", True, datetime.datetime(2026, 3, 1, 23, 59, 59, 999999)),
        ("2026-03-01T10:00:00Z", False, datetime.datetime(2026, 3, 1, 10)),
        (
            "2026-03-01t10:00:00.5z",
            False,
            datetime.datetime(2026, 3, 1, 10, 0, 0, 500000),
        ),
        ("2026-12-31T23:59:60-01:00", False, datetime.datetime(2027, 1, 1, 0, 59, 59)),
        ("0001-01-01T00:00:00+23:59", False, datetime.datetime.min),
        ("9999-12-31T23:59:59-23:59", False, datetime.datetime.max),
    ],
)
def test_moments(text, end_of_day, expected):
    assert openapi.parse_moment(text, end_of_day) == expected
