"""Customer returns (RMA): approval rules, Odoo's return picking, the reverse
shipment released to the TMS (the simulator) and received on its delivery."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..lib import customer_returns
from .common import ALL_STEPS, TmsCase

STEPS_TO_PICKUP = 4  # TA, CR, X3, AF
ORDERED = 4


@tagged("post_install", "-at_install")
class TestCustomerReturns(TmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, cls.warehouse.lot_stock_id, 100
        )
        cls.Return = cls.env["logistics.return"]
        cls.env.company.write(
            {
                "logistics_return_auto_max_qty": 2,
                "logistics_return_auto_max_value": 0,
            }
        )

    def delivered_order(self):
        order = self.confirmed_order(ORDERED)
        picking = order.picking_ids
        picking.action_assign()
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(order.order_line.qty_delivered, ORDERED)
        return order

    def request(self, order, quantity, reason="Damaged on arrival"):
        with self.jobs():
            return self.Return._request(
                order, [(0, order.order_line, quantity)], reason, origin="api"
            )

    def test_auto_approved_return_goes_back_through_the_tms(self):
        order = self.delivered_order()
        delivery = order.picking_ids
        customer_return, problems = self.request(order, 2)
        self.assertEqual(problems, [])
        self.assertEqual(customer_return.state, customer_returns.APPROVED)
        self.assertIn("automatically", customer_return.approval_note)
        picking = customer_return.picking_ids
        self.assertEqual(picking.picking_type_code, "incoming")
        self.assertEqual(picking.return_id, delivery, "Odoo's return of the delivery")
        self.assertEqual(picking.move_ids.product_uom_qty, 2)
        self.assertTrue(picking.move_ids.to_refund)
        shipment = customer_return.shipment_id
        self.assertEqual(shipment.direction, "return")
        self.assertEqual(shipment.picking_ids, picking)
        self.assertEqual(shipment.shipper_id, order.partner_shipping_id)
        self.assertEqual(shipment.consignee_id, self.warehouse.partner_id)
        self.assertEqual(shipment.status, "released")
        self.assertTrue(shipment.tms_reference, "released to the TMS")
        release = self.env["logistics.message"].search(
            [("res_model", "=", shipment._name), ("res_id", "=", shipment.id)]
        )
        self.assertEqual(release.flow_code, "shipment.release")
        self.assertEqual(release.payload["shipper"]["name"], self.customer.name)
        self.run_timeline(shipment, STEPS_TO_PICKUP)
        self.assertEqual(shipment.status, "picked_up")
        self.assertEqual(customer_return.state, customer_returns.IN_TRANSIT)
        self.assertEqual(picking.state, "assigned", "not received before D1")
        self.run_timeline(shipment, ALL_STEPS - STEPS_TO_PICKUP)
        self.assertEqual(shipment.status, "delivered")
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.logistics_validated_by, "tms")
        self.assertEqual(customer_return.state, customer_returns.RECEIVED)
        self.assertTrue(customer_return.received_at)
        self.assertEqual(order.order_line.qty_delivered, ORDERED - 2)
        self.assertEqual(order.logistics_return_count, 1)
        action = order.action_view_logistics_returns()
        self.assertEqual(self.Return.search(action["domain"]), customer_return)
        # Received returns lowered the delivered quantity: 2 may still go back.
        self.assertEqual(
            self.Return._returnable_quantities(order)[order.order_line], ORDERED - 2
        )

    def test_quantities_are_checked_against_delivered_and_open_returns(self):
        order = self.delivered_order()
        _first, problems = self.request(order, 2)
        self.assertFalse(problems)
        count = self.Return.search_count([])
        again, problems = self.request(order, 3)
        self.assertFalse(again)
        self.assertEqual(problems[0]["pointer"], "/lines/0/quantity")
        self.assertIn("at most 2", problems[0]["reason"])
        self.assertEqual(self.Return.search_count([]), count, "nothing created")
        undelivered = self.confirmed_order(1)
        nothing, problems = self.request(undelivered, 1)
        self.assertFalse(nothing)
        self.assertIn("at most 0", problems[0]["reason"])

    def test_above_the_threshold_a_manager_approves(self):
        order = self.delivered_order()
        customer_return, _problems = self.request(order, 3)
        self.assertEqual(customer_return.state, customer_returns.REQUESTED)
        self.assertFalse(customer_return.picking_ids)
        self.assertFalse(customer_return.shipment_id)
        activity = customer_return.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("above the threshold", customer_return.approval_note)
        clerk = new_test_user(
            self.env,
            login="returns-clerk",
            groups="logistics_tms_connector.group_tms_user",
        )
        with self.assertRaises(AccessError):
            customer_return.with_user(clerk).action_approve()
        with self.jobs():
            customer_return.action_approve()
        self.assertEqual(customer_return.state, customer_returns.APPROVED)
        self.assertFalse(customer_return.activity_ids)
        self.assertTrue(customer_return.shipment_id.tms_reference)
        with self.assertRaises(UserError):
            customer_return.action_approve()

    def test_refused_with_a_reason_and_cancelled_before_pickup(self):
        order = self.delivered_order()
        refused, _problems = self.request(order, 3)
        with self.assertRaises(UserError):
            refused.action_refuse()  # no reason given
        refused.refusal_reason = "Outside the return period."
        refused.action_refuse()
        self.assertEqual(refused.state, customer_returns.REFUSED)
        self.assertFalse(refused.activity_ids)
        # A refused return holds no quantity: all 4 may be asked again.
        self.assertEqual(self.Return._returnable_quantities(order)[order.order_line], 4)
        cancelled, _problems = self.request(order, 1)
        shipment = cancelled.shipment_id
        with self.jobs():
            cancelled.action_cancel()
        self.assertEqual(cancelled.state, customer_returns.CANCELLED)
        self.assertEqual(shipment.status, "cancelled")
        self.assertEqual(cancelled.picking_ids.state, "cancel")

    def test_warehouse_receiving_by_hand_receives_the_return(self):
        order = self.delivered_order()
        customer_return, _problems = self.request(order, 1)
        picking = customer_return.picking_ids
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(customer_return.state, customer_returns.RECEIVED)
        self.run_timeline(customer_return.shipment_id, ALL_STEPS)
        self.assertEqual(customer_return.shipment_id.status, "delivered")
        self.assertEqual(picking.logistics_validated_by, "warehouse")

    def test_without_a_tms_a_manager_sees_to_it(self):
        order = self.delivered_order()
        self.warehouse.tms_endpoint_id = False
        customer_return, problems = self.request(order, 1)
        self.assertFalse(problems)
        self.assertEqual(customer_return.state, customer_returns.REQUESTED)
        self.assertIn("has no TMS", customer_return.approval_note)
        self.assertTrue(customer_return.activity_ids)
        with self.assertRaises(UserError):
            customer_return.action_approve()
        self.assertEqual(customer_return.state, customer_returns.REQUESTED)
