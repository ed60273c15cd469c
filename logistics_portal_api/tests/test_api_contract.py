"""The served description and the server agree: routes, methods, query arguments."""

import re

from odoo.tests import TransactionCase, tagged

from ..controllers import api
from ..lib import api_keys, openapi
from .common import API, PortalApiCase

# Methods Odoo (werkzeug) adds on its own, or answered on every path.
IMPLICIT_METHODS = {"head", "options"}
PLACEHOLDER = "{}"


def _rule_path(rule):
    return re.sub(r"<[^>]+>", PLACEHOLDER, rule[len(API) :])


def _description_path(path):
    return re.sub(r"\{[^}]+\}", PLACEHOLDER, path)


@tagged("post_install", "-at_install")
class TestApiContract(PortalApiCase):
    def test_every_route_is_described_with_its_methods_and_nothing_else(self):
        router = self.env["ir.http"].routing_map()
        served = {}
        for rule in router.iter_rules():
            if not rule.rule.startswith(API + "/"):
                continue
            self.assertTrue(rule.methods, "%s takes every method" % rule.rule)
            methods = {m.lower() for m in rule.methods} - IMPLICIT_METHODS
            served.setdefault(_rule_path(rule.rule), set()).update(methods)
        paths = self.call("GET", "/openapi.json", key=False).json()["paths"]
        described = {
            _description_path(path): set(operations) - IMPLICIT_METHODS
            for path, operations in paths.items()
        }
        self.assertEqual(served, described)
        for operations in paths.values():
            self.assertIn("options", operations)

    def test_served_description_is_the_library_one(self):
        response = self.call("GET", "/openapi.json", key=False)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), openapi.build_document())
        self.assertEqual(api.UPLOAD_TYPES, set(openapi.UPLOAD_TYPES))

    def test_status_filters_are_the_models_values(self):
        def values(model, field):
            return {v for v, _label in self.env[model]._fields[field].selection}

        self.assertEqual(set(openapi.ORDER_STATES), values("sale.order", "state"))
        self.assertEqual(
            set(openapi.SHIPMENT_STATUSES), values("logistics.shipment", "status")
        )

    def test_paths_no_route_takes_answer_404_in_the_error_shape(self):
        for path in ("/documents/abc", "/orders/x/unknown", "/nothing/here"):
            response = self.call("GET", path, headers={"X-Correlation-ID": "c-404"})
            self.assertEqual(response.status_code, 404, path)
            self.assertEqual(response.headers["X-Correlation-ID"], "c-404")
            body = response.json()
            self.assertEqual(body["error"]["code"], "not_found")
            self.assertEqual(body["correlation_id"], "c-404")
        outside = self.opener.get(self.base_url() + "/nothing/here", timeout=30)
        self.assertEqual(outside.status_code, 404)
        self.assertNotIn("json", outside.headers["Content-Type"])

    def test_an_empty_idempotency_key_replays_nothing(self):
        self.customer.credit_limit = 100.0  # held: a quotation, amendable
        self.other.credit_limit = 100.0
        mine = self.submit(self.order_body("PO-MINE"), "k-mine").json()["reference"]
        theirs = self.submit(
            self.order_body("PO-THEIRS"), "k-theirs", key=self.other_key
        ).json()["reference"]
        empty = {"Idempotency-Key": ""}
        first = self.call("PATCH", "/orders/" + mine, {"notes": "a"}, headers=empty)
        self.assertEqual(first.json()["reference"], mine)
        invalid = self.call("PATCH", "/orders/" + mine, {"notes": 5}, headers=empty)
        self.assertEqual(invalid.status_code, 422)
        other = self.call(
            "PATCH",
            "/orders/" + theirs,
            {"notes": "b"},
            key=self.other_key,
            headers=empty,
        )
        self.assertEqual(other.status_code, 200)
        self.assertEqual(other.json()["reference"], theirs)

    def assertQueryRefused(self, path, *pointers):
        response = self.call("GET", path)
        self.assertEqual(response.status_code, 422, response.text)
        body = response.json()
        self.assertEqual(body["error"]["code"], "invalid_query")
        self.assertEqual(
            sorted(d["pointer"] for d in body["error"]["details"]), sorted(pointers)
        )
        self.assertTrue(body["correlation_id"])

    def test_query_arguments_outside_the_description_get_422(self):
        self.assertQueryRefused("/orders?limit=201", "/query/limit")
        self.assertQueryRefused("/orders?limit=-1", "/query/limit")
        self.assertQueryRefused(
            "/orders?limit=0&offset=-3", "/query/limit", "/query/offset"
        )
        self.assertQueryRefused("/orders?limit=1e2", "/query/limit")
        self.assertQueryRefused("/orders?limit=1&limit=2", "/query/limit")
        self.assertQueryRefused("/orders?offset=99999999999999999999", "/query/offset")
        self.assertQueryRefused("/orders?status=in_transit", "/query/status")
        self.assertQueryRefused("/orders?status=", "/query/status")
        self.assertQueryRefused("/shipments?status=sale", "/query/status")
        self.assertQueryRefused("/orders?date_from=2026-13-45", "/query/date_from")
        self.assertQueryRefused("/shipments?date_to=%00", "/query/date_to")
        self.assertQueryRefused("/invoices?status=posted", "/query/status")
        self.assertQueryRefused("/orders?sort=name&q=x", "/query/sort", "/query/q")

    def test_query_arguments_inside_the_description_filter(self):
        self.customer.credit_limit = 100.0  # held: a quotation, state draft
        for index in range(3):
            self.submit(self.order_body("PO-%s" % index), "key-%s" % index)
        page = self.call("GET", "/orders?limit=2&offset=1").json()
        self.assertEqual((page["total"], page["limit"], page["offset"]), (3, 2, 1))
        self.assertEqual(len(page["items"]), 2)
        self.assertEqual(self.call("GET", "/orders?limit=200").json()["limit"], 200)
        self.assertEqual(self.call("GET", "/orders?status=draft").json()["total"], 3)
        self.assertEqual(self.call("GET", "/orders?status=sale").json()["total"], 0)
        self.assertEqual(
            self.call("GET", "/orders?date_to=2000-01-01").json()["total"], 0
        )
        now = self.call("GET", "/orders").json()["items"][0]["created_at"]
        today = now[:10]
        self.assertEqual(
            self.call("GET", "/orders?date_from=%s&date_to=%s" % (today, today)).json()[
                "total"
            ],
            3,
        )
        self.assertEqual(
            self.call("GET", "/orders?date_from=2999-01-01T00:00:00Z").json()["total"],
            0,
        )


@tagged("post_install", "-at_install")
class TestDescription(TransactionCase):
    """The whole description, built from the routes the controller registered
    (pure-Python parts: tests/unit/test_openapi.py)."""

    def test_description_is_valid_openapi_3_1(self):
        from openapi_spec_validator import validate  # noqa: PLC0415 - test tool

        document = openapi.build_document()
        assert document["openapi"] == "3.1.0"
        validate(document)

    def test_request_bodies_are_the_validation_schemas(self):
        schemas = openapi.build_document()["components"]["schemas"]
        submission = schemas["OrderSubmission"]
        assert submission["required"] == ["customer_reference", "lines"]
        assert submission["properties"]["lines"]["minItems"] == 1
        post_orders = openapi.build_document()["paths"]["/orders"]["post"]
        assert post_orders["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/OrderSubmission"
        }
        assert {p["name"] for p in post_orders["parameters"]} == {"Idempotency-Key"}

    def test_every_route_documents_its_errors_and_scope(self):
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

    def test_uploads_document_multipart_raw_types_415_and_413(self):
        upload = openapi.build_document()["paths"]["/orders/{reference}/documents"]
        operation = upload["post"]
        content = operation["requestBody"]["content"]
        assert content["multipart/form-data"]["schema"]["required"] == ["file"]
        assert set(openapi.UPLOAD_TYPES) <= set(content)
        assert {"413", "415", "422"} <= set(operation["responses"])

    def test_every_scope_of_the_keys_is_described_and_invoices_have_their_own(self):
        document = openapi.build_document()
        flows = document["components"]["securitySchemes"]["oauth2"]["flows"]
        assert set(api_keys.SCOPES) <= set(flows["clientCredentials"]["scopes"])
        assert document["paths"]["/invoices"]["get"]["security"][0] == {
            "apiKey": ["invoices:read"]
        }

    def test_order_links_lead_to_the_order_routes(self):
        document = openapi.build_document()
        links = document["paths"]["/orders"]["post"]["responses"]["201"]["links"]
        ids = {
            op["operationId"]
            for ops in document["paths"].values()
            for op in ops.values()
        }
        assert {link["operationId"] for link in links.values()} <= ids
        assert len(links) == 4
        assert all(
            link["parameters"] == {"reference": "$response.body#/reference"}
            for link in links.values()
        )

    def test_only_list_routes_with_a_query_answer_pages(self):
        paths = openapi.build_document()["paths"]
        for route in openapi.ROUTES:
            if not route["answer"].endswith("[]"):
                continue
            answer = paths[route["path"]][route["method"]]["responses"]["200"]
            schema = answer["content"]["application/json"]["schema"]
            paged = {"total", "limit", "offset"} <= set(schema["required"])
            assert paged == bool(route["query"]), route["path"]
