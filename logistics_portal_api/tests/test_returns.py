"""Customer returns through the API: asked, checked against what was
delivered, decided by the approval rules, read back, announced by webhook."""

from odoo.tests import tagged

from odoo.addons.logistics_integration_base.models.logistics_endpoint import (
    OUTBOUND_ALLOW_LIST_PARAM,
)

from .common import PortalApiCase


@tagged("post_install", "-at_install")
class TestReturnsApi(PortalApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        endpoint = cls.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_returns", "system": "tms"}
        )
        cls.warehouse = cls.env.ref("stock.warehouse0")
        cls.warehouse.tms_endpoint_id = endpoint
        # The test's webhook receiver is on loopback (see test_shipments_webhooks).
        cls.env["ir.config_parameter"].set_param(OUTBOUND_ALLOW_LIST_PARAM, "127.0.0.1")
        cls.env.company.write(
            {"logistics_return_auto_max_qty": 2, "logistics_return_auto_max_value": 0}
        )

    def ours(self):
        """The returns of this test's customers (the database may hold others)."""
        return [("partner_id", "in", (self.customer | self.other).ids)]

    def delivered_order(self, key=None, reference="PO-R1", quantity=3):
        answer = self.submit(self.order_body(reference, quantity), reference, key=key)
        self.assertEqual(answer.status_code, 201, answer.text)
        order = self.env["sale.order"].search(
            [("name", "=", answer.json()["reference"])]
        )
        picking = order.picking_ids
        picking.action_assign()
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(order.order_line.qty_delivered, quantity)
        return order

    def ask(self, body, idempotency_key="ret-1", key=None):
        return self.call(
            "POST",
            "/returns",
            body,
            key=key,
            headers={"Idempotency-Key": idempotency_key},
        )

    def body(self, order, quantity=1, **extra):
        return {
            "order_reference": order.name,
            "lines": [{"product_code": "KEG30", "quantity": quantity}],
            "reason": "Damaged on arrival",
            **extra,
        }

    def test_return_approved_at_once_with_its_reverse_shipment(self):
        order = self.delivered_order()
        webhooks, _secret = self.env["logistics.customer.webhook"]._subscribe(
            self.customer,
            "http://127.0.0.1:9/events",
            ["return.approved", "return.received"],
        )
        window = {
            "start": "2030-05-08T08:00:00+02:00",
            "end": "2030-05-08T12:00:00+02:00",
        }
        answer = self.ask(self.body(order, 2, pickup_window=window))
        self.assertEqual(answer.status_code, 201, answer.text)
        body = answer.json()
        self.assertEqual(body["status"], "approved")
        self.assertEqual(body["order_reference"], order.name)
        self.assertEqual(body["lines"][0]["quantity"], 2)
        self.assertEqual(body["pickup_window"]["start"], "2030-05-08T06:00:00Z")
        record = self.env["logistics.return"].search([("name", "=", body["reference"])])
        self.assertEqual(record.origin, "api")
        shipment = record.shipment_id
        self.assertEqual(body["shipment"], shipment.name)
        self.assertEqual(shipment.direction, "return")
        self.assertEqual(shipment.status, "released")
        self.assertEqual(shipment.shipper_id, order.partner_shipping_id)
        self.assertEqual(record.picking_ids.picking_type_code, "incoming")
        notified = self.env["logistics.message"].search(
            [
                ("flow_code", "=", "customer.notify"),
                ("endpoint_id", "=", webhooks.endpoint_id.id),
            ]
        )
        self.assertEqual([m.payload["event"] for m in notified], ["return.approved"])
        # The same request again: the first answer, nothing more created.
        again = self.ask(self.body(order, 2, pickup_window=window))
        self.assertEqual(again.status_code, 201)
        self.assertEqual(again.json()["reference"], body["reference"])
        self.assertEqual(self.env["logistics.return"].search_count(self.ours()), 1)
        # Read back, listed; the reverse shipment is the customer's too.
        one = self.call("GET", "/returns/" + body["reference"])
        body.pop("correlation_id", None)  # each answer's own
        self.assertEqual(
            dict(one.json(), correlation_id=None), dict(body, correlation_id=None)
        )
        listed = self.call("GET", "/returns?status=approved").json()
        self.assertEqual([r["reference"] for r in listed["items"]], [body["reference"]])
        self.assertEqual(
            self.call("GET", "/shipments/" + shipment.name).json()["reference"],
            shipment.name,
        )

    def test_quantities_beyond_what_was_delivered_are_refused(self):
        order = self.delivered_order(quantity=3)
        first = self.ask(self.body(order, 3), "ret-a")
        self.assertEqual(first.status_code, 201, first.text)
        self.assertEqual(first.json()["status"], "requested", "above the threshold")
        record = self.env["logistics.return"].search(self.ours())
        self.assertTrue(record.activity_ids, "a manager is asked")
        answer = self.ask(self.body(order, 1), "ret-b")
        self.assertEqual(answer.status_code, 422, answer.text)
        error = answer.json()["error"]
        self.assertEqual(error["code"], "return_rejected")
        self.assertEqual(error["details"][0]["pointer"], "/lines/0/quantity")
        unknown = self.ask(
            dict(self.body(order), lines=[{"product_code": "CRATE24", "quantity": 1}]),
            "ret-c",
        )
        self.assertEqual(unknown.status_code, 422)
        self.assertEqual(
            unknown.json()["error"]["details"][0]["pointer"], "/lines/0/product_code"
        )
        self.assertEqual(self.env["logistics.return"].search_count(self.ours()), 1)

    def test_bad_requests_answer_4xx_and_change_nothing(self):
        order = self.delivered_order()
        missing_key = self.call("POST", "/returns", self.body(order))
        self.assertEqual(missing_key.status_code, 400)
        schema = self.ask(dict(self.body(order), reason=""), "ret-s")
        self.assertEqual(schema.status_code, 422)
        self.assertEqual(schema.json()["error"]["code"], "schema_violation")
        window = {"start": "2030-05-08T12:00:00Z", "end": "2030-05-08T08:00:00Z"}
        backwards = self.ask(self.body(order, pickup_window=window), "ret-w")
        self.assertEqual(backwards.status_code, 422)
        self.assertEqual(
            backwards.json()["error"]["details"][0]["pointer"], "/pickup_window/start"
        )
        self.assertEqual(self.env["logistics.return"].search_count(self.ours()), 0)

    def test_a_customer_sees_and_returns_only_its_own(self):
        order = self.delivered_order()
        theirs = self.ask(self.body(order), "ret-x", key=self.other_key)
        self.assertEqual(theirs.status_code, 422)
        self.assertEqual(
            theirs.json()["error"]["details"][0]["pointer"], "/order_reference"
        )
        mine = self.ask(self.body(order), "ret-y").json()["reference"]
        self.assertEqual(
            self.call("GET", "/returns/" + mine, key=self.other_key).status_code, 404
        )
        self.assertEqual(
            self.call("GET", "/returns", key=self.other_key).json()["items"], []
        )
        read_only = self.env["logistics.api.key"]._issue(
            self.user, ("orders:read",), "read only"
        )[1]
        refused = self.ask(self.body(order), "ret-z", key=read_only)
        self.assertEqual(refused.status_code, 403)

    def test_refused_by_a_manager_the_customer_is_told_why(self):
        order = self.delivered_order()
        webhook, _secret = self.env["logistics.customer.webhook"]._subscribe(
            self.customer, "http://127.0.0.1:9/events", ["return.refused"]
        )
        asked = self.ask(self.body(order, 3), "ret-r")
        self.assertEqual(asked.json()["status"], "requested")
        record = self.env["logistics.return"].search(
            [("name", "=", asked.json()["reference"])]
        )
        record.refusal_reason = "Opened kegs cannot come back."
        record.action_refuse()
        answer = self.call("GET", "/returns/" + record.name).json()
        self.assertEqual(answer["status"], "refused")
        self.assertEqual(answer["refusal_reason"], "Opened kegs cannot come back.")
        self.assertIsNone(answer["shipment"])
        notified = self.env["logistics.message"].search(
            [
                ("flow_code", "=", "customer.notify"),
                ("endpoint_id", "=", webhook.endpoint_id.id),
            ]
        )
        self.assertEqual(
            [(m.payload["event"], m.payload["data"]["status"]) for m in notified],
            [("return.refused", "refused")],
        )
