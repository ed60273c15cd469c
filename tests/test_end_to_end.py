"""One order through every system of the suite, under one correlation ID.

Portal API (real HTTP) → acceptance → release to the TMS simulator (real HTTP)
→ milestones → delivery with proof → freight charges → reconciliation →
carrier bill and customer invoice → the portal API shows the end of it.
"""

import json

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.logistics_tms_connector.tests.common import ALL_STEPS, TmsCase

CHARGES_STEP = 1
API = "/api/logistics/v1"
SCOPES = (
    "orders:write",
    "orders:read",
    "shipments:read",
    "documents:read",
    "invoices:read",
)


@tagged("post_install", "-at_install")
class TestEndToEnd(TmsCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse.tms_release_trigger = "order_confirmed"
        cls.customer.freight_terms = "prepaid_and_add"
        portal_user = new_test_user(
            cls.env, login="dupont-api", groups="base.group_portal", name="Dupont API"
        )
        portal_user.partner_id.parent_id = cls.customer
        _key, cls.api_key = cls.env["logistics.api.key"]._issue(
            portal_user, SCOPES, "Dupont ERP"
        )
        # The simulator bills in EUR.
        eur = cls.env.ref("base.EUR")
        eur.active = True
        if eur != cls.env.company.currency_id:
            cls.env["res.currency.rate"].create(
                {
                    "currency_id": eur.id,
                    "name": "2020-01-01",
                    "rate": 0.9,
                    "company_id": cls.env.company.id,
                }
            )
        expense = cls.env["account.account"].create(
            {"name": "Freight costs", "code": "604950", "account_type": "expense"}
        )
        for charge_type in cls.env["logistics.freight.charge.type"].search([]):
            charge_type.expense_account_id = expense

    def setUp(self):
        super().setUp()
        self.tms.control("scenario", {"charges_event": True})

    def api(self, method, path, body=None, headers=None):
        all_headers = {"X-API-Key": self.api_key, **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        return self.opener.request(
            method,
            self.base_url() + API + path,
            data=data,
            headers=all_headers,
            timeout=30,
        )

    def test_one_order_from_portal_to_invoice(self):
        # 1. The customer's system places the order: accepted at once.
        response = self.api(
            "POST",
            "/orders",
            {
                "customer_reference": "PO-E2E",
                "lines": [{"product_code": "KEG30", "quantity": 4}],
            },
            headers={"Idempotency-Key": "e2e-1"},
        )
        self.assertEqual(response.status_code, 201, response.text)
        answer = response.json()
        self.assertEqual(answer["status"], "accepted")
        correlation_id = answer["correlation_id"]
        order = self.env["sale.order"].search([("name", "=", answer["reference"])])
        shipment = order.logistics_shipment_ids
        self.assertEqual(shipment.correlation_id, correlation_id)
        # 2. The release job sends it to the TMS.
        with self.jobs():
            self.env["logistics.message"]._cron_dispatch_due()
        self.assertTrue(shipment.tms_reference)
        # 3. Milestones, delivery with proof, then the freight charges.
        self.run_timeline(shipment, ALL_STEPS + CHARGES_STEP)
        self.assertEqual(shipment.status, "delivered")
        self.assertTrue(shipment.pod_attachment_id)
        charges = shipment.freight_charge_ids
        self.assertTrue(charges)
        self.assertEqual(set(charges.mapped("state")), {"approved"})
        # 4. Settlement: the carrier's bill, the customer's freight invoice.
        with self.jobs():
            self.env["logistics.freight.settlement"]._cron_settle()
        bill, invoice = charges.vendor_bill_id, charges.customer_invoice_id
        self.assertEqual(bill.move_type, "in_invoice")
        self.assertEqual(bill.partner_id, shipment.carrier_id)
        self.assertEqual(invoice.move_type, "out_invoice")
        with self.jobs():
            bill.invoice_date = bill.invoice_date or bill.date
            (bill | invoice).action_post()
        # 5. Everything happened under the order's correlation ID.
        flows = set(
            self.env["logistics.message"]
            .search([("correlation_id", "=", correlation_id)])
            .mapped("flow_code")
        )
        self.assertGreaterEqual(
            flows,
            {
                "order.submit",
                "shipment.release",
                "tms.event",
                "freight.charge",
                "freight.invoice_ref",
            },
        )
        trace = self.env["logistics.trace"].search(
            [("correlation_id", "=", correlation_id)]
        )
        self.assertIn("message", trace.mapped("kind"))
        # 6. The portal API tells the end of the story.
        seen = self.api("GET", "/shipments/%s" % shipment.name).json()
        self.assertEqual(seen["status"], "delivered")
        self.assertEqual(seen["milestones"][-1]["code"], "D1")
        documents = self.api("GET", "/shipments/%s/documents" % shipment.name).json()
        self.assertIn(
            shipment.pod_attachment_id.id, [d["id"] for d in documents["items"]]
        )
        pod = self.api("GET", "/documents/%s" % shipment.pod_attachment_id.id)
        self.assertTrue(pod.content.startswith(b"%PDF"))
        invoices = self.api("GET", "/invoices").json()["items"]
        self.assertIn(invoice.name, [i["number"] for i in invoices])
        final = self.api("GET", "/orders/%s" % order.name).json()
        self.assertIn(shipment.name, final["shipments"])
