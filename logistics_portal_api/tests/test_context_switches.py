"""A JSON-RPC client cannot put off stock reservation through its context."""

from odoo.tests import new_test_user, tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import PortalApiCase

PASSWORD = "salesman-pw"


@tagged("post_install", "-at_install")
class TestDeferReservationSwitch(PortalApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env,
            login="salesman_ctx",
            password=PASSWORD,
            groups="sales_team.group_sale_salesman,stock.group_stock_user",
        )

    def test_defer_reservation_key_from_a_client_is_ignored(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "user_id": self.salesman.id,
                "order_line": [
                    (0, 0, {"product_id": self.keg.id, "product_uom_qty": 2})
                ],
            }
        )
        self.authenticate(self.salesman.login, PASSWORD)
        with trap_jobs() as trap:
            self.make_jsonrpc_request(
                "/web/dataset/call_kw/sale.order/action_confirm",
                {
                    "model": "sale.order",
                    "method": "action_confirm",
                    "args": [order.ids],
                    "kwargs": {"context": {"logistics_defer_reservation": True}},
                },
            )
        self.assertFalse(
            [j for j in trap.enqueued_jobs if j.method_name == "_job_reserve"]
        )
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.picking_ids.state, "assigned")
        self.assertEqual(order.picking_ids.move_ids.quantity, 2)
