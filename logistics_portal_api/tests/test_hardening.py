"""Issue 13: scopes, throttling, uploads and bad input, over real HTTP."""

import io
import json
import zipfile
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from odoo.addons.logistics_integration_base.tests.raw_http import raw_http

from ..controllers.api import API, ROUTE_METHODS
from .common import PortalApiCase


class HardeningCase(PortalApiCase):
    def assertRefused(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        body = response.json()
        self.assertEqual(body["error"]["code"], code, body)
        self.assertTrue(body["correlation_id"])
        self.assertEqual(response.headers["X-Correlation-ID"], body["correlation_id"])
        return body["error"]

    def assertTokenRefused(self, response, status, code):
        """The token endpoint answers in OAuth2's error shape (RFC 6749 5.2)."""
        self.assertEqual(response.status_code, status, response.text)
        body = response.json()
        self.assertEqual(body["error"], code, body)
        self.assertTrue(response.headers.get("Retry-After"))
        return body

    def key_record(self, full_key=None):
        key_id = (full_key or self.key).split("_")[1]
        return self.env["logistics.api.key"].search([("key_id", "=", key_id)])

    def token(self, full_key=None, scope=None, query=None):
        full_key = full_key or self.key
        data = {
            "grant_type": "client_credentials",
            "client_id": full_key.split("_")[1],
            "client_secret": full_key,
        }
        if scope:
            data["scope"] = scope
        return self.opener.post(
            self.base_url() + API + "/oauth/token",
            data=data,
            params=query,
            timeout=30,
        )

    def messages(self):
        return self.env["logistics.message"].search_count([])


@tagged("post_install", "-at_install")
class TestScopes(HardeningCase):
    def test_invoices_need_their_own_scope(self):
        _orders, orders_only = self.env["logistics.api.key"]._issue(
            self.user, ["orders:read"], "orders"
        )
        error = self.assertRefused(
            self.call("GET", "/invoices", key=orders_only), 403, "insufficient_scope"
        )
        self.assertIn("invoices:read", error["message"])
        _invoices, invoices_only = self.env["logistics.api.key"]._issue(
            self.user, ["invoices:read"], "invoices"
        )
        self.assertEqual(
            self.call("GET", "/invoices", key=invoices_only).status_code, 200
        )
        # New keys read invoices unless told otherwise.
        self.assertIn(
            "invoices:read",
            self.env["logistics.api.key"]
            .create({"name": "default", "user_id": self.user.id})
            ._scope_list(),
        )

    def test_webhook_needs_the_read_scope_of_its_events(self):
        _manager, manager = self.env["logistics.api.key"]._issue(
            self.user, ["webhooks:manage", "orders:read"], "hooks"
        )
        before = self.env["logistics.customer.webhook"].search_count([])
        messages = self.messages()
        refused = self.call(
            "POST",
            "/webhooks",
            {
                "url": "https://hooks.example.com/in",
                "events": ["order.accepted", "shipment.delivered", "invoice.posted"],
            },
            key=manager,
        )
        error = self.assertRefused(refused, 403, "insufficient_scope")
        self.assertIn("invoices:read, shipments:read", error["message"])
        self.assertEqual(
            error["details"],
            [
                {"pointer": "/events/1", "reason": "needs shipments:read"},
                {"pointer": "/events/2", "reason": "needs invoices:read"},
            ],
        )
        self.assertEqual(
            self.env["logistics.customer.webhook"].search_count([]), before
        )
        self.assertEqual(self.messages(), messages, "refused before the log")

    def test_a_token_loses_what_its_key_loses(self):
        granted = self.token(scope="orders:read shipments:read")
        self.assertEqual(granted.status_code, 200, granted.text)
        bearer = {"Authorization": "Bearer %s" % granted.json()["access_token"]}
        self.assertEqual(
            self.call("GET", "/shipments", key=False, headers=bearer).status_code, 200
        )
        record = self.key_record()
        record.scopes = "orders:read orders:write"
        self.assertRefused(
            self.call("GET", "/shipments", key=False, headers=bearer),
            403,
            "insufficient_scope",
        )
        self.assertEqual(
            self.call("GET", "/orders", key=False, headers=bearer).status_code, 200
        )
        # Given back to the key: the token may again (its own scopes still hold).
        record.scopes = "orders:read shipments:read"
        self.assertEqual(
            self.call("GET", "/shipments", key=False, headers=bearer).status_code, 200
        )
        record.expires_at = fields.Datetime.now() - timedelta(seconds=1)
        self.assertRefused(
            self.call("GET", "/orders", key=False, headers=bearer), 401, "expired_key"
        )
        record.expires_at = False
        record.active = False
        self.assertRefused(
            self.call("GET", "/orders", key=False, headers=bearer), 401, "revoked_key"
        )


@tagged("post_install", "-at_install")
class TestThrottling(HardeningCase):
    def set_limit(self, kind, value):
        self.env["ir.config_parameter"].set_param(
            "logistics_portal_api.limit.%s" % kind, value
        )

    def test_refusals_are_throttled_per_address(self):
        self.set_limit("failed:address", 3)
        for presented in ("lsk_nope", None, "lsk_%s_%s" % ("0" * 12, "x" * 43)):
            headers = {"X-API-Key": presented} if presented else {}
            response = self.call("GET", "/orders", key=False, headers=headers)
            self.assertEqual(response.status_code, 401)
        # Now even a valid key from this address waits for the next window.
        throttled = self.call("GET", "/orders")
        self.assertRefused(throttled, 429, "too_many_failures")
        self.assertGreaterEqual(int(throttled.headers["Retry-After"]), 1)
        self.assertLessEqual(int(throttled.headers["Retry-After"]), 60)

    def test_refusals_are_throttled_per_client(self):
        self.set_limit("failed:client", 2)
        key_id = self.key.split("_")[1]
        wrong = "lsk_%s_%s" % (key_id, "y" * 43)
        for _attempt in range(2):
            self.assertRefused(
                self.call("GET", "/orders", key=wrong), 401, "invalid_key"
            )
        self.assertRefused(self.call("GET", "/orders"), 429, "too_many_failures")
        # Another client from the same address is not concerned.
        self.assertEqual(
            self.call("GET", "/orders", key=self.other_key).status_code, 200
        )

    def test_forbidden_calls_count_as_refusals(self):
        self.set_limit("failed:client", 2)
        _reader, reader = self.env["logistics.api.key"]._issue(
            self.user, ["orders:read"], "reader"
        )
        for _attempt in range(2):
            self.assertRefused(
                self.call("GET", "/shipments", key=reader), 403, "insufficient_scope"
            )
        self.assertRefused(
            self.call("GET", "/orders", key=reader), 429, "too_many_failures"
        )

    def test_token_requests_are_throttled_per_client_and_address(self):
        self.set_limit("token:client", 2)
        for _attempt in range(2):
            self.assertEqual(self.token().status_code, 200)
        throttled = self.token()
        self.assertTokenRefused(throttled, 429, "rate_limited")
        self.assertGreaterEqual(int(throttled.headers["Retry-After"]), 1)
        self.assertEqual(self.token(self.other_key).status_code, 200)
        self.set_limit("token:address", 4)  # 4 counted from this address so far
        self.assertTokenRefused(self.token(self.other_key), 429, "rate_limited")

    def test_failed_token_requests_count_as_refusals(self):
        self.set_limit("failed:client", 2)
        key_id = self.key.split("_")[1]
        for _attempt in range(2):
            bad = self.token("lsk_%s_%s" % (key_id, "z" * 43))
            self.assertEqual(
                (bad.status_code, bad.json()["error"]), (401, "invalid_client")
            )
        self.assertTokenRefused(self.token(), 429, "too_many_failures")

    def test_client_secret_only_from_the_form_body(self):
        tokens = self.env["logistics.api.token"].search_count([])
        leaked = self.token(query={"client_secret": self.key})
        self.assertEqual(leaked.status_code, 400, leaked.text)
        self.assertEqual(leaked.json()["error"], "invalid_request")
        self.assertIn("query string", leaked.json()["error_description"])
        in_query = self.opener.post(
            self.base_url() + API + "/oauth/token",
            params={
                "grant_type": "client_credentials",
                "client_id": self.key.split("_")[1],
                "client_secret": self.key,
            },
            timeout=30,
        )
        self.assertEqual(in_query.status_code, 400)
        as_json = self.opener.post(
            self.base_url() + API + "/oauth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": self.key.split("_")[1],
                "client_secret": self.key,
            },
            timeout=30,
        )
        self.assertEqual(
            (as_json.status_code, as_json.json()["error"]), (400, "invalid_request")
        )
        self.assertEqual(self.env["logistics.api.token"].search_count([]), tokens)
        self.assertEqual(self.token().status_code, 200)


@tagged("post_install", "-at_install")
class TestUploads(HardeningCase):
    def setUp(self):
        super().setUp()
        self.customer.credit_limit = 100.0  # held: the order stays a quotation
        reference = self.submit(self.order_body(), "k-up").json()["reference"]
        self.path = "/orders/%s/documents" % reference
        self.order = self.env["sale.order"].search([("name", "=", reference)])

    def upload(self, name, content, mimetype):
        return self.opener.post(
            self.base_url() + API + self.path,
            files={"file": (name, content, mimetype)},
            headers={"X-API-Key": self.key},
            timeout=30,
        )

    def attachments(self):
        return self.env["ir.attachment"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", self.order.id)]
        )

    def test_multipart_upload_like_curl(self):
        uploaded = self.upload("po 7.pdf", b"%PDF-1.7\nhello", "application/pdf")
        self.assertEqual(uploaded.status_code, 201, uploaded.text)
        self.assertEqual(uploaded.json()["name"], "po 7.pdf")
        self.assertEqual(uploaded.json()["mimetype"], "application/pdf")
        [attachment] = self.attachments()
        self.assertEqual(attachment.raw, b"%PDF-1.7\nhello")

    def test_type_comes_from_the_content(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
        sheet = self.upload("stock.xlsx", buffer.getvalue(), "application/octet-stream")
        self.assertEqual(sheet.status_code, 201, sheet.text)
        self.assertEqual(
            sheet.json()["mimetype"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        before = len(self.attachments())
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
        error = self.assertRefused(
            self.upload("invoice.pdf", png, "application/pdf"),
            415,
            "unsupported_media_type",
        )
        self.assertIn(
            "declared application/pdf but the content is image/png", error["message"]
        )
        self.assertRefused(
            self.call(
                "POST", self.path, data=png, headers={"Content-Type": "application/pdf"}
            ),
            415,
            "unsupported_media_type",
        )
        self.assertRefused(
            self.upload("tool.exe", b"MZ\x90\x00", "application/octet-stream"),
            415,
            "unsupported_media_type",
        )
        self.assertRefused(
            self.call(
                "POST",
                self.path,
                data=b"a;b\n\x00",
                headers={"Content-Type": "text/csv"},
            ),
            415,
            "unsupported_media_type",
        )
        self.assertEqual(len(self.attachments()), before)

    def test_file_names_are_sanitized(self):
        # Written by hand: client libraries escape control characters.
        boundary = "b0undary"
        body = (
            '--%s\r\nContent-Disposition: form-data; name="file"; '
            'filename="../../etc/pa\x01ss\twd.csv"\r\nContent-Type: text/csv\r\n\r\n'
            "a;b\n1;2\n\r\n--%s--\r\n" % (boundary, boundary)
        ).encode()
        uploaded = self.call(
            "POST",
            self.path,
            data=body,
            headers={"Content-Type": "multipart/form-data; boundary=%s" % boundary},
        )
        self.assertEqual(uploaded.status_code, 201, uploaded.text)
        self.assertEqual(uploaded.json()["name"], "pa_ss_wd.csv")
        raw = self.call(
            "POST",
            self.path,
            data=b"a,b\n",
            headers={"Content-Type": "text/csv", "X-Filename": "C:\\tmp\\..\\list.csv"},
        )
        self.assertEqual(raw.json()["name"], "list.csv")

    def test_multipart_without_file_field(self):
        response = self.opener.post(
            self.base_url() + API + self.path,
            files={"document": ("a.pdf", b"%PDF-1.4", "application/pdf")},
            headers={"X-API-Key": self.key},
            timeout=30,
        )
        self.assertRefused(response, 400, "missing_file")

    def test_multipart_over_the_limit_refused_before_parsing(self):
        self.env["ir.config_parameter"].set_param(
            "logistics_portal_api.max_upload_bytes", 1000
        )
        error = self.assertRefused(
            self.upload("big.pdf", b"%PDF-" + b"0" * 70000, "application/pdf"),
            413,
            "payload_too_large",
        )
        self.assertTrue(error["message"])
        # Within the multipart margin but over the limit: refused after parsing.
        self.assertRefused(
            self.upload("big.pdf", b"%PDF-" + b"0" * 2000, "application/pdf"),
            413,
            "payload_too_large",
        )
        self.assertFalse(self.attachments())

    def test_download_of_a_non_latin1_name(self):
        uploaded = self.call(
            "POST",
            self.path,
            data=b"%PDF-1.4 slip",
            headers={
                "Content-Type": "application/pdf",
                "X-Filename": "Lieferschein.pdf",
            },
        )
        attachment = self.env["ir.attachment"].browse(uploaded.json()["id"])
        attachment.name = "Накладная №7 配送.pdf"
        download = self.call("GET", "/documents/%s" % attachment.id)
        self.assertEqual(download.status_code, 200, download.text)
        self.assertEqual(download.content, b"%PDF-1.4 slip")
        disposition = download.headers["Content-Disposition"]
        self.assertIn('filename="No7.pdf"', disposition)  # NFKD: № is No
        self.assertIn(
            "filename*=UTF-8''%D0%9D%D0%B0%D0%BA%D0%BB%D0%B0%D0%B4%D0%BD%D0%B0%D1%8F",
            disposition,
        )
        self.assertEqual(download.headers["X-Content-Type-Options"], "nosniff")


@tagged("post_install", "-at_install")
class TestBadInput(HardeningCase):
    def assertNothingChanged(self, orders, messages):
        self.assertEqual(self.count_orders(), orders)
        self.assertEqual(self.messages(), messages)

    def test_impossible_date_is_422_with_a_pointer_and_nothing_logged(self):
        orders, messages = self.count_orders(), self.messages()
        response = self.submit(
            self.order_body(
                requested_delivery={
                    "start": "2026-13-45T99:00Z",
                    "end": "2026-02-30T10:00:00+01:00",
                }
            ),
            "k-date",
        )
        error = self.assertRefused(response, 422, "schema_violation")
        self.assertEqual(
            [d["pointer"] for d in error["details"]],
            ["/requested_delivery/start", "/requested_delivery/end"],
        )
        self.assertNothingChanged(orders, messages)
        # The same key with a valid body is not blocked by the refusal.
        accepted = self.submit(self.order_body(), "k-date")
        self.assertEqual(accepted.status_code, 201, accepted.text)

    def test_window_ending_before_it_starts(self):
        window = {
            "start": "2030-01-10T12:00:00+01:00",
            "end": "2030-01-10T08:00:00+01:00",
        }
        orders, messages = self.count_orders(), self.messages()
        error = self.assertRefused(
            self.submit(self.order_body(requested_delivery=window), "k-window"),
            422,
            "schema_violation",
        )
        self.assertEqual(
            {d["pointer"] for d in error["details"]},
            {"/requested_delivery/start", "/requested_delivery/end"},
        )
        self.assertNothingChanged(orders, messages)
        self.customer.credit_limit = 100.0
        reference = self.submit(self.order_body(), "k-amend-window").json()["reference"]
        order = self.env["sale.order"].search([("name", "=", reference)])
        promised = order.commitment_date
        self.assertRefused(
            self.call(
                "PATCH", "/orders/%s" % reference, {"requested_delivery": window}
            ),
            422,
            "schema_violation",
        )
        self.assertEqual(order.commitment_date, promised)

    def test_nul_characters_are_refused(self):
        orders, messages = self.count_orders(), self.messages()
        error = self.assertRefused(
            self.submit(self.order_body(notes="ring\u0000twice"), "k-nul"),
            422,
            "schema_violation",
        )
        self.assertEqual(error["details"][0]["pointer"], "/notes")
        self.assertRefused(
            self.submit(self.order_body(code="KEG\u000030"), "k-nul-2"),
            422,
            "schema_violation",
        )
        self.assertNothingChanged(orders, messages)

    def test_absurd_numbers(self):
        orders = self.count_orders()
        error = self.assertRefused(
            self.submit(self.order_body(quantity=1e308), "k-big"),
            422,
            "schema_violation",
        )
        self.assertEqual(error["details"][0]["pointer"], "/lines/0/quantity")
        error = self.assertRefused(
            self.submit(
                self.order_body(delivery_address={"contact_id": 1e308}), "k-id"
            ),
            422,
            "schema_violation",
        )
        self.assertEqual(error["details"][0]["pointer"], "/delivery_address/contact_id")
        for literal in (b"1e999", b"NaN", b"-Infinity", b"9" * 5000):
            body = (
                b'{"customer_reference": "PO", '
                b'"lines": [{"product_code": "KEG30", "quantity": %s}]}' % literal
            )
            self.assertRefused(
                self.call(
                    "POST",
                    "/orders",
                    data=body,
                    headers={
                        "Idempotency-Key": "k-lit",
                        "Content-Type": "application/json",
                    },
                ),
                400,
                "malformed_json",
            )
        self.assertEqual(self.count_orders(), orders)

    def test_deeply_nested_json_is_malformed(self):
        messages = self.messages()
        for data in (b"[" * 100000, b'{"notes": ' + b"[" * 50 + b"]" * 50 + b"}"):
            self.assertRefused(
                self.call(
                    "POST",
                    "/orders",
                    data=data,
                    headers={
                        "Idempotency-Key": "k-deep",
                        "Content-Type": "application/json",
                    },
                ),
                400,
                "malformed_json",
            )
        self.assertEqual(self.messages(), messages)

    def test_options_on_every_route(self):
        samples = {
            "<string:reference>": "SO001",
            "<int:document_id>": "1",
            "<int:webhook_id>": "1",
        }
        self.assertIn(API + "/documents/<int:document_id>", ROUTE_METHODS)
        for path, methods in ROUTE_METHODS.items():
            url = path
            for pattern, sample in samples.items():
                url = url.replace(pattern, sample)
            response = self.opener.request("OPTIONS", self.base_url() + url, timeout=30)
            self.assertEqual(response.status_code, 204, (url, response.text))
            allowed = set(response.headers["Allow"].split(", "))
            self.assertLessEqual(set(methods) | {"OPTIONS"}, allowed, url)
        unknown = self.call("PUT", "/orders")
        self.assertRefused(unknown, 405, "method_not_allowed")
        self.assertIn("POST", unknown.headers["Allow"])
        self.assertRefused(
            self.call("DELETE", "/documents/1"), 405, "method_not_allowed"
        )

    def test_document_without_content_is_404(self):
        shipment = self.env["logistics.shipment"].create(
            {
                "endpoint_id": self.env["logistics.endpoint"]
                .create({"name": "TMS", "code": "tms_pod", "system": "tms"})
                .id,
                "partner_id": self.customer.id,
                "shipper_id": self.env.company.partner_id.id,
                "consignee_id": self.customer.id,
                "status": "delivered",
            }
        )
        # A proof of delivery announced by the TMS without its file.
        pod = shipment._attach_pod({"filename": "POD.pdf"})
        shipment._logistics_apply({"pod_attachment_id": pod.id}, "tms")
        self.assertEqual(shipment.pod_attachment_id, pod)
        self.assertFalse(pod.raw)
        error = self.assertRefused(
            self.call("GET", "/documents/%s" % pod.id), 404, "not_found"
        )
        self.assertTrue(error["message"])

    def test_bodies_refused_on_their_length_before_reading(self):
        port = self.http_port()
        orders = self.count_orders()
        # A gigabyte announced, nothing sent: the answer cannot wait for it.
        status, headers, content = raw_http(
            port,
            "POST %s/orders HTTP/1.1\r\nHost: localhost\r\nX-API-Key: %s\r\n"
            "Idempotency-Key: k-huge\r\nContent-Type: application/json\r\n"
            "Content-Length: 1000000000\r\nConnection: close" % (API, self.key),
            b"{}",
        )
        self.assertEqual(status, 413, content)
        self.assertEqual(json.loads(content)["error"]["code"], "payload_too_large")
        self.assertIn("X-Correlation-ID", headers)
        status, _headers, content = raw_http(
            port,
            "POST %s/orders HTTP/1.1\r\nHost: localhost\r\nX-API-Key: %s\r\n"
            "Idempotency-Key: k-chunk\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close" % (API, self.key),
            b"2\r\n{}\r\n0\r\n\r\n",
        )
        self.assertEqual(status, 411, content)
        self.assertEqual(json.loads(content)["error"]["code"], "length_required")
        self.assertEqual(self.count_orders(), orders)

    def test_any_failure_of_a_handler_is_500_in_the_error_shape(self):
        reference = self.submit(self.order_body(), "k-bug").json()["reference"]

        def broken(self, *args, **kwargs):
            raise ZeroDivisionError("a bug")

        # A bug stands in for whatever a handler might raise one day.
        with (
            patch.object(type(self.env["sale.order"]), "_portal_json", broken),
            self.assertLogs(
                "odoo.addons.logistics_portal_api.controllers.api", "ERROR"
            ) as logged,
        ):
            response = self.call("GET", "/orders/%s" % reference)
        error = self.assertRefused(response, 500, "internal_error")
        self.assertNotIn("ZeroDivisionError", error["message"])
        self.assertIn(response.json()["correlation_id"], logged.output[0])
        self.assertEqual(
            response.headers["Content-Type"], "application/json; charset=utf-8"
        )
