import datetime

import pytest
from openapi_spec_validator import validate

from logistics_portal_api.lib import openapi

ORDERS = openapi.ORDER_QUERY
SHIPMENTS = openapi.SHIPMENT_QUERY
INVOICES = openapi.INVOICE_QUERY


def _sample_routes():
    routes = []
    openapi.register(
        openapi.operation(
            "get",
            openapi.description_path("/orders"),
            "orders:read",
            "List",
            "Order[]",
            query=openapi.ORDER_QUERY,
        ),
        routes,
    )
    openapi.register(
        openapi.operation(
            "post",
            openapi.description_path("/orders"),
            "orders:write",
            "Submit",
            "Order",
            code="201",
            body="OrderSubmission",
            errors=("409",),
        ),
        routes,
    )
    openapi.register(
        openapi.operation(
            "get",
            openapi.description_path("/documents/<int:document_id>"),
            "documents:read",
            "Download",
            "file",
        ),
        routes,
    )
    return routes


def test_route_paths_become_description_paths():
    assert openapi.description_path("/orders") == "/orders"
    assert (
        openapi.description_path("/orders/<string:reference>/cancel")
        == "/orders/{reference}/cancel"
    )
    assert openapi.description_path("/webhooks/<int:webhook_id>") == "/webhooks/{id}"


def test_a_document_is_built_from_the_registered_routes_only():
    routes = _sample_routes()
    public = {("post", "/oauth/token"): openapi.token_operation}
    document = openapi.build_document(routes, public)
    validate(document)
    assert set(document["paths"]) == {"/orders", "/documents/{id}", "/oauth/token"}
    assert set(document["paths"]["/orders"]) == {"get", "post", "options"}
    post = document["paths"]["/orders"]["post"]
    assert {"400", "401", "403", "409", "411", "413", "422", "429", "500"} == set(
        post["responses"]
    ) - {"201"}
    download = document["paths"]["/documents/{id}"]["get"]
    assert download["parameters"][0]["schema"] == openapi.ID_SCHEMA
    assert "404" in download["responses"]


def test_registering_a_route_again_replaces_its_operation():
    routes = _sample_routes()
    openapi.register(
        openapi.operation("get", "/orders", "orders:read", "Again", "Order[]"), routes
    )
    assert len(routes) == 3
    assert routes[0]["summary"] == "Again"
    assert openapi.route_parameters(("get", "/orders"), routes) == []
    assert openapi.route_parameters(("get", "/nothing"), routes) is None


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


def test_dates_of_a_query_cover_whole_days():
    values = openapi.parse_query(
        ORDERS, {"date_from": ["2026-03-01"], "date_to": ["2026-03-01"]}
    )
    assert values["date_from"] == datetime.datetime(2026, 3, 1)
    assert values["date_to"] == datetime.datetime(2026, 3, 1, 23, 59, 59, 999999)
