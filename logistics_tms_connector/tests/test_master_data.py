"""Master data to a partner: customers' delivery locations and products,
sent over HTTP to the simulator through the message log, only what changed."""

import requests

from odoo.tests import tagged

from .common import API_KEY, TmsCase

FLOW = "tms.master_data"


@tagged("post_install", "-at_install")
class TestMasterData(TmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint.write({"tms_master_data": True, "tms_master_data_batch_size": 2})
        cls.customer.customer_rank = 1
        cls.dock = cls.env["res.partner"].create(
            {
                "name": "Leuze dock 2",
                "type": "delivery",
                "parent_id": cls.customer.id,
                "street": "Zoning 12",
                "city": "Leuze",
                "zip": "7900",
                "country_id": cls.env.ref("base.be").id,
            }
        )
        cls.product.product_tmpl_id.write(
            {"logistics_hazardous": True, "logistics_un_number": "1203"}
        )

    def _stored(self, kind):
        response = requests.get(
            self.tms.api_url + "master-data/" + kind,
            headers={"X-API-Key": API_KEY},
            timeout=5,
        )
        response.raise_for_status()
        return {record["id"]: record for record in response.json()["records"]}

    def _messages(self):
        return self.env["logistics.message"].search(
            [("flow_code", "=", FLOW), ("endpoint_id", "=", self.endpoint.id)]
        )

    def _send(self):
        with self.jobs():
            self.env["logistics.master.data.sent"]._cron_send_master_data()

    def test_locations_and_products_reach_the_partner_once(self):
        self._send()
        messages = self._messages()
        self.assertTrue(messages)
        self.assertEqual(set(messages.mapped("state")), {"done"})
        for message in messages:
            self.assertLessEqual(len(message.payload["records"]), 2, "batches of 2")
            self.assertTrue(message.correlation_id)
        locations = self._stored("locations")
        dock = locations["res.partner/%s" % self.dock.id]
        self.assertEqual(dock["customer"], "res.partner/%s" % self.customer.id)
        self.assertEqual((dock["zip"], dock["country_code"]), ("7900", "BE"))
        self.assertIn("res.partner/%s" % self.customer.id, locations)
        keg = self._stored("products")["product.product/%s" % self.product.id]
        self.assertEqual(
            (keg["sku"], keg["weight_kg"], keg["hazardous"], keg["un_number"]),
            ("KEG30", 36.5, True, "1203"),
        )
        self._send()
        self.assertEqual(self._messages(), messages, "nothing changed: nothing sent")

    def test_only_what_changed_is_sent_again(self):
        self._send()
        before = self._messages()
        self.customer.credit_limit = 5000  # nothing a partner sees
        self.product.weight = 37.0
        self._send()
        new = self._messages() - before
        self.assertEqual(len(new), 1)
        self.assertEqual(
            [r["id"] for r in new.payload["records"]],
            ["product.product/%s" % self.product.id],
        )
        stored = self._stored("products")["product.product/%s" % self.product.id]
        self.assertEqual(stored["weight_kg"], 37.0)

    def test_a_batch_given_up_is_sent_again_by_the_next_run(self):
        self.tms.control("faults", {"status": 422, "count": 50})
        self._send()
        dead = self._messages()
        self.assertEqual(set(dead.mapped("state")), {"dead"})
        self.assertFalse(
            self.env["logistics.master.data.sent"].search(
                [("endpoint_id", "=", self.endpoint.id)]
            ),
            "what the dead messages carried is forgotten",
        )
        self.tms.reset()
        self._send()
        resent = self._messages() - dead
        self.assertEqual(set(resent.mapped("state")), {"done"})
        self.assertIn("product.product/%s" % self.product.id, self._stored("products"))

    def test_only_a_rest_endpoint_takes_master_data(self):
        soap = self._tms_endpoint("sim_soap_md", "soap")
        with self.assertRaisesRegex(Exception, "REST endpoint"):
            soap.tms_master_data = True
