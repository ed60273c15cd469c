import json
import time

from odoo.tests import HttpCase, tagged

from odoo.addons.logistics_integration_base.lib import signature
from odoo.addons.logistics_integration_base.tests.raw_http import raw_http

from .common import ALL_STEPS, WEBHOOK_SECRET, TmsCase

WEBHOOK_WAIT = 30


@tagged("post_install", "-at_install")
class TestWebhook(TmsCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        cls.simulator_webhook_url = (
            "http://127.0.0.1:%s/logistics/tms/sim_rest/events" % (cls.http_port())
        )
        super().setUpClass()

    def _post(self, body, secret=WEBHOOK_SECRET, timestamp=None):
        raw = json.dumps(body).encode()
        headers = signature.signed_headers(secret, raw, now=timestamp)
        headers["Content-Type"] = "application/json"
        return self.url_open(
            "/logistics/tms/sim_rest/events", data=raw, headers=headers
        )

    def _event(self, event_id="EV-X"):
        return {
            "event_id": event_id,
            "event_type": "shipment.milestone",
            "occurred_at": "2026-11-27T10:00:00Z",
            "sequence": 1,
            "aggregate": {"type": "shipment", "id": "TMS-000999"},
            "data": {"shipment_id": "TMS-000999", "status_code": "IN_TRANSIT"},
        }

    def _messages(self):
        # The simulator's webhooks are served meanwhile on the test cursor's
        # connection: read between two requests, never during one.
        with self.registry.test_lock:
            return self.env["logistics.message"].search_count(
                [("flow_code", "=", "tms.event")]
            )

    def test_signed_webhooks_from_the_simulator_deliver_the_shipment(self):
        shipment = self.released_shipment()
        self.tms.advance(shipment.tms_reference, ALL_STEPS)
        deadline = time.monotonic() + WEBHOOK_WAIT
        while self._messages() < ALL_STEPS and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(self._messages(), ALL_STEPS)
        # The webhook answered at once; the events are applied by the jobs.
        self.assertEqual(shipment.status, "released")
        with self.jobs():
            self.env["logistics.message"]._cron_dispatch_due()
        self.assertEqual(shipment.status, "delivered")
        self.assertEqual(shipment.carrier_id.scac_code, "SPDF")

    def test_accepted_duplicate_and_rejected_in_one_batch(self):
        bad = self._event("EV-BAD")
        del bad["data"]["status_code"]
        response = self._post({"events": [self._event(), self._event(), bad]})
        self.assertEqual(response.status_code, 202)
        statuses = [r["status"] for r in response.json()["results"]]
        self.assertEqual(statuses, ["accepted", "duplicate", "rejected"])
        self.assertIn("/data", response.json()["results"][2]["reason"])

    def test_nul_characters_reject_their_event_only(self):
        bad = self._event("EV-NUL\x00")
        bad["data"]["status_code"] = "IN_\x00TRANSIT"
        response = self._post({"events": [self._event("EV-CLEAN"), bad]})
        self.assertEqual(response.status_code, 202, response.text)
        clean, refused = response.json()["results"]
        self.assertEqual(clean["status"], "accepted")
        self.assertEqual(refused["status"], "rejected")
        self.assertEqual(refused["event_id"], "EV-NUL\ufffd")
        self.assertIn("/payload/data/status_code", refused["reason"])
        self.assertIn("/payload/event_id", refused["reason"])
        with self.registry.test_lock:
            logged = self.env["logistics.message"].search(
                [("flow_code", "=", "tms.event"), ("external_id", "=", "EV-NUL\ufffd")]
            )
            # Logged, cleaned and dead: nothing lost, nothing run.
            self.assertEqual(logged.state, "dead")
            self.assertEqual(logged.payload["data"]["status_code"], "IN_\ufffdTRANSIT")

    def test_bad_signature_is_refused_and_nothing_stored(self):
        response = self._post({"events": [self._event()]}, secret="not-the-secret")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"]["details"]["reason"], "mismatch")
        self.assertEqual(self._messages(), 0)

    def test_expired_timestamp_is_refused_and_nothing_stored(self):
        response = self._post({"events": [self._event()]}, timestamp=time.time() - 3600)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"]["details"]["reason"], "expired")
        self.assertEqual(self._messages(), 0)

    def test_malformed_body_is_refused(self):
        raw = b"{not json"
        headers = signature.signed_headers(WEBHOOK_SECRET, raw)
        response = self.url_open(
            "/logistics/tms/sim_rest/events", data=raw, headers=headers
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._messages(), 0)

    def test_timestamp_of_thousands_of_digits_is_refused(self):
        raw = json.dumps({"events": [self._event()]}).encode()
        timestamp = "9" * 5000
        headers = {
            signature.TIMESTAMP_HEADER: timestamp,
            signature.SIGNATURE_HEADER: signature.sign(WEBHOOK_SECRET, timestamp, raw),
            "Content-Type": "application/json",
        }
        response = self.url_open(
            "/logistics/tms/sim_rest/events", data=raw, headers=headers
        )
        self.assertEqual(response.status_code, 401, response.text)
        self.assertEqual(response.json()["error"]["code"], "invalid_signature")
        self.assertEqual(self._messages(), 0)

    def test_deeply_nested_body_is_malformed(self):
        raw = b"[" * 100000
        headers = signature.signed_headers(WEBHOOK_SECRET, raw)
        response = self.url_open(
            "/logistics/tms/sim_rest/events", data=raw, headers=headers
        )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()["error"]["code"], "malformed_body")
        self.assertEqual(self._messages(), 0)

    def test_nan_and_infinity_are_not_json_numbers(self):
        for number in ("NaN", "Infinity", "-Infinity", "1e999"):
            event = json.dumps(self._event("EV-%s" % number))
            raw = event.replace('"sequence": 1', '"sequence": %s' % number).encode()
            headers = signature.signed_headers(WEBHOOK_SECRET, raw)
            response = self.url_open(
                "/logistics/tms/sim_rest/events", data=raw, headers=headers
            )
            self.assertEqual(response.status_code, 400, response.text)
            self.assertEqual(response.json()["error"]["code"], "malformed_body")
        self.assertEqual(self._messages(), 0)

    def test_body_refused_on_its_length_before_it_is_read(self):
        """5 MiB at most, unauthenticated: the length is checked before reading."""
        for content_type in ("application/json", "application/x-www-form-urlencoded"):
            # A gigabyte announced, a few bytes sent: no waiting for the rest.
            status, _headers, content = raw_http(
                self.http_port(),
                "POST /logistics/tms/sim_rest/events HTTP/1.1\r\nHost: localhost\r\n"
                "Content-Type: %s\r\nContent-Length: 1000000000\r\n"
                "Connection: close" % content_type,
                b"{}",
            )
            self.assertEqual(status, 413, content)
            error = json.loads(content)["error"]
            self.assertEqual(error["code"], "payload_too_large", content_type)
        status, _headers, content = raw_http(
            self.http_port(),
            "POST /logistics/tms/sim_rest/events HTTP/1.1\r\nHost: localhost\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close",
            b"2\r\n{}\r\n0\r\n\r\n",
        )
        self.assertEqual(status, 411, content)
        self.assertEqual(json.loads(content)["error"]["code"], "length_required")
        self.assertEqual(self._messages(), 0)
