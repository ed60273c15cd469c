"""EDI over HTTP POST, the third transport: the 204 is POSTed to the EDI
partner simulator (a real process), which POSTs its 997, 990, 214 and 210,
signed, to Odoo's inbound route; Odoo's own 997s are POSTed back."""

import json
import re
import shutil
import tempfile
import time
from pathlib import Path

from odoo.tests import HttpCase, tagged

from odoo.addons.logistics_integration_base.lib import signature
from odoo.addons.logistics_integration_base.tests.raw_http import raw_http

from ..lib import milestones as m
from ..lib import x12
from .common import TmsCase
from .edi_simulator_process import EdiPartner

CODE = "acme_http"
INBOUND_PATH = "/logistics/edi/%s/inbound"
SECRET = "acme-edi-secret"
ANSWER_WAIT = 30
# The carrier's sets, and how many of its interchanges Odoo acknowledges.
ANSWER_SETS = {"x12": 6, "edifact": 5}  # 997 990 214(3) 210; CONTRL IFTSTA(3) INVOIC
ACKNOWLEDGED = {"x12": 3, "edifact": 2}  # all but the 997 / CONTRL


@tagged("post_install", "-at_install")
class TestEdiHttp(TmsCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.carrier_root = tempfile.mkdtemp(prefix="logistics-edi-http-")
        self.addCleanup(shutil.rmtree, self.carrier_root, True)

    def _edi_endpoint(self, url, standard="x12"):
        endpoint = self.env["logistics.endpoint"].create(
            {
                "name": "ACME Freight (X12 over HTTP)",
                "code": CODE,
                "system": "tms",
                "protocol": "rest",
                "base_url": url,
                "auth_method": "hmac",
                "edi_standard": standard,
                "edi_interchange_id": "ODOO",
                "edi_partner_interchange_id": "ACME",
                "edi_scac": "ACME",
                "backoff_schedule": "5,10",
                "max_attempts": 3,
                "read_timeout": 10,
            }
        )
        self.env["logistics.endpoint.secret"].create(
            {"endpoint_id": endpoint.id, "kind": "hmac", "value": SECRET}
        )
        self.warehouse.tms_endpoint_id = endpoint
        return endpoint

    def _carrier(self, standard, **options):
        """The simulator, answering by POST to Odoo's inbound route."""
        inbound = "http://127.0.0.1:%s%s" % (self.http_port(), INBOUND_PATH % CODE)
        return EdiPartner(
            self.carrier_root,
            standard,
            http_port=0,
            post_to=inbound,
            hmac_secret=SECRET,
            **options,
        )

    def _post(self, body, secret=SECRET, code=CODE):
        headers = signature.signed_headers(secret, body)
        headers["Content-Type"] = "application/edi-x12"
        return self.url_open(INBOUND_PATH % code, data=body, headers=headers)

    def _logged(self, endpoint, flow=None):
        # The carrier's requests are served meanwhile on the test cursor's
        # connection: read between two requests, never during one.
        domain = [("endpoint_id", "=", endpoint.id), ("direction", "=", "inbound")]
        if flow:
            domain = [("endpoint_id", "=", endpoint.id), ("flow_code", "=", flow)]
        with self.registry.test_lock:
            return self.env["logistics.message"].search_count(domain)

    def _kept(self):
        with self.registry.test_lock:
            return self.env["ir.attachment"].search(
                [("res_model", "=", "logistics.message"), ("name", "=like", "http-%")]
            )

    def _release_message(self, shipment):
        return self.env["logistics.message"].search(
            [
                ("res_model", "=", shipment._name),
                ("res_id", "=", shipment.id),
                ("flow_code", "=", "shipment.release"),
            ]
        )

    def _delivered_over_http(self, standard="x12"):
        """Release a shipment to the carrier and apply all it POSTs back."""
        with self._carrier(standard) as carrier:
            endpoint = self._edi_endpoint(carrier.url, standard)
            # The carrier's answers wait for the release's job to end.
            with self.registry.test_lock, self.jobs():
                order = self.confirmed_order()
                order.picking_ids.action_logistics_release()
            shipment = order.picking_ids.logistics_shipment_id
            deadline = time.monotonic() + ANSWER_WAIT
            while (
                self._logged(endpoint, "edi.acknowledgement.send")
                < ACKNOWLEDGED[standard]
                or self._logged(endpoint) < ANSWER_SETS[standard]
            ) and time.monotonic() < deadline:
                time.sleep(0.2)
            self.assertEqual(self._logged(endpoint), ANSWER_SETS[standard])
            # Logged at once; applied, and acknowledged to the carrier, by jobs.
            self.assertEqual(shipment.status, "released")
            with self.registry.test_lock, self.jobs():
                self.env["logistics.message"]._cron_dispatch_due()
        return endpoint, shipment

    def test_x12_over_http_to_delivered(self):
        endpoint, shipment = self._delivered_over_http()
        release = self._release_message(shipment)
        self.assertEqual(release.state, "done")
        self.assertEqual(release.result["http_status"], 202)
        self.assertEqual(release.result["control_number"], 1)
        tender = self.env["ir.attachment"].search(
            [("res_model", "=", release._name), ("res_id", "=", release.id)]
        )
        self.assertIn(b"ISA*00*", tender.raw)
        self.assertEqual(shipment.status, m.STATUS_DELIVERED)
        self.assertEqual(shipment.tms_reference, "ACME-%s" % shipment.name)
        self.assertEqual(
            shipment.milestone_ids.mapped("code"), [m.TENDER_ACCEPTED, "AF", "X1", "D1"]
        )
        self.assertEqual(release.edi_acknowledgement, "accepted", "the 997")
        # Each interchange POSTed is kept on its first message, as a file is.
        self.assertEqual(len(self._kept()), 4)
        sent = self.env["logistics.message"].search(
            [
                ("flow_code", "=", "edi.acknowledgement.send"),
                ("endpoint_id", "=", endpoint.id),
            ]
        )
        self.assertEqual(set(sent.mapped("state")), {"done"})
        self.assertEqual({s.result["http_status"] for s in sent}, {202})
        # The carrier took the 204 and Odoo's three 997s; it wrote no file.
        root = Path(self.carrier_root)
        taken = [path.read_text() for path in (root / "archive").iterdir()]
        self.assertEqual(
            sorted(re.search(r"ST\*(\d{3})\*", text)[1] for text in taken),
            ["204", "997", "997", "997"],
        )
        self.assertEqual(list((root / "from_partner").iterdir()), [])

    def test_edifact_over_http_to_delivered(self):
        _endpoint, shipment = self._delivered_over_http("edifact")
        release = self._release_message(shipment)
        self.assertEqual(release.result["http_status"], 202)
        self.assertEqual(shipment.status, m.STATUS_DELIVERED)
        self.assertEqual(release.edi_acknowledgement, "accepted", "the CONTRL")
        taken = (Path(self.carrier_root) / "archive").iterdir()
        self.assertEqual(
            sorted(re.search(r"UNH\+1\+(\w+):", p.read_text())[1] for p in taken),
            ["CONTRL", "CONTRL", "IFTMIN"],
            "the IFTMIN and Odoo's CONTRL of the IFTSTA and the INVOIC",
        )

    def test_the_same_interchange_posted_twice_is_applied_once(self):
        endpoint, shipment = self._delivered_over_http()
        status = next(a for a in self._kept() if b"ST*214*" in a.raw)
        response = self._post(status.raw)
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(
            [r["status"] for r in response.json()["results"]], ["duplicate"] * 3
        )
        self.assertEqual(self._logged(endpoint), ANSWER_SETS["x12"])
        self.assertEqual(len(self._kept()), 4, "kept once")
        self.assertEqual(self._logged(endpoint, "edi.acknowledgement.send"), 3)
        self.assertEqual(
            len(shipment.milestone_ids.filtered(lambda x: x.code == "D1")), 1
        )

    def test_bad_signature_is_refused_and_nothing_logged(self):
        endpoint = self._edi_endpoint("http://127.0.0.1:9/")
        response = self._post(b"ISA*00*anything~", secret="not-the-secret")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"]["code"], "invalid_signature")
        self.assertEqual(response.json()["error"]["details"]["reason"], "mismatch")
        self.assertEqual(self._logged(endpoint), 0)

    def test_a_body_that_is_no_interchange_is_refused_and_nothing_logged(self):
        endpoint = self._edi_endpoint("http://127.0.0.1:9/")
        for body in (b"hello", b" \r\n", b"ISA*\xff\xfe"):
            response = self._post(body)
            self.assertEqual(response.status_code, 400, response.text)
            error = response.json()["error"]
            self.assertEqual(error["code"], "malformed_interchange")
            self.assertTrue(response.json()["correlation_id"])
        self.assertEqual(self._logged(endpoint), 0)
        self.assertFalse(self._kept())

    def test_an_interchange_failing_halfway_logs_nothing(self):
        endpoint = self._edi_endpoint("http://127.0.0.1:9/")
        status = x12.Transaction(
            "214",
            "0001",
            [
                ["B10", "SHP-1", "ACME-7", "ACME"],
                ["AT7", "D1", "NS", "", "", "20261130", "1000", "UT"],
            ],
        )
        invoice = x12.Transaction(  # names no shipment: neither N9 nor B303
            "210",
            "0002",
            [
                ["B3", "", "INV-1", "", "PP", "", "20261130", "1000"],
                ["L1", "1", "", "", "1000", "", "", "", "400"],
            ],
        )
        group = x12.Group("GF", "ACME", "ODOO", 31, transactions=[status, invoice])
        text = x12.serialize(
            x12.Interchange(
                "02", "ACME", "ZZ", "ODOO", 31, "261130", "0930", groups=[group]
            )
        )
        response = self._post(text.encode())
        self.assertEqual(response.status_code, 400, response.text)
        self.assertIn("names no shipment", response.json()["error"]["message"])
        self.assertEqual(self._logged(endpoint), 0, "not even the 214's event")
        self.assertFalse(self._kept())

    def test_only_an_edi_over_http_endpoint_takes_interchanges(self):
        self._edi_endpoint("http://127.0.0.1:9/")
        response = self._post(b"ISA", code="sim_rest")  # REST, not EDI
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["error"]["code"], "unknown_endpoint")

    def test_a_body_is_refused_on_its_length_before_it_is_read(self):
        endpoint = self._edi_endpoint("http://127.0.0.1:9/")
        self.assertTrue(endpoint.edi_inbound_url.endswith(INBOUND_PATH % CODE))
        for content_type in (
            "application/edi-x12",
            "application/x-www-form-urlencoded",
        ):
            # A gigabyte announced, a few bytes sent: no waiting for the rest.
            status, _headers, content = raw_http(
                self.http_port(),
                "POST %s HTTP/1.1\r\nHost: localhost\r\n"
                "Content-Type: %s\r\nContent-Length: 1000000000\r\n"
                "Connection: close" % (INBOUND_PATH % CODE, content_type),
                b"ISA",
            )
            self.assertEqual(status, 413, content)
            error = json.loads(content)["error"]
            self.assertEqual(error["code"], "payload_too_large", content_type)
        self.assertEqual(self._logged(endpoint), 0)

    def test_edi_over_http_needs_a_base_url(self):
        with self.assertRaisesRegex(Exception, "needs a base URL"):
            self._edi_endpoint(False)
