"""Odoo's own users keep working with the connector installed.

Salespeople without Inventory or Shipments rights read, open and cancel their
orders; stock users without Shipments rights cancel delivery orders. The
shipments follow, without those users reading or writing them.
"""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestOdooUsersKeepWorking(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env, login="odoo-salesman", groups="sales_team.group_sale_salesman"
        )
        cls.sales_manager = new_test_user(
            cls.env, login="odoo-sales-manager", groups="sales_team.group_sale_manager"
        )
        cls.stock_user = new_test_user(
            cls.env, login="odoo-stock-user", groups="stock.group_stock_user"
        )
        cls.customer = cls.env["res.partner"].create({"name": "Brasserie Dupont"})
        cls.product = cls.env["product.product"].create(
            {"name": "Keg 30 l", "is_storable": True, "weight": 36.5}
        )
        cls.endpoint = cls.env["logistics.endpoint"].create(
            {
                "name": "TMS",
                "code": "odoo_users_tms",
                "system": "tms",
                "protocol": "rest",
                "base_url": "https://tms.example.com/api",
                "auth_method": "api_key",
            }
        )

    def _order_with_shipment(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "user_id": self.salesman.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product.id, "product_uom_qty": 2}
                    )
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        shipment = self.env["logistics.shipment"].create(
            {
                "endpoint_id": self.endpoint.id,
                "sale_order_id": order.id,
                "picking_ids": [Command.link(picking.id)],
                "partner_id": self.customer.id,
                "shipper_id": self.env.company.partner_id.id,
                "consignee_id": self.customer.id,
            }
        )
        picking.logistics_shipment_id = shipment
        return order, picking, shipment

    def test_salespeople_read_open_and_cancel_their_orders(self):
        for user in (self.salesman, self.sales_manager):
            with self.subTest(user=user.login):
                order, _picking, shipment = self._order_with_shipment()
                as_user = order.with_user(user)
                values = as_user.read()[0]
                self.assertEqual(values["name"], order.name)
                self.assertNotIn("logistics_shipment_ids", values)
                with self.assertRaises(AccessError):
                    shipment.with_user(user).read(["name"])
                # The form view (with the suite's fields and buttons) opens.
                form = Form(as_user)
                self.assertEqual(form.partner_id, self.customer)
                as_user._action_cancel()
                self.assertEqual(order.state, "cancel")
                self.assertEqual(shipment.status, "cancelled")

    def test_stock_user_cancels_a_delivery_order(self):
        _order, picking, shipment = self._order_with_shipment()
        as_user = picking.with_user(self.stock_user)
        Form(as_user)
        values = as_user.read(["logistics_shipment_id", "logistics_shipment_status"])
        self.assertEqual(values[0]["logistics_shipment_id"][0], shipment.id)
        as_user.action_cancel()
        self.assertEqual(picking.state, "cancel")
        self.assertEqual(shipment.status, "cancelled")
