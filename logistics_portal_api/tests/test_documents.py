"""Customers see only the documents meant for them: POD, delivery slips, posted
invoices and their own uploads; never files on internal notes."""

import base64

from odoo.tests import Form, tagged

from odoo.addons.logistics_integration_base.tests.common import run_migration

from .common import PortalApiCase

POD_BYTES = b"%PDF-1.4 proof of delivery"
UPLOAD_BYTES = b"%PDF-1.4 customer's packing list"
SECRET_BYTES = b"%PDF-1.4 internal: margin and credit notes"


@tagged("post_install", "-at_install")
class TestCustomerDocuments(PortalApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._confirmed_order(cls.customer)
        cls.picking = cls.order.picking_ids
        endpoint = cls.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_documents", "system": "tms"}
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
        cls.picking.logistics_shipment_id = cls.shipment
        # The proof of delivery, the way the TMS connector attaches it.
        cls.pod = cls.shipment._attach_pod(
            {
                "filename": "POD-1.pdf",
                "content_base64": base64.b64encode(POD_BYTES).decode(),
            }
        )
        cls.pod_copy = cls.env["ir.attachment"].search(
            [("res_model", "=", "stock.picking"), ("res_id", "=", cls.picking.id)]
        )
        # Internal notes with files, on every record the customer's are on.
        cls.internal = cls.env["ir.attachment"]
        for record in (cls.shipment, cls.picking, cls.order):
            message = record.message_post(
                body="Margin is thin, watch the credit limit.",
                attachments=[("internal-%s.pdf" % record._table, SECRET_BYTES)],
                subtype_xmlid="mail.mt_note",
            )
            cls.internal |= message.attachment_ids
        # And a file an employee attached without a message.
        cls.internal |= cls.env["ir.attachment"].create(
            {
                "name": "carrier-rates.pdf",
                "raw": SECRET_BYTES,
                "res_model": cls.shipment._name,
                "res_id": cls.shipment.id,
            }
        )

    @classmethod
    def _confirmed_order(cls, customer):
        form = Form(cls.env["sale.order"])
        form.partner_id = customer
        with form.order_line.new() as line:
            line.product_id = cls.keg
            line.product_uom_qty = 2
        order = form.save()
        order.action_confirm()
        return order

    def _upload(self):
        response = self.call(
            "POST",
            "/orders/%s/documents" % self.order.name,
            headers={"Content-Type": "application/pdf", "X-Filename": "packing.pdf"},
            data=UPLOAD_BYTES,
        )
        self.assertEqual(response.status_code, 201, response.text)
        return self.env["ir.attachment"].browse(response.json()["id"])

    def _listed(self, key=None):
        response = self.call(
            "GET", "/shipments/%s/documents" % self.shipment.name, key=key
        )
        self.assertEqual(response.status_code, 200, response.text)
        return [d["id"] for d in response.json()["items"]]

    def _invoice_with_pdf(self):
        invoice = self.order._create_invoices()
        invoice.action_post()
        invoices_data = {
            invoice: {"pdf_report": self.env.ref("account.account_invoices")}
        }
        Send = self.env["account.move.send"]
        Send._prepare_invoice_pdf_report(invoices_data)
        Send._link_invoice_documents(invoices_data)
        return invoice, invoice.invoice_pdf_report_id

    def test_internal_note_files_are_neither_listed_nor_served(self):
        self.assertEqual(len(self.internal), 4)
        self.assertFalse(any(self.internal.mapped("logistics_portal_kind")))
        listed = self._listed()
        self.assertEqual(listed, self.pod.ids)
        for attachment in self.internal:
            with self.subTest(attachment=attachment.name):
                response = self.call("GET", "/documents/%s" % attachment.id)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(SECRET_BYTES, response.content)

    def test_pod_and_own_upload_are_listed_and_served(self):
        self.assertEqual(self.pod.logistics_portal_kind, "pod")
        self.assertEqual(self.pod_copy.logistics_portal_kind, "pod")
        upload = self._upload()
        self.assertEqual(upload.logistics_portal_kind, "customer_upload")
        # The POD once (not its copy on the delivery order), the upload.
        self.assertEqual(self._listed(), [self.pod.id, upload.id])
        for attachment, content in (
            (self.pod, POD_BYTES),
            (self.pod_copy, POD_BYTES),
            (upload, UPLOAD_BYTES),
        ):
            response = self.call("GET", "/documents/%s" % attachment.id)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.content, content)

    def test_another_customer_gets_nothing(self):
        upload = self._upload()
        listed = self.call(
            "GET", "/shipments/%s/documents" % self.shipment.name, key=self.other_key
        )
        self.assertEqual(listed.status_code, 404)
        for attachment in self.pod | self.pod_copy | upload:
            response = self.call(
                "GET", "/documents/%s" % attachment.id, key=self.other_key
            )
            self.assertEqual(response.status_code, 404)

    def test_marked_file_attached_elsewhere_is_not_served(self):
        # A customer-document mark on a record of another kind opens nothing.
        stray = self.env["ir.attachment"].create(
            {
                "name": "stray.pdf",
                "raw": SECRET_BYTES,
                "res_model": "res.partner",
                "res_id": self.customer.id,
                "logistics_portal_kind": "customer_upload",
            }
        )
        self.assertEqual(self.call("GET", "/documents/%s" % stray.id).status_code, 404)

    def test_posted_invoice_pdf_is_listed_and_served(self):
        invoice, pdf = self._invoice_with_pdf()
        self.assertTrue(pdf, "the send wizard stored the invoice document")
        self.assertEqual(pdf.logistics_portal_kind, "invoice")
        self.assertIn(pdf.id, self._listed())
        self.assertEqual(self.call("GET", "/documents/%s" % pdf.id).status_code, 200)
        self.assertEqual(
            self.call("GET", "/documents/%s" % pdf.id, key=self.other_key).status_code,
            404,
        )
        # A cancelled invoice is no longer a document of the customer.
        invoice.button_draft()
        self.assertNotIn(pdf.id, self._listed())
        self.assertEqual(self.call("GET", "/documents/%s" % pdf.id).status_code, 404)

    def test_portal_page_lists_and_serves_only_customer_documents(self):
        upload = self._upload()
        self.authenticate(self.user.login, self.user.login)
        page = self.url_open("/my/shipments/%s" % self.shipment.id)
        self.assertEqual(page.status_code, 200)
        self.assertIn("POD-1.pdf", page.text)
        self.assertIn("packing.pdf", page.text)
        self.assertNotIn("internal-", page.text)
        self.assertNotIn("carrier-rates", page.text)
        base = "/my/shipments/%s/documents/" % self.shipment.id
        self.assertEqual(self.url_open(base + str(self.pod.id)).content, POD_BYTES)
        self.assertEqual(self.url_open(base + str(upload.id)).content, UPLOAD_BYTES)
        for attachment in self.internal:
            self.assertEqual(self.url_open(base + str(attachment.id)).status_code, 404)

    def test_portal_and_api_download_a_non_latin1_name_alike(self):
        upload = self._upload()
        upload.name = "Накладная №7 配送.pdf"
        self.authenticate(self.user.login, self.user.login)
        base = "/my/shipments/%s/documents/" % self.shipment.id
        page = self.url_open(base + str(upload.id))
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.content, UPLOAD_BYTES)
        api = self.call("GET", "/documents/%s" % upload.id)
        self.assertEqual(api.content, UPLOAD_BYTES)
        for response in (page, api):
            disposition = response.headers["Content-Disposition"]
            self.assertIn('filename="No7.pdf"', disposition)
            self.assertIn("filename*=UTF-8''%D0%9D", disposition)
            self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")

    def test_migration_marks_documents_created_before_the_mark(self):
        upload = self._upload()
        invoice, pdf = self._invoice_with_pdf()
        marked = self.pod | self.pod_copy | upload | pdf
        marked.logistics_portal_kind = False
        self.env.flush_all()
        # What the TMS event recorded (a TMS-owned field: written as data here).
        self.env.cr.execute(
            "UPDATE logistics_shipment SET pod_attachment_id = %s WHERE id = %s",
            (self.pod.id, self.shipment.id),
        )
        run_migration(self.env.cr, __file__, "18.0.1.1.0", "post-migrate", "18.0.1.0.0")
        self.env.invalidate_all()
        self.assertEqual(
            [(a.id, a.logistics_portal_kind) for a in marked],
            [
                (self.pod.id, "pod"),
                (self.pod_copy.id, "pod"),
                (upload.id, "customer_upload"),
                (pdf.id, "invoice"),
            ],
        )
        self.assertFalse(any(self.internal.mapped("logistics_portal_kind")))
        self.assertTrue(invoice)
