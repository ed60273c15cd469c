from odoo.tests import tagged

from .common import PortalApiCase


@tagged("post_install", "-at_install")
class TestPortalPages(PortalApiCase):
    def _delivered_shipment(self, customer):
        endpoint = self.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_portal_%s" % customer.id, "system": "tms"}
        )
        shipment = self.env["logistics.shipment"].create(
            {
                "endpoint_id": endpoint.id,
                "partner_id": customer.id,
                "shipper_id": self.env.company.partner_id.id,
                "consignee_id": customer.id,
                "status": "delivered",
                "pod_signed_by": "J. Doe",
            }
        )
        # Arrival order differs from event order: the page shows event order.
        for code, hour in (("D1", 16), ("X3", 8), ("AF", 9)):
            self.env["logistics.shipment.milestone"].create(
                {
                    "shipment_id": shipment.id,
                    "code": code,
                    "event_time": "2026-11-27 %02d:00:00" % hour,
                }
            )
        self.env["ir.attachment"].create(
            {
                "name": "POD-%s.pdf" % shipment.name,
                "raw": b"%PDF-1.4",
                "mimetype": "application/pdf",
                "res_model": shipment._name,
                "res_id": shipment.id,
                "logistics_portal_kind": "pod",
            }
        )
        return shipment

    def test_customer_follows_a_shipment_in_the_portal(self):
        self._delivered_shipment(self.customer)
        self.start_tour("/my", "logistics_portal_shipments", login=self.user.login)

    def test_other_customers_shipment_page_is_refused(self):
        theirs = self._delivered_shipment(self.other)
        mine = self._delivered_shipment(self.customer)
        self.authenticate(self.user.login, self.user.login)
        refused = self.url_open("/my/shipments/%s" % theirs.id, allow_redirects=False)
        self.assertEqual(refused.status_code, 303)
        page = self.url_open("/my/shipments/%s" % mine.id)
        self.assertIn(mine.name, page.text)
        self.assertNotIn(theirs.name, self.url_open("/my/shipments").text)
