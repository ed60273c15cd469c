"""The tracking link reaches customers only as an http(s) URL."""

from odoo.tests import tagged

from .common import PortalApiCase

XSS = "javascript:alert(document.cookie)"
SAFE = "https://tms.example/track/SPDF123456"


@tagged("post_install", "-at_install")
class TestTrackingLink(PortalApiCase):
    def _shipment(self, tracking_url):
        endpoint = self.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_link_%s" % len(tracking_url), "system": "tms"}
        )
        shipment = self.env["logistics.shipment"].create(
            {
                "endpoint_id": endpoint.id,
                "partner_id": self.customer.id,
                "shipper_id": self.env.company.partner_id.id,
                "consignee_id": self.customer.id,
                "status": "in_transit",
                "tracking_number": "SPDF123456",
            }
        )
        # Written as data: an unsafe value can only predate the check.
        self.env.cr.execute(
            "UPDATE logistics_shipment SET tracking_url = %s WHERE id = %s",
            (tracking_url, shipment.id),
        )
        shipment.invalidate_recordset(["tracking_url"])
        return shipment

    def test_unsafe_tracking_url_is_never_rendered(self):
        shipment = self._shipment(XSS)
        answer = self.call("GET", "/shipments/%s" % shipment.name).json()
        self.assertIsNone(answer["tracking_url"])
        self.assertEqual(answer["tracking_number"], "SPDF123456")
        self.authenticate(self.user.login, self.user.login)
        page = self.url_open("/my/shipments/%s" % shipment.id)
        self.assertEqual(page.status_code, 200)
        self.assertIn("SPDF123456", page.text)
        self.assertNotIn("javascript:", page.text)

    def test_http_tracking_url_is_a_link(self):
        shipment = self._shipment(SAFE)
        answer = self.call("GET", "/shipments/%s" % shipment.name).json()
        self.assertEqual(answer["tracking_url"], SAFE)
        self.authenticate(self.user.login, self.user.login)
        page = self.url_open("/my/shipments/%s" % shipment.id)
        self.assertIn('href="%s"' % SAFE, page.text)
