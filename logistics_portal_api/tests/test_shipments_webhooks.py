import base64
import json

from odoo.tests import tagged

from odoo.addons.logistics_integration_base.lib import signature
from odoo.addons.logistics_integration_base.models.logistics_endpoint import (
    OUTBOUND_ALLOW_LIST_PARAM,
)
from odoo.addons.logistics_integration_base.tests.http_peer import HttpPeer

from .common import PortalApiCase


@tagged("post_install", "-at_install")
class TestShipmentsAndWebhooks(PortalApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The test receivers listen on loopback: what an operator with an
        # on-premise receiver does (customer URLs are otherwise public only).
        cls.env["ir.config_parameter"].set_param(OUTBOUND_ALLOW_LIST_PARAM, "127.0.0.1")

    def _shipment(self, customer, status="in_transit", **values):
        endpoint = self.env["logistics.endpoint"].search(
            [("code", "=", "tms_y")]
        ) or self.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_y", "system": "tms"}
        )
        shipment = self.env["logistics.shipment"].create(
            {
                "endpoint_id": endpoint.id,
                "partner_id": customer.id,
                "shipper_id": self.env.company.partner_id.id,
                "consignee_id": customer.id,
                "status": status,
                "tracking_number": "SPDF123456",
                **values,
            }
        )
        for code, hour in (("X3", 8), ("AF", 9), ("X6", 11)):
            self.env["logistics.shipment.milestone"].create(
                {
                    "shipment_id": shipment.id,
                    "code": code,
                    "event_time": "2026-11-27 %02d:00:00" % hour,
                }
            )
        return shipment

    def test_shipment_status_timeline_and_documents(self):
        shipment = self._shipment(self.customer)
        pod = self.env["ir.attachment"].create(
            {
                "name": "POD.pdf",
                "raw": b"%PDF-1.4 pod",
                "mimetype": "application/pdf",
                "res_model": shipment._name,
                "res_id": shipment.id,
                "logistics_portal_kind": "pod",
            }
        )
        answer = self.call("GET", "/shipments/%s" % shipment.name).json()
        self.assertEqual(answer["status"], "in_transit")
        self.assertEqual([m["code"] for m in answer["milestones"]], ["X3", "AF", "X6"])
        self.assertEqual(answer["tracking_number"], "SPDF123456")
        listed = self.call("GET", "/shipments?status=in_transit").json()
        self.assertEqual([s["reference"] for s in listed["items"]], [shipment.name])
        documents = self.call("GET", "/shipments/%s/documents" % shipment.name).json()
        self.assertEqual([d["id"] for d in documents["items"]], [pod.id])
        download = self.call("GET", "/documents/%s" % pod.id)
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download.content, b"%PDF-1.4 pod")

    def test_other_customers_shipments_and_documents_are_invisible(self):
        theirs = self._shipment(self.other)
        pod = self.env["ir.attachment"].create(
            {
                "name": "POD.pdf",
                "raw": b"%PDF",
                "res_model": theirs._name,
                "res_id": theirs.id,
                "logistics_portal_kind": "pod",
            }
        )
        self.assertEqual(
            self.call("GET", "/shipments/%s" % theirs.name).status_code, 404
        )
        self.assertEqual(self.call("GET", "/documents/%s" % pod.id).status_code, 404)
        self.assertEqual(self.call("GET", "/shipments").json()["total"], 0)
        # The record rule holds for the portal user too, not only the controller.
        visible = self.env["logistics.shipment"].with_user(self.user).search([])
        self.assertNotIn(theirs, visible)

    def _subscribe(self, peer, events):
        response = self.call(
            "POST", "/webhooks", {"url": peer.url + "/hooks", "events": events}
        )
        self.assertEqual(response.status_code, 201, response.text)
        return response.json()

    def test_webhook_delivered_signed_retried_then_dead(self):
        with HttpPeer() as peer:
            subscription = self._subscribe(
                peer, ["shipment.status_changed", "shipment.delivered"]
            )
            self.assertTrue(subscription["secret"])
            shipment = self._shipment(self.customer, status="picked_up")
            with self.jobs():
                shipment.status = "in_transit"
            [delivery] = peer.requests
            self.assertEqual(delivery["path"], "/hooks")
            signature.verify(
                [subscription["secret"]],
                delivery["headers"][signature.TIMESTAMP_HEADER],
                delivery["headers"][signature.SIGNATURE_HEADER],
                delivery["body"],
            )
            sent = json.loads(delivery["body"])
            self.assertEqual(sent["event"], "shipment.status_changed")
            self.assertEqual(sent["data"]["status"], "in_transit")
            # The customer's server fails: retried, then dead, then replayable.
            for _attempt in range(5):
                peer.reply(500, {"error": "down"})
            with self.jobs():
                shipment.status = "delivered"
            message = self.env["logistics.message"].search(
                [("flow_code", "=", "customer.notify")], limit=1
            )
            self.assertEqual(message.state, "failed")
            for _retry in range(4):
                self.env["logistics.message"].search([("state", "=", "failed")]).write(
                    {"next_attempt_at": "2000-01-01 00:00:00"}
                )
                with self.jobs():
                    self.env["logistics.message"]._cron_dispatch_due()
            self.assertEqual(message.state, "dead")
            self.assertEqual(message.attempts, 5)
            with self.jobs():
                message.action_replay()
            self.assertEqual(message.state, "done")
            self.assertEqual(
                json.loads(peer.requests[-1]["body"])["event"], "shipment.delivered"
            )

    def test_each_status_change_of_a_chunk_of_events_is_notified(self):
        """Events applied in one chunk: a subscriber hears of every status
        change (the events of its shipments are not folded into one write)."""
        with HttpPeer() as peer:
            self._subscribe(peer, ["shipment.status_changed"])
            shipment = self._shipment(
                self.customer, status="released", tms_reference="TMS-CHUNK-1"
            )
            Shipment = self.env["logistics.shipment"]
            self.assertFalse(Shipment.browse(shipment.id)._tms_chunk_foldable())
            events = [
                {
                    "event_id": "chunk-notify-%s" % n,
                    "event_type": "shipment.milestone",
                    "occurred_at": "2026-11-28T%02d:00:00Z" % (8 + n),
                    "sequence": n,
                    "aggregate": {"type": "shipment", "id": "TMS-CHUNK-1"},
                    "data": {"shipment_id": "TMS-CHUNK-1", "status_code": code},
                }
                for n, code in enumerate(
                    ["TENDER_ACCEPTED", "CARRIER_ASSIGNED", "IN_TRANSIT"]
                )
            ]
            with self.jobs():
                Shipment._tms_receive_events(shipment.endpoint_id, events)
            self.assertEqual(shipment.status, "in_transit")
            notified = [
                json.loads(request["body"])["data"]["status"]
                for request in peer.requests
            ]
            self.assertEqual(notified, ["accepted", "carrier_assigned", "in_transit"])

    def test_webhook_subscriptions_are_listed_and_removed(self):
        with HttpPeer() as peer:
            created = self._subscribe(peer, ["invoice.posted"])
        listed = self.call("GET", "/webhooks").json()["items"]
        self.assertEqual([w["id"] for w in listed], [created["id"]])
        self.assertNotIn("secret", listed[0])
        self.assertEqual(
            self.call("GET", "/webhooks", key=self.other_key).json()["items"], []
        )
        self.assertEqual(
            self.call(
                "DELETE", "/webhooks/%s" % created["id"], key=self.other_key
            ).status_code,
            404,
        )
        self.assertEqual(
            self.call("DELETE", "/webhooks/%s" % created["id"]).status_code, 200
        )
        self.assertEqual(self.call("GET", "/webhooks").json()["items"], [])
        message = self.env["logistics.message"].search(
            [("flow_code", "=", "webhook.subscribe")], limit=1
        )
        self.assertNotIn(created["secret"], json.dumps(message.result))

    def test_bad_webhook_subscription(self):
        response = self.call(
            "POST", "/webhooks", {"url": "ftp://x", "events": ["nope"]}
        )
        self.assertEqual(response.status_code, 422)
        pointers = {d["pointer"] for d in response.json()["error"]["details"]}
        self.assertEqual(pointers, {"/url", "/events/0"})

    def test_openapi_description_is_valid(self):
        from openapi_spec_validator import validate  # noqa: PLC0415 - test tool

        response = self.opener.get(
            self.base_url() + "/api/logistics/v1/openapi.json", timeout=30
        )
        self.assertEqual(response.status_code, 200)
        validate(response.json())
        self.assertIn("/orders", response.json()["paths"])

    def test_invoice_pdf_free_listing(self):
        self.assertEqual(self.call("GET", "/invoices").json()["items"], [])
        self.assertTrue(base64)  # documents are bytes; invoices are listed as JSON
