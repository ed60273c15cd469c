"""A refused or returned delivery (A7, A3) brings the goods back in a return
picking made with Odoo's return logic; its receipt credits the customer as the
credit policy says, with Odoo's own sale refund logic."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..lib import returns, stock_validation
from .common import ALL_STEPS, TmsCase

ORDERED = 4
PRICE = 80


@tagged("post_install", "-at_install")
class TestReturns(TmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.invoice_policy = "delivery"
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, cls.warehouse.lot_stock_id, 100
        )
        cls.warehouse.tms_validation_trigger = stock_validation.ON_PICKUP
        cls.Message = cls.env["logistics.message"]

    def setUp(self):
        super().setUp()
        self.tms.control("scenario", {"outcome": "refused", "auto_advance": False})

    def _events(self, shipment):
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

    def _refused(self, invoiced=False):
        """A shipment picked up (delivery order done), optionally invoiced,
        then refused by the consignee."""
        shipment = self.released_shipment()
        self.run_timeline(shipment, ALL_STEPS - 1)
        order = shipment.sale_order_id
        self.assertEqual(order.order_line.qty_delivered, ORDERED)
        if invoiced:
            invoice = order._create_invoices()
            invoice.action_post()
        self.run_timeline(shipment, 1)
        self.assertEqual(shipment.milestone_ids[-1].code, "A7")
        return shipment

    def _receive_return(self, shipment):
        return_picking = shipment.return_picking_ids
        self.assertEqual(len(return_picking), 1)
        return_picking.button_validate()
        self.assertEqual(return_picking.state, "done")
        return return_picking

    def test_refused_gives_a_return_picking_with_the_delivered_quantities(self):
        shipment = self._refused()
        self.assertEqual(shipment.status, "exception")
        self.assertEqual(shipment.exception_type, "refused")
        delivery = shipment.picking_ids
        self.assertEqual(delivery.state, "done")
        return_picking = shipment.return_picking_ids
        self.assertEqual(len(return_picking), 1)
        self.assertEqual(return_picking.picking_type_code, "incoming")
        self.assertEqual(
            return_picking.picking_type_id,
            self.warehouse.out_type_id.return_picking_type_id,
        )
        self.assertEqual(return_picking.return_id, delivery, "Odoo's return")
        self.assertEqual(return_picking.location_dest_id, self.warehouse.lot_stock_id)
        move = return_picking.move_ids
        self.assertEqual(move.product_uom_qty, ORDERED)
        self.assertEqual(move.origin_returned_move_id, delivery.move_ids)
        self.assertTrue(move.to_refund, "the return lowers the delivered quantity")
        self.assertEqual(move.sale_line_id, shipment.sale_order_id.order_line)
        self.assertNotEqual(return_picking.state, "done", "the warehouse receives it")
        a7 = self._message(self._events(shipment)[-1])
        self.assertEqual(
            a7.result["return_pickings"], {return_picking.name: delivery.name}
        )
        self.assertEqual(return_picking.logistics_return_message_id, a7)
        self.assertEqual(shipment.return_picking_count, 1)
        self.assertEqual(
            len(self._notes(shipment, "to be received by the warehouse")), 1
        )
        audit = self.env["logistics.audit.log"].search(
            [("action", "=", "return_created"), ("message_id", "=", a7.id)]
        )
        self.assertEqual(len(audit), 1)
        self.assertEqual(audit.res_id, shipment.id)
        self.assertIn(return_picking.name, audit.details)

    def test_attempted_then_returned_to_the_shipper(self):
        # The simulator's "returned" outcome: AH (attempted), then A3.
        self.tms.control("scenario", {"outcome": "returned", "auto_advance": False})
        shipment = self.released_shipment()
        self.run_timeline(shipment, ALL_STEPS)
        self.assertEqual(shipment.milestone_ids[-1].code, "AH")
        self.assertEqual(shipment.exception_type, "failed_delivery")
        self.assertFalse(shipment.return_picking_ids, "an attempt returns nothing")
        self.run_timeline(shipment, 1)
        self.assertEqual(shipment.milestone_ids[-1].code, "A3")
        self.assertEqual(shipment.exception_type, "returned")
        return_picking = shipment.return_picking_ids
        self.assertEqual(return_picking.move_ids.product_uom_qty, ORDERED)
        self.assertEqual(return_picking.return_id, shipment.picking_ids)
        action = shipment.action_view_return_pickings()
        self.assertEqual(action["res_id"], return_picking.id)

    def test_a_repeated_event_creates_nothing_twice(self):
        shipment = self._refused()
        return_picking = shipment.return_picking_ids
        refused = self._events(shipment)[-1]
        # The same event, the same refusal under a new id, then the return A3.
        again = dict(refused, event_id="EV-A7-AGAIN", sequence=900)
        returned = {
            **refused,
            "event_id": "EV-A3",
            "sequence": 901,
            "data": dict(refused["data"], status_code="RETURNED"),
        }
        [[duplicate, *_r1], [second, *_r2], [a3, *_r3]] = self._receive(
            [refused, again, returned]
        )
        self.assertEqual(duplicate, self._message(refused))
        self.assertEqual(second.state, "done")
        self.assertNotIn("return_pickings", second.result)
        self.assertEqual(a3.state, "done")
        self.assertNotIn("return_pickings", a3.result)
        self.assertEqual(shipment.exception_type, "returned")
        self.assertEqual(shipment.return_picking_ids, return_picking)
        self.assertEqual(return_picking.move_ids.product_uom_qty, ORDERED)
        self.assertEqual(
            len(self._notes(shipment, "to be received by the warehouse")), 1
        )

    def test_only_the_reported_quantities_come_back(self):
        shipment = self.released_shipment()
        self.tms.advance(shipment.tms_reference, ALL_STEPS)
        events = self._events(shipment)
        refused = events[-1]
        self.assertEqual(refused["data"]["status_code"], "REFUSED")
        refused["data"]["items"] = [{"product_code": "KEG30", "quantity": 1}]
        self._receive(events)
        return_picking = shipment.return_picking_ids
        self.assertEqual(return_picking.move_ids.product_uom_qty, 1)
        self.assertFalse(shipment.tms_picked_reported, "not picked-up quantities")
        self.assertEqual(shipment.line_ids.picked_quantity, 0)
        # The carrier brings the rest back later (A3 without items: all of it).
        returned = {
            **refused,
            "event_id": "EV-A3-REST",
            "sequence": 950,
            "data": {
                key: value for key, value in refused["data"].items() if key != "items"
            }
            | {"status_code": "RETURNED"},
        }
        [[a3, *_rest]] = self._receive([returned])
        self.assertEqual(a3.state, "done")
        self.assertEqual(len(shipment.return_picking_ids), 2)
        self.assertEqual(
            sum(shipment.return_picking_ids.move_ids.mapped("product_uom_qty")), ORDERED
        )

    def test_not_validated_delivery_order_is_left_open(self):
        self.warehouse.tms_validation_trigger = stock_validation.BY_WAREHOUSE
        shipment = self.released_shipment()
        self.run_timeline(shipment)
        self.assertEqual(shipment.exception_type, "refused")
        self.assertFalse(shipment.return_picking_ids)
        self.assertEqual(shipment.picking_ids.state, "assigned")
        self.assertEqual(len(self._notes(shipment, "nothing of it left the stock")), 1)

    def test_receipt_gives_a_posted_credit_note_per_customer_policy(self):
        self.customer.logistics_return_credit_policy = returns.CREDIT_POSTED
        shipment = self._refused(invoiced=True)
        order = shipment.sale_order_id
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        return_picking = self._receive_return(shipment)
        self.assertEqual(order.order_line.qty_delivered, 0)
        credit_note = return_picking.logistics_credit_note_id
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.partner_id, self.customer)
        self.assertEqual(credit_note.invoice_line_ids.quantity, ORDERED)
        self.assertEqual(credit_note.invoice_line_ids.sale_line_ids, order.order_line)
        self.assertEqual(credit_note.amount_total, invoice.amount_total)
        self.assertEqual(order.order_line.qty_invoiced, 0)
        self.assertIn(credit_note, order.invoice_ids)
        self.assertEqual(shipment.return_credit_note_count, 1)
        self.assertEqual(
            len(self._notes(shipment, "credit note %s" % credit_note.name)), 1
        )
        audit = self.env["logistics.audit.log"].search(
            [("action", "=", "return_credit"), ("res_id", "=", shipment.id)]
        )
        self.assertEqual(audit.outcome, "success")

    def test_receipt_gives_a_draft_credit_note_per_company_policy(self):
        self.env.company.logistics_return_credit_policy = returns.CREDIT_DRAFT
        shipment = self._refused(invoiced=True)
        return_picking = self._receive_return(shipment)
        credit_note = return_picking.logistics_credit_note_id
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "draft")
        self.assertEqual(credit_note.invoice_line_ids.quantity, ORDERED)

    def test_none_policy_gives_no_credit_note(self):
        self.env.company.logistics_return_credit_policy = returns.CREDIT_POSTED
        self.customer.logistics_return_credit_policy = returns.CREDIT_NONE
        shipment = self._refused(invoiced=True)
        order = shipment.sale_order_id
        return_picking = self._receive_return(shipment)
        self.assertEqual(order.order_line.qty_delivered, 0, "stock is back")
        self.assertFalse(return_picking.logistics_credit_note_id)
        self.assertEqual(order.invoice_ids.move_type, "out_invoice", "no credit note")
        self.assertEqual(order.order_line.qty_to_invoice, -ORDERED)
        self.assertEqual(len(self._notes(shipment, "no credit note (credit policy")), 1)

    def test_not_invoiced_nothing_to_credit(self):
        self.customer.logistics_return_credit_policy = returns.CREDIT_POSTED
        shipment = self._refused()
        order = shipment.sale_order_id
        return_picking = self._receive_return(shipment)
        self.assertFalse(return_picking.logistics_credit_note_id)
        self.assertFalse(order.invoice_ids)
        self.assertEqual(order.order_line.qty_to_invoice, 0)
        self.assertEqual(len(self._notes(shipment, "nothing of it was invoiced")), 1)

    def test_only_the_returned_lines_are_credited(self):
        # Another line of the order delivered and not invoiced yet stays to
        # invoice: the credit note holds the returned line only.
        self.customer.logistics_return_credit_policy = returns.CREDIT_DRAFT
        shipment = self._refused(invoiced=True)
        order = shipment.sale_order_id
        service = self.env["product.product"].create(
            {"name": "Handling", "type": "service", "invoice_policy": "order"}
        )
        extra = self.env["sale.order.line"].create(
            {"order_id": order.id, "product_id": service.id, "product_uom_qty": 1}
        )
        return_picking = self._receive_return(shipment)
        credit_note = return_picking.logistics_credit_note_id
        self.assertEqual(
            credit_note.invoice_line_ids.sale_line_ids, order.order_line - extra
        )
        self.assertEqual(extra.qty_to_invoice, 1)

    def test_a_warehouse_user_without_invoicing_rights_receives_the_return(self):
        self.customer.logistics_return_credit_policy = returns.CREDIT_POSTED
        shipment = self._refused(invoiced=True)
        clerk = self.env["res.users"].create(
            {
                "name": "Warehouse clerk",
                "login": "clerk-returns",
                "groups_id": [(6, 0, [self.env.ref("stock.group_stock_user").id])],
            }
        )
        self.assertFalse(clerk.has_group("account.group_account_invoice"))
        return_picking = shipment.return_picking_ids.with_user(clerk)
        return_picking.button_validate()
        self.assertEqual(return_picking.state, "done")
        credit_note = return_picking.sudo().logistics_credit_note_id
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "posted")
        with self.assertRaises(AccessError):
            return_picking.invalidate_recordset()
            _value = return_picking.logistics_credit_note_id
