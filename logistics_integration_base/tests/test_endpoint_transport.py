import json
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..lib import correlation, errors, signature
from .common import IntegrationCase
from .http_peer import HttpPeer


@tagged("post_install", "-at_install")
class TestEndpointTransport(IntegrationCase):
    def setUp(self):
        super().setUp()
        self.peer = self.enterContext(HttpPeer())
        self.endpoint.write({"base_url": self.peer.url + "/api/", "read_timeout": 5})

    def _secret(self, kind, value):
        self.env["logistics.endpoint.secret"].create(
            {"endpoint_id": self.endpoint.id, "kind": kind, "value": value}
        )

    def test_correlation_and_api_key_headers(self):
        self.endpoint.write({"auth_method": "api_key", "api_key_header": "X-Key"})
        self._secret("api_key", "key-123")
        self.peer.reply(201, {"reference": "TMS-1"})
        response = self.endpoint._request(
            "POST", "shipments", "corr-42", json={"ref": "S1"}
        )
        self.assertEqual(response.json(), {"reference": "TMS-1"})
        [sent] = self.peer.requests
        self.assertEqual(sent["path"], "/api/shipments")
        self.assertEqual(sent["headers"][correlation.HEADER], "corr-42")
        self.assertEqual(sent["headers"]["X-Key"], "key-123")
        self.assertEqual(json.loads(sent["body"]), {"ref": "S1"})

    def test_basic_auth(self):
        self.endpoint.write({"auth_method": "basic", "username": "odoo"})
        self._secret("password", "pw")
        self.endpoint._request("GET", "ping", "corr-b")
        self.assertEqual(
            self.peer.requests[0]["headers"]["Authorization"], "Basic b2Rvbzpwdw=="
        )

    def test_hmac_signed_body_verifies_on_the_other_side(self):
        self.endpoint.auth_method = "hmac"
        self._secret("hmac", "shared-secret")
        self.endpoint._request("POST", "events", "corr-h", json={"a": 1})
        [sent] = self.peer.requests
        matched = signature.verify(
            ["shared-secret"],
            sent["headers"][signature.TIMESTAMP_HEADER],
            sent["headers"][signature.SIGNATURE_HEADER],
            sent["body"],
        )
        self.assertEqual(matched, 0)

    def test_oauth2_token_cached_until_expiry(self):
        self.endpoint.write(
            {
                "auth_method": "oauth2",
                "oauth_token_url": self.peer.url + "/token",
                "oauth_client_id": "odoo",
            }
        )
        self._secret("client_secret", "client-secret")
        self.peer.reply(200, {"access_token": "tok-1", "expires_in": 3600})
        self.endpoint._request("GET", "a", "corr-o1")
        self.endpoint._request("GET", "b", "corr-o2")
        paths = [r["path"] for r in self.peer.requests]
        self.assertEqual(paths, ["/token", "/api/a", "/api/b"])
        self.assertIn(b"client_secret=client-secret", self.peer.requests[0]["body"])
        for call in self.peer.requests[1:]:
            self.assertEqual(call["headers"]["Authorization"], "Bearer tok-1")
        # Once expired, the next call fetches a new token.
        token = self.endpoint.secret_ids.filtered(lambda s: s.kind == "access_token")
        token.expires_at = "2020-01-01 00:00:00"
        self.peer.reply(200, {"access_token": "tok-2", "expires_in": 3600})
        self.endpoint._request("GET", "c", "corr-o3")
        self.assertEqual(
            self.peer.requests[-1]["headers"]["Authorization"], "Bearer tok-2"
        )

    def test_server_errors_and_throttling_are_retryable(self):
        self.peer.reply(503, {"error": "maintenance"})
        with self.assertRaises(errors.RetryableError):
            self.endpoint._request("GET", "x", "corr-5")
        self.peer.reply(429, {"error": "slow down"}, {"Retry-After": "120"})
        with self.assertRaises(errors.RetryableError) as caught:
            self.endpoint._request("GET", "x", "corr-6")
        self.assertEqual(caught.exception.retry_after, 120)

    def test_validation_errors_are_permanent_with_the_peer_message(self):
        self.peer.reply(422, {"error": "weight must be positive"})
        with self.assertRaises(errors.PermanentError) as caught:
            self.endpoint._request("POST", "shipments", "corr-7", json={})
        self.assertIn("weight must be positive", str(caught.exception))
        self.assertEqual(caught.exception.system, "tms")

    def _outbound_flow(self):
        def send_event(model, message):
            response = message.endpoint_id._request(
                "POST", "events", message.correlation_id, json=message.payload
            )
            return response.json()

        self.enterContext(
            patch.object(
                type(self.env["res.partner"]),
                "_logistics_test_send",
                send_event,
                create=True,
            )
        )
        return self.env["logistics.flow"].create(
            {
                "code": "test.outbound",
                "name": "Outbound (test)",
                "direction": "outbound",
                "handler_model": "res.partner",
                "handler_method": "_logistics_test_send",
                "processing_mode": "single",
            }
        )

    def test_outbound_message_sent_then_retried_then_dead(self):
        flow = self._outbound_flow()
        self.peer.reply(200, {"accepted": True})
        with self.jobs():
            message, outcome, _r = self.env["logistics.message"]._send(
                flow.code,
                {"shipment": "S1"},
                endpoint_id=self.endpoint.id,
                correlation_id="corr-out",
            )
        self.assertEqual(outcome, "accepted")
        self.assertRecordValues(
            message, [{"state": "done", "direction": "outbound", "attempts": 1}]
        )
        self.assertTrue(message.sent_at)
        self.assertTrue(message.job_uuid)
        self.assertEqual(message.result, {"accepted": True})
        self.assertEqual(
            self.peer.requests[0]["headers"]["X-Correlation-ID"], "corr-out"
        )
        # A 503 is retried; a 4xx afterwards is permanent, with the TMS's words.
        self.peer.reply(503, {"error": "maintenance"})
        self.peer.reply(400, {"error": "unknown consignee"})
        with self.jobs():
            failing, _o, _r = self.env["logistics.message"]._send(
                flow.code, {"shipment": "S2"}, endpoint_id=self.endpoint.id
            )
        self.assertEqual(failing.state, "failed")
        failing.next_attempt_at = "2000-01-01 00:00:00"
        with self.jobs():
            self.env["logistics.message"]._cron_dispatch_due()
        self.assertEqual(failing.state, "dead")
        self.assertEqual(failing.attempts, 2)
        self.assertIn("unknown consignee", failing.last_error)

    def test_rate_limit_defers_calls(self):
        flow = self._outbound_flow()
        self.endpoint.rate_limit_per_minute = 1
        self.env["logistics.message"].create(
            {
                "direction": "outbound",
                "flow_id": flow.id,
                "endpoint_id": self.endpoint.id,
                "correlation_id": "corr-rl",
                "state": "done",
                "sent_at": fields.Datetime.now(),
            }
        )
        with self.assertRaises(errors.RetryableError) as caught:
            self.endpoint._request("GET", "x", "corr-8")
        self.assertEqual(caught.exception.retry_after, 60)
        self.assertFalse(self.peer.requests)
