"""Delivered quantities drive Odoo invoicing; customers invoiced on delivery
get their invoice posted when the TMS reports the delivery, with the POD."""

from odoo.tests import tagged

from ..lib import stock_validation
from ..models.logistics_shipment_invoice import INVOICE_FLOW
from .common import ALL_STEPS, TmsCase

STEPS_TO_PICKUP = 4  # TA, CR, X3, AF
ORDERED = 4
PICKED_UP = 3  # pickup_ratio 0.75 of 4, rounded down


@tagged("post_install", "-at_install")
class TestInvoiceOnDelivery(TmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.invoice_policy = "delivery"
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, cls.warehouse.lot_stock_id, 100
        )
        cls.warehouse.tms_validation_trigger = stock_validation.ON_PICKUP
        cls.Message = cls.env["logistics.message"]
        cls.Audit = cls.env["logistics.audit.log"]

    def _invoice_messages(self, shipment):
        return self.Message.search(
            [("flow_code", "=", INVOICE_FLOW), ("res_id", "=", shipment.id)]
        )

    def _partial_pickup_delivered(self):
        """Released, 3 of 4 picked up (the simulator's partial pickup), delivered."""
        self.tms.control("scenario", {"pickup_ratio": 0.75})
        shipment = self.released_shipment()
        self.run_timeline(shipment, ALL_STEPS)
        self.assertEqual(shipment.status, "delivered")
        return shipment

    def test_delivered_quantities_are_what_odoo_invoices(self):
        """Flag off: nothing is invoiced by the suite, but the order has the
        delivered quantities to invoice (policy "delivered")."""
        self.assertFalse(self.customer.logistics_invoice_on_delivery)
        shipment = self._partial_pickup_delivered()
        order = shipment.sale_order_id
        self.assertEqual(shipment.picking_ids.backorder_ids.move_ids.product_uom_qty, 1)
        self.assertEqual(order.order_line.qty_delivered, PICKED_UP)
        self.assertEqual(order.order_line.qty_to_invoice, PICKED_UP)
        self.assertEqual(order.invoice_status, "to invoice")
        self.assertFalse(self._invoice_messages(shipment))
        self.assertFalse(order.invoice_ids)
        self.assertFalse(shipment.invoice_ids)

    def test_invoice_posted_on_delivery_for_what_was_delivered(self):
        self.customer.logistics_invoice_on_delivery = True
        shipment = self._partial_pickup_delivered()
        order = shipment.sale_order_id
        message = self._invoice_messages(shipment)
        self.assertEqual(message.state, "done")
        invoice = shipment.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "partner_id": self.customer.id,
                    "logistics_shipment_id": shipment.id,
                }
            ],
        )
        self.assertEqual(invoice.invoice_line_ids.quantity, PICKED_UP)
        self.assertEqual(invoice.invoice_line_ids.product_id, self.product)
        self.assertEqual(order.invoice_ids, invoice)
        self.assertEqual(order.order_line.qty_invoiced, PICKED_UP)
        self.assertEqual(message.result["invoices"], [invoice.name])
        self.assertEqual(message.correlation_id, shipment.correlation_id)
        # The proof of delivery: on the shipment, the delivery order, the invoice.
        pod = shipment.pod_attachment_id
        self.assertTrue(pod)
        on_invoice = self.env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        self.assertEqual(on_invoice.mapped("checksum"), [pod.checksum])
        on_picking = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "stock.picking"),
                ("res_id", "=", shipment.picking_ids[:1].id),
                ("checksum", "=", pod.checksum),
            ]
        )
        self.assertEqual(len(on_picking), 1)
        audit = self.Audit.search(
            [("action", "=", "invoice_on_delivery"), ("message_id", "=", message.id)]
        )
        self.assertEqual(audit.outcome, "success")
        self.assertIn(invoice.name, audit.details)
        self.assertTrue(
            shipment.message_ids.filtered(lambda m: invoice.name in (m.body or ""))
        )

    def test_a_contact_of_the_customer_follows_its_company(self):
        company = self.env["res.partner"].create(
            {"name": "Dupont Group", "is_company": True}
        )
        self.customer.parent_id = company
        company.logistics_invoice_on_delivery = True
        self.assertTrue(self.customer.logistics_invoice_on_delivery)
        shipment = self.released_shipment()
        self.run_timeline(shipment)
        self.assertEqual(shipment.invoice_ids.state, "posted")
        self.assertEqual(shipment.invoice_ids.invoice_line_ids.quantity, ORDERED)

    def test_a_repeated_delivery_invoices_nothing_twice(self):
        self.customer.logistics_invoice_on_delivery = True
        shipment = self.released_shipment()
        self.run_timeline(shipment)
        delivered = self._invoice_messages(shipment)
        self.assertEqual(delivered.state, "done")
        # The TMS says it again (another event): nothing is left to invoice.
        events = self.endpoint._tms_client("corr-feed").events(None, 500)[0]
        again = dict(events[-1], event_id="again-1", sequence=9999)
        with self.jobs():
            self.env["logistics.shipment"]._tms_receive_events(self.endpoint, [again])
        messages = self._invoice_messages(shipment)
        self.assertEqual(len(messages), 2)
        self.assertEqual(set(messages.mapped("state")), {"done"})
        self.assertEqual((messages - delivered).result["invoices"], [])
        self.assertEqual(len(shipment.invoice_ids), 1)

    def test_failure_leaves_nothing_half_made_and_is_said(self):
        self.customer.logistics_invoice_on_delivery = True
        # No sales journal: Odoo cannot make the invoice (a permanent error).
        journals = self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.env.company.id)]
        )
        journals.action_archive()
        shipment = self.released_shipment()
        self.run_timeline(shipment)
        self.assertEqual(shipment.status, "delivered", "the delivery is applied")
        self.assertEqual(shipment.picking_ids.state, "done")
        message = self._invoice_messages(shipment)
        self.assertEqual(message.state, "dead")
        self.assertTrue(message.last_error)
        order = shipment.sale_order_id
        self.assertFalse(
            self.env["account.move"].search([("invoice_origin", "=", order.name)]),
            "no draft invoice left behind",
        )
        self.assertFalse(shipment.invoice_ids)
        activity = shipment.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref(
                    "logistics_tms_connector.mail_activity_type_invoice_on_delivery"
                )
            )
        )
        self.assertEqual(len(activity), 1)
        self.assertTrue(
            shipment.message_ids.filtered(
                lambda m: "could not be made" in (m.body or "")
            )
        )
        audit = self.Audit.search(
            [("action", "=", "invoice_on_delivery"), ("message_id", "=", message.id)]
        )
        self.assertEqual(audit.outcome, "failure")
        # Fixed, then replayed: the invoice is made.
        journals.action_unarchive()
        with self.jobs():
            message.action_replay()
        self.assertEqual(message.state, "done")
        self.assertEqual(shipment.invoice_ids.state, "posted")
