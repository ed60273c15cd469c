from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import PortalApiCase


@tagged("post_install", "-at_install")
class TestOrders(PortalApiCase):
    def test_accepted_order_priced_taxed_and_confirmed(self):
        headers_key = "k-accept"
        response = self.submit(self.order_body(), headers_key)
        self.assertEqual(response.status_code, 201, response.text)
        answer = response.json()
        self.assertEqual(answer["status"], "accepted")
        self.assertEqual(answer["lines"][0]["unit_price"], 72.0, "from the pricelist")
        self.assertEqual(answer["lines"][0]["taxes"], ["VAT 21%"])
        self.assertAlmostEqual(answer["amount_untaxed"], 216.0)
        self.assertAlmostEqual(answer["amount_total"], 261.36)
        self.assertTrue(answer["correlation_id"])
        order = self.env["sale.order"].search([("name", "=", answer["reference"])])
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.partner_id, self.customer)
        self.assertEqual(order.logistics_correlation_id, answer["correlation_id"])
        message = self.env["logistics.message"].search(
            [("flow_code", "=", "order.submit"), ("res_id", "=", order.id)]
        )
        self.assertEqual(message.state, "done")
        self.assertEqual(message.partner_id, self.customer)
        # The same key again: the same answer, nothing created twice.
        before = self.count_orders()
        again = self.submit(self.order_body(), headers_key)
        self.assertEqual(again.status_code, 201)
        self.assertEqual(again.json()["reference"], answer["reference"])
        self.assertEqual(self.count_orders(), before)
        # The same key with another body is a conflict.
        conflict = self.submit(self.order_body(quantity=4), headers_key)
        self.assertEqual(conflict.status_code, 409)
        self.assertEqual(conflict.json()["error"]["code"], "idempotency_conflict")
        self.assertEqual(self.count_orders(), before)

    def test_stock_reserved_by_a_job_after_the_answer(self):
        """Concurrent orders of one product never conflict on its quants."""
        with trap_jobs() as trap:
            response = self.submit(self.order_body(), "k-reserve")
            self.assertEqual(response.status_code, 201, response.text)
        order = self.env["sale.order"].search(
            [("name", "=", response.json()["reference"])]
        )
        self.assertEqual(order.state, "sale")
        moves = order.picking_ids.move_ids
        self.assertEqual(moves.mapped("state"), ["confirmed"])
        # One job, run here as the runner would (the request's cursor is closed).
        [job] = [j for j in trap.enqueued_jobs if j.method_name == "_job_reserve"]
        self.assertEqual(job.recordset.ids, moves.ids)
        self.assertEqual(job.channel, "root.logistics.order_reservation")
        moves._job_reserve()
        self.assertEqual(order.picking_ids.state, "assigned")
        self.assertEqual(order.picking_ids.move_ids.quantity, 3)
        # An order confirmed in Odoo reserves at once, as it always did.
        backend = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    (0, 0, {"product_id": self.keg.id, "product_uom_qty": 2})
                ],
            }
        )
        backend.action_confirm()
        self.assertEqual(backend.picking_ids.state, "assigned")
        # A customer who holds short orders reserves in the request: two
        # concurrent orders of the last units collide there, and the second,
        # replayed, sees the first.
        self.customer.portal_shortage_policy = "hold"
        with trap_jobs() as trap:
            response = self.submit(self.order_body(reference="PO-H"), "k-hold-now")
            self.assertEqual(response.json()["status"], "accepted")
        self.assertFalse(
            [j for j in trap.enqueued_jobs if j.method_name == "_job_reserve"]
        )
        reserved_now = self.env["sale.order"].search(
            [("name", "=", response.json()["reference"])]
        )
        self.assertEqual(reserved_now.picking_ids.state, "assigned")

    def test_credit_limit_holds_the_order_for_review(self):
        self.customer.credit_limit = 100.0
        response = self.submit(self.order_body(), "k-held")
        self.assertEqual(response.status_code, 201, response.text)
        answer = response.json()
        self.assertEqual(answer["status"], "held")
        self.assertIn("Credit limit exceeded", answer["reasons"][0]["reason"])
        order = self.env["sale.order"].search([("name", "=", answer["reference"])])
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.activity_ids.summary, "Order held for review")

    def test_unknown_product_rejected_and_nothing_created(self):
        before = self.count_orders()
        response = self.submit(self.order_body(code="NOPE"), "k-unknown")
        self.assertEqual(response.status_code, 422)
        error = response.json()["error"]
        self.assertEqual(error["code"], "order_rejected")
        self.assertEqual(error["details"][0]["pointer"], "/lines/0/product_code")
        self.assertEqual(self.count_orders(), before)

    def test_other_customers_address_rejected(self):
        foreign = self.env["res.partner"].create(
            {"name": "Rival depot", "parent_id": self.other.id, "type": "delivery"}
        )
        partners_before = self.env["res.partner"].search_count([])
        response = self.submit(
            self.order_body(delivery_address={"contact_id": foreign.id}), "k-wrong"
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            response.json()["error"]["details"][0]["pointer"],
            "/delivery_address/contact_id",
        )
        self.assertEqual(self.env["res.partner"].search_count([]), partners_before)

    def test_shortage_backordered_or_held_by_policy(self):
        response = self.submit(self.order_body(code="CRATE24"), "k-back")
        self.assertEqual(response.json()["status"], "accepted")
        self.assertEqual(response.json()["backordered_lines"], [0])
        self.customer.portal_shortage_policy = "hold"
        held = self.submit(self.order_body(reference="PO-2", code="CRATE24"), "k-hold")
        self.assertEqual(held.json()["status"], "held")
        self.assertEqual(held.json()["reasons"][0]["pointer"], "/lines/0/quantity")

    def test_new_delivery_address_and_preferences(self):
        body = self.order_body(
            delivery_address={
                "name": "Dupont depot",
                "street": "Quai 1",
                "city": "Ath",
                "zip": "7800",
                "country_code": "BE",
            },
            requested_delivery={
                "start": "2030-01-10T08:00:00+01:00",
                "end": "2030-01-10T12:00:00+01:00",
            },
            notes="Ring twice",
        )
        answer = self.submit(body, "k-addr").json()
        order = self.env["sale.order"].search([("name", "=", answer["reference"])])
        self.assertEqual(order.partner_shipping_id.parent_id, self.customer)
        self.assertEqual(order.partner_shipping_id.city, "Ath")
        self.assertEqual(str(order.commitment_date), "2030-01-10 11:00:00")
        self.assertEqual(order.portal_notes, "Ring twice")

    def test_amendment_before_release_then_409_after(self):
        self.customer.credit_limit = 100.0  # held: still a quotation
        reference = self.submit(self.order_body(), "k-amend").json()["reference"]
        response = self.call(
            "PATCH",
            "/orders/%s" % reference,
            {"lines": [{"product_code": "KEG30", "quantity": 1}], "notes": "Less"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["lines"][0]["quantity"], 1)
        order = self.env["sale.order"].search([("name", "=", reference)])
        self.env["logistics.shipment"].create(
            {
                "endpoint_id": self.env["logistics.endpoint"]
                .create({"name": "TMS", "code": "tms_x", "system": "tms"})
                .id,
                "sale_order_id": order.id,
                "partner_id": self.customer.id,
                "shipper_id": self.env.company.partner_id.id,
                "consignee_id": self.customer.id,
                "status": "released",
            }
        )
        late = self.call("PATCH", "/orders/%s" % reference, {"notes": "Too late"})
        self.assertEqual(late.status_code, 409)
        self.assertEqual(late.json()["error"]["code"], "order_released")
        self.assertEqual(order.portal_notes, "Less")
        cancel = self.call("POST", "/orders/%s/cancel" % reference, {})
        self.assertEqual(cancel.status_code, 409)

    def test_cancel_before_release(self):
        self.customer.credit_limit = 100.0
        reference = self.submit(self.order_body(), "k-cancel").json()["reference"]
        response = self.call("POST", "/orders/%s/cancel" % reference, {})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["state"], "cancel")

    def test_list_and_read_only_own_orders(self):
        mine = self.submit(self.order_body(), "k-list").json()["reference"]
        theirs = self.submit(
            self.order_body(reference="R-1"), "k-rival", key=self.other_key
        )
        listed = self.call("GET", "/orders?limit=10").json()
        self.assertEqual([o["reference"] for o in listed["items"]], [mine])
        self.assertEqual(listed["total"], 1)
        other = self.call("GET", "/orders/%s" % theirs.json()["reference"])
        self.assertEqual(other.status_code, 404)
        self.assertEqual(self.call("GET", "/orders/%s" % mine).status_code, 200)
