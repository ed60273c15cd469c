from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import PortalApiCase


@tagged("post_install", "-at_install")
class TestSecurity(PortalApiCase):
    def assertRefused(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        body = response.json()
        self.assertEqual(body["error"]["code"], code)
        self.assertTrue(body["correlation_id"])
        self.assertEqual(response.headers["X-Correlation-ID"], body["correlation_id"])

    def test_bad_inputs_get_precise_errors_and_create_nothing(self):
        before = self.count_orders()
        messages_before = self.env["logistics.message"].search_count([])
        malformed = self.call(
            "POST", "/orders", data=b"{oops", headers={"Idempotency-Key": "k-1"}
        )
        self.assertRefused(malformed, 400, "malformed_json")
        self.assertRefused(
            self.call("POST", "/orders", self.order_body()),
            400,
            "missing_idempotency_key",
        )
        invalid = self.submit(
            {"customer_reference": "", "lines": [{"quantity": -1}]}, "k-2"
        )
        self.assertRefused(invalid, 422, "schema_violation")
        pointers = {d["pointer"] for d in invalid.json()["error"]["details"]}
        self.assertIn("/customer_reference", pointers)
        self.assertIn("/lines/0", pointers)
        self.assertIn("/lines/0/quantity", pointers)
        self.assertEqual(self.count_orders(), before)
        # Only the schema violation was logged (as dead): the rest never got in.
        self.assertEqual(
            self.env["logistics.message"].search_count([]), messages_before + 1
        )

    def test_credentials(self):
        self.assertRefused(
            self.call("GET", "/orders", key=False), 401, "missing_credentials"
        )
        self.assertRefused(
            self.call("GET", "/orders", key="lsk_nope"), 401, "invalid_key"
        )
        key_id = self.key.split("_")[1]
        wrong_secret = "lsk_%s_%s" % (key_id, "x" * 43)
        self.assertRefused(
            self.call("GET", "/orders", key=wrong_secret), 401, "invalid_key"
        )
        record = self.env["logistics.api.key"].search([("key_id", "=", key_id)])
        record.expires_at = fields.Datetime.now() - timedelta(minutes=1)
        self.assertRefused(self.call("GET", "/orders"), 401, "expired_key")
        record.expires_at = False
        record.action_revoke()
        self.assertRefused(self.call("GET", "/orders"), 401, "revoked_key")

    def test_scopes(self):
        _reader, full_key = self.env["logistics.api.key"]._issue(
            self.user, ["orders:read"], "read only"
        )
        refused = self.submit(self.order_body(), "k-scope", key=full_key)
        self.assertRefused(refused, 403, "insufficient_scope")
        self.assertEqual(self.call("GET", "/orders", key=full_key).status_code, 200)
        self.assertRefused(
            self.call("GET", "/shipments", key=full_key), 403, "insufficient_scope"
        )

    def test_rate_limit_answers_429_with_retry_after(self):
        key_id = self.key.split("_")[1]
        self.env["logistics.api.key"].search(
            [("key_id", "=", key_id)]
        ).rate_limit_per_minute = 2
        self.assertEqual(self.call("GET", "/orders").status_code, 200)
        self.assertEqual(self.call("GET", "/orders").status_code, 200)
        throttled = self.call("GET", "/orders")
        self.assertRefused(throttled, 429, "rate_limited")
        self.assertGreaterEqual(int(throttled.headers["Retry-After"]), 1)
        # Another customer's key has its own budget.
        self.assertEqual(
            self.call("GET", "/orders", key=self.other_key).status_code, 200
        )

    def test_oauth2_client_credentials(self):
        key_id = self.key.split("_")[1]
        token_url = self.base_url() + "/api/logistics/v1/oauth/token"
        granted = self.opener.post(
            token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": key_id,
                "client_secret": self.key,
                "scope": "orders:read",
            },
            timeout=30,
        )
        self.assertEqual(granted.status_code, 200, granted.text)
        token = granted.json()
        self.assertEqual(token["token_type"], "Bearer")
        self.assertEqual(token["scope"], "orders:read")
        bearer = {"Authorization": "Bearer %s" % token["access_token"]}
        self.assertEqual(
            self.call("GET", "/orders", key=False, headers=bearer).status_code, 200
        )
        narrow = self.call("GET", "/shipments", key=False, headers=bearer)
        self.assertRefused(narrow, 403, "insufficient_scope")
        bad = self.opener.post(
            token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": key_id,
                "client_secret": "lsk_%s_%s" % (key_id, "y" * 43),
            },
            timeout=30,
        )
        self.assertEqual(
            (bad.status_code, bad.json()["error"]), (401, "invalid_client")
        )
        token_row = self.env["logistics.api.token"].search([], order="id desc", limit=1)
        self.assertNotIn(token["access_token"], token_row.token_hash)
        token_row.expires_at = fields.Datetime.now() - timedelta(seconds=1)
        expired = self.call("GET", "/orders", key=False, headers=bearer)
        self.assertRefused(expired, 401, "expired_token")

    def test_uploads_limited_in_size_and_type(self):
        self.customer.credit_limit = 100.0
        reference = self.submit(self.order_body(), "k-up").json()["reference"]
        path = "/orders/%s/documents" % reference
        attachments = self.env["ir.attachment"].search_count(
            [("res_model", "=", "sale.order")]
        )
        wrong_type = self.call(
            "POST",
            path,
            data=b"MZ...",
            headers={"Content-Type": "application/x-msdownload"},
        )
        self.assertRefused(wrong_type, 415, "unsupported_media_type")
        self.env["ir.config_parameter"].set_param(
            "logistics_portal_api.max_upload_bytes", 1000
        )
        too_big = self.call(
            "POST",
            path,
            data=b"%PDF" + b"0" * 2000,
            headers={"Content-Type": "application/pdf"},
        )
        self.assertRefused(too_big, 413, "payload_too_large")
        self.assertEqual(
            self.env["ir.attachment"].search_count([("res_model", "=", "sale.order")]),
            attachments,
        )
        ok = self.call(
            "POST",
            path,
            data=b"%PDF-1.4 hello",
            headers={"Content-Type": "application/pdf", "X-Filename": "po.pdf"},
        )
        self.assertEqual(ok.status_code, 201, ok.text)
        self.assertEqual(ok.json()["name"], "po.pdf")
        message = self.env["logistics.message"].search(
            [("flow_code", "=", "order.document")], limit=1
        )
        self.assertNotIn(
            "content_base64", message.payload, "the file lives in the attachment"
        )
