"""The TMS's pickup (AF) or delivery (D1) validates the delivery order in Odoo,
with Odoo's own backorders, and delivered quantities drive invoicing."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..lib import stock_validation
from .common import ALL_STEPS, TmsCase

STEPS_TO_PICKUP = 4  # TA, CR, X3, AF
ORDERED = 4


@tagged("post_install", "-at_install")
class TestStockValidation(TmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.invoice_policy = "delivery"
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, cls.warehouse.lot_stock_id, 100
        )
        cls.Message = cls.env["logistics.message"]

    def _events(self, shipment):
        """The shipment's events the simulator emitted so far (its feed)."""
        events = self.endpoint._tms_client("corr-feed").events(None, 500)[0]
        return [e for e in events if e["data"]["shipment_id"] == shipment.tms_reference]

    def _receive(self, events):
        with self.jobs():
            return self.env["logistics.shipment"]._tms_receive_events(
                self.endpoint, events
            )

    def _message(self, event):
        return self.Message.search([("external_id", "=", event["event_id"])])

    def _notes(self, shipment, text):
        return shipment.message_ids.filtered(lambda m: text in (m.body or ""))

    def test_on_pickup_the_delivery_order_is_done(self):
        self.warehouse.tms_validation_trigger = stock_validation.ON_PICKUP
        shipment = self.released_shipment()
        picking = shipment.picking_ids
        order = shipment.sale_order_id
        self.run_timeline(shipment, STEPS_TO_PICKUP - 1)
        self.assertEqual(picking.state, "assigned", "not before the pickup")
        self.run_timeline(shipment, 1)
        self.assertEqual(shipment.status, "picked_up")
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.logistics_validated_by, "tms")
        af = self._message(self._events(shipment)[STEPS_TO_PICKUP - 1])
        self.assertEqual(picking.logistics_validation_message_id, af)
        self.assertEqual(af.result["delivery_orders"], {picking.name: "validated"})
        self.assertFalse(picking.backorder_ids)
        self.assertEqual(order.order_line.qty_delivered, ORDERED)
        self.assertEqual(len(self._notes(shipment, "validated on the TMS")), 1)
        # The delivery (D1 validates on pickup too) finds it done: nothing twice.
        self.run_timeline(shipment, ALL_STEPS - STEPS_TO_PICKUP)
        self.assertEqual(shipment.status, "delivered")
        self.assertEqual(order.picking_ids, picking)
        self.assertEqual(order.order_line.qty_delivered, ORDERED)
        self.assertEqual(len(self._notes(shipment, "validated on the TMS")), 1)

    def test_partial_pickup_leaves_a_backorder_with_the_rest(self):
        self.warehouse.tms_validation_trigger = stock_validation.ON_PICKUP
        shipment = self.released_shipment()
        picking = shipment.picking_ids
        self.tms.advance(shipment.tms_reference, STEPS_TO_PICKUP)
        events = self._events(shipment)
        pickup = events[STEPS_TO_PICKUP - 1]
        self.assertEqual(pickup["data"]["status_code"], "PICKUP_DEPARTED")
        pickup["data"]["items"] = [{"product_code": "KEG30", "quantity": 3}]
        self._receive(events)
        self.assertEqual(self._message(pickup).state, "done")
        self.assertTrue(shipment.tms_picked_reported)
        self.assertEqual(shipment.line_ids.picked_quantity, 3)
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.move_ids.quantity, 3)
        backorder = picking.backorder_ids
        self.assertEqual(len(backorder), 1, "Odoo's backorder holds the rest")
        self.assertEqual(backorder.move_ids.product_uom_qty, 1)
        self.assertNotEqual(backorder.state, "done")
        self.assertEqual(shipment.sale_order_id.order_line.qty_delivered, 3)
        notes = self._notes(shipment, "backorder").mapped("body")
        self.assertIn(backorder.name, " ".join(notes))

    def test_on_delivery_done_at_d1_not_at_the_pickup(self):
        # The delivery method's setting wins over the warehouse's.
        self.warehouse.tms_validation_trigger = stock_validation.ON_PICKUP
        carrier = self.env["delivery.carrier"].create(
            {
                "name": "Line haul",
                "product_id": self.env["product.product"]
                .create({"name": "Line haul", "type": "service"})
                .id,
                "tms_validation_trigger": stock_validation.ON_DELIVERY,
            }
        )
        order = self.confirmed_order()
        picking = order.picking_ids
        picking.carrier_id = carrier
        with self.jobs():
            picking.action_logistics_release()
        shipment = picking.logistics_shipment_id
        self.run_timeline(shipment, STEPS_TO_PICKUP)
        self.assertEqual(shipment.status, "picked_up")
        self.assertEqual(picking.state, "assigned", "not at the pickup")
        self.assertEqual(order.order_line.qty_delivered, 0)
        self.run_timeline(shipment, ALL_STEPS - STEPS_TO_PICKUP)
        self.assertEqual(shipment.status, "delivered")
        self.assertEqual(picking.state, "done")
        d1 = self._message(self._events(shipment)[-1])
        self.assertEqual(picking.logistics_validation_message_id, d1)
        self.assertEqual(order.order_line.qty_delivered, ORDERED)

    def test_by_the_warehouse_the_delivery_order_is_left_alone(self):
        self.assertEqual(
            self.warehouse.tms_validation_trigger, stock_validation.BY_WAREHOUSE
        )
        shipment = self.released_shipment()
        self.run_timeline(shipment)
        self.assertEqual(shipment.status, "delivered")
        picking = shipment.picking_ids
        self.assertEqual(picking.state, "assigned")
        self.assertFalse(picking.logistics_validated_by)
        self.assertEqual(shipment.sale_order_id.order_line.qty_delivered, 0)

    def test_validated_by_hand_before_the_pickup(self):
        self.warehouse.tms_validation_trigger = stock_validation.ON_PICKUP
        shipment = self.released_shipment()
        picking = shipment.picking_ids
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.run_timeline(shipment)
        self.assertEqual(shipment.status, "delivered")
        messages = self.Message.search(
            [("flow_code", "=", "tms.event"), ("res_id", "=", shipment.id)]
        )
        self.assertEqual(set(messages.mapped("state")), {"done"}, "no error")
        self.assertEqual(picking.logistics_validated_by, "warehouse")
        self.assertFalse(picking.logistics_validation_message_id)
        self.assertEqual(len(self._notes(shipment, "validated by the warehouse")), 1)
        self.assertFalse(self._notes(shipment, "validated on the TMS"))
        self.assertEqual(shipment.sale_order_id.picking_ids, picking)
        self.assertEqual(shipment.sale_order_id.order_line.qty_delivered, ORDERED)

    def test_repeated_and_late_delivery_events_change_nothing(self):
        self.warehouse.tms_validation_trigger = stock_validation.ON_DELIVERY
        shipment = self.released_shipment()
        self.run_timeline(shipment)
        picking = shipment.picking_ids
        self.assertEqual(picking.state, "done")
        events = self._events(shipment)
        delivered = events[-1]
        # The same event again, and the same delivery under a new event id.
        again = dict(delivered, event_id="EV-LATE-D1", sequence=999)
        [[duplicate, *_rest], [late, *_rest2]] = self._receive([delivered, again])
        self.assertEqual(duplicate, self._message(delivered))
        self.assertEqual(late.state, "done")
        self.assertNotIn("delivery_orders", late.result)
        self.assertEqual(shipment.sale_order_id.picking_ids, picking)
        self.assertEqual(shipment.sale_order_id.order_line.qty_delivered, ORDERED)
        self.assertEqual(len(self._notes(shipment, "validated on the TMS")), 1)

    def test_a_refused_validation_is_the_message_failure_then_replayed(self):
        self.warehouse.tms_validation_trigger = stock_validation.ON_PICKUP
        self.product.tracking = "lot"  # no lot picked: Odoo refuses to validate
        shipment = self.released_shipment()
        picking = shipment.picking_ids
        self.run_timeline(shipment, STEPS_TO_PICKUP)
        af = self._message(self._events(shipment)[STEPS_TO_PICKUP - 1])
        self.assertEqual(af.state, "dead")
        self.assertEqual(af.error_kind, "permanent")
        self.assertEqual(af.error_system, "odoo")
        self.assertIn(picking.name, af.last_error)
        self.assertNotEqual(picking.state, "done")
        self.assertNotIn("AF", shipment.milestone_ids.mapped("code"), "rolled back")
        # The warehouse sorts the lots out and validates; the replay says so.
        self.product.tracking = "none"
        picking.button_validate()
        with self.jobs():
            af.action_replay()
        self.assertIn(af.state, ("done", "stale"))
        self.assertEqual(picking.logistics_validated_by, "warehouse")
        self.assertIn("AF", shipment.milestone_ids.mapped("code"))

    def test_invoice_on_delivered_quantities_after_the_delivery(self):
        self.warehouse.tms_validation_trigger = stock_validation.ON_DELIVERY
        shipment = self.released_shipment()
        order = shipment.sale_order_id
        self.run_timeline(shipment, STEPS_TO_PICKUP)
        with self.assertRaises(UserError):
            order._create_invoices()  # nothing delivered, nothing to invoice
        self.run_timeline(shipment, ALL_STEPS - STEPS_TO_PICKUP)
        self.assertEqual(order.order_line.qty_to_invoice, ORDERED)
        invoice = order._create_invoices()
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.invoice_line_ids.quantity, ORDERED)
        self.assertEqual(order.invoice_status, "invoiced")
