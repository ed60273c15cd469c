"""The return form on the customer's order page: the same request as the API."""

import re

from odoo.tests import tagged

from .common import PortalApiCase

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestReturnPortalForm(PortalApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        endpoint = cls.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_portal_returns", "system": "tms"}
        )
        cls.env.ref("stock.warehouse0").tms_endpoint_id = endpoint
        cls.env.company.write(
            {"logistics_return_auto_max_qty": 0, "logistics_return_auto_max_value": 0}
        )

    def ours(self):
        """The returns of this test's customers (the database may hold others)."""
        return [("partner_id", "in", (self.customer | self.other).ids)]

    def delivered_order(self, key=None, reference="PO-P1"):
        answer = self.submit(self.order_body(reference, 3), reference, key=key)
        self.assertEqual(answer.status_code, 201, answer.text)
        order = self.env["sale.order"].search(
            [("name", "=", answer.json()["reference"])]
        )
        picking = order.picking_ids
        picking.action_assign()
        picking.move_ids.picked = True
        picking.button_validate()
        return order

    def form(self, order):
        page = self.url_open("/my/orders/%s" % order.id)
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_logistics_return_form", page.text)
        return CSRF.search(page.text)[1], FORM_TOKEN.search(page.text)[1]

    def post(self, order, data):
        return self.url_open(
            "/my/orders/%s/return" % order.id, data=data, allow_redirects=False
        )

    def test_customer_asks_for_a_return_in_the_portal(self):
        order = self.delivered_order()
        line = order.order_line
        self.authenticate(self.user.login, self.user.login)
        csrf, token = self.form(order)
        data = {
            "csrf_token": csrf,
            "form_token": token,
            "qty_%s" % line.id: "2",
            "reason": "Wrong beer",
            "pickup_start": "2030-05-08T08:00",
            "pickup_end": "2030-05-08T12:00",
        }
        answer = self.post(order, data)
        self.assertEqual(answer.status_code, 303)
        self.assertIn("return_requested=", answer.headers["Location"])
        customer_return = self.env["logistics.return"].search(
            [("sale_order_id", "=", order.id)]
        )
        self.assertEqual(customer_return.origin, "portal")
        self.assertEqual(customer_return.state, "requested", "a manager approves")
        self.assertEqual(customer_return.line_ids.quantity, 2)
        self.assertEqual(customer_return.reason, "Wrong beer")
        self.assertTrue(customer_return.pickup_start)
        message = self.env["logistics.message"].search(
            [
                ("res_model", "=", "logistics.return"),
                ("res_id", "=", customer_return.id),
            ]
        )
        self.assertEqual(message.flow_code, "return.request")
        # The same form sent twice (a double click) asks once.
        self.post(order, data)
        self.assertEqual(
            self.env["logistics.return"].search_count(
                [("sale_order_id", "=", order.id)]
            ),
            1,
        )
        page = self.url_open("/my/orders/%s" % order.id).text
        self.assertIn(customer_return.name, page)

    def test_too_much_or_nothing_is_refused_and_nothing_made(self):
        order = self.delivered_order()
        line = order.order_line
        self.authenticate(self.user.login, self.user.login)
        csrf, token = self.form(order)
        too_much = self.post(
            order,
            {
                "csrf_token": csrf,
                "form_token": token,
                "qty_%s" % line.id: "4",
                "reason": "Too many",
            },
        )
        self.assertIn("return_error=", too_much.headers["Location"])
        nothing = self.post(
            order, {"csrf_token": csrf, "form_token": token + "x", "reason": "None"}
        )
        self.assertIn("return_error=", nothing.headers["Location"])
        self.assertFalse(self.env["logistics.return"].search(self.ours()))

    def test_another_customer_cannot_use_the_form(self):
        order = self.delivered_order()
        theirs = self.delivered_order(key=self.other_key, reference="PO-THEIRS")
        self.authenticate(self.other_user.login, self.other_user.login)
        page = self.url_open("/my/orders/%s" % order.id)
        self.assertNotIn("o_logistics_return_form", page.text)
        csrf, token = self.form(theirs)  # a valid session token of theirs
        answer = self.post(
            order,
            {
                "qty_%s" % order.order_line.id: "1",
                "reason": "Not mine",
                "csrf_token": csrf,
                "form_token": token,
            },
        )
        self.assertEqual(answer.status_code, 303)
        self.assertTrue(answer.headers["Location"].endswith("/my"))
        self.assertFalse(self.env["logistics.return"].search(self.ours()))
