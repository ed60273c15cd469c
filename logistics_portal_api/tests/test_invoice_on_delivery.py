"""The invoice made on delivery reaches the customer: its number on the
shipment, the proof of delivery on it served as the customer's document."""

import base64

from odoo.tests import Form, tagged

from .common import PortalApiCase

POD_BYTES = b"%PDF-1.4 proof of delivery"


@tagged("post_install", "-at_install")
class TestInvoiceOnDelivery(PortalApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        form = Form(cls.env["sale.order"])
        form.partner_id = cls.customer
        with form.order_line.new() as line:
            line.product_id = cls.keg
            line.product_uom_qty = 2
        cls.order = form.save()
        cls.order.action_confirm()
        endpoint = cls.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_invoice_delivery", "system": "tms"}
        )
        cls.shipment = cls.env["logistics.shipment"].create(
            {
                "endpoint_id": endpoint.id,
                "partner_id": cls.customer.id,
                "shipper_id": cls.env.company.partner_id.id,
                "consignee_id": cls.customer.id,
                "sale_order_id": cls.order.id,
                "status": "delivered",
            }
        )
        cls.order.picking_ids.logistics_shipment_id = cls.shipment

    def _invoice_on_delivery(self):
        """What the tms.invoice_on_delivery flow makes: a posted invoice of
        the order, linked to the shipment."""
        invoice = self.order._create_invoices()
        invoice.logistics_shipment_id = self.shipment
        invoice.action_post()
        return invoice

    def test_the_shipment_shows_its_invoice(self):
        shipment = self.call("GET", "/shipments/%s" % self.shipment.name).json()
        self.assertEqual(shipment["invoices"], [])
        invoice = self._invoice_on_delivery()
        shipment = self.call("GET", "/shipments/%s" % self.shipment.name).json()
        self.assertEqual(shipment["invoices"], [invoice.name])
        listed = self.call("GET", "/shipments").json()["items"]
        self.assertEqual(
            [s["invoices"] for s in listed if s["reference"] == self.shipment.name],
            [[invoice.name]],
        )
        # A draft (reset) invoice is not shown.
        invoice.button_draft()
        shipment = self.call("GET", "/shipments/%s" % self.shipment.name).json()
        self.assertEqual(shipment["invoices"], [])

    def test_a_pod_after_the_invoice_goes_on_it_for_the_customer_only(self):
        invoice = self._invoice_on_delivery()
        pod = self.shipment._attach_pod(
            {
                "filename": "POD-1.pdf",
                "content_base64": base64.b64encode(POD_BYTES).decode(),
            }
        )
        on_invoice = self.env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        self.assertEqual(len(on_invoice), 1)
        self.assertEqual(on_invoice.logistics_portal_kind, "pod")
        self.assertEqual(on_invoice.raw, POD_BYTES)
        response = self.call("GET", "/documents/%s" % on_invoice.id)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, POD_BYTES)
        other = self.call("GET", "/documents/%s" % on_invoice.id, key=self.other_key)
        self.assertEqual(other.status_code, 404)
        # The shipment lists the POD once, not its copies.
        listed = self.call("GET", "/shipments/%s/documents" % self.shipment.name)
        self.assertEqual([d["id"] for d in listed.json()["items"]], pod.ids)
