from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import PortalApiCase


@tagged("post_install", "-at_install")
class TestArchivedTimeline(PortalApiCase):
    """A shipment whose timeline went to history shows the same timeline."""

    def _closed_shipment(self):
        endpoint = self.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_archive", "system": "tms"}
        )
        shipment = self.env["logistics.shipment"].create(
            {
                "endpoint_id": endpoint.id,
                "partner_id": self.customer.id,
                "shipper_id": self.env.company.partner_id.id,
                "consignee_id": self.customer.id,
                "status": "delivered",
            }
        )
        for code, hour in (("X3", 8), ("AF", 9), ("D1", 11)):
            self.env["logistics.shipment.milestone"].create(
                {
                    "shipment_id": shipment.id,
                    "code": code,
                    "event_time": "2025-03-04 %02d:00:00" % hour,
                    "location": "Leuze" if code == "D1" else False,
                }
            )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE logistics_shipment SET write_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(days=400), shipment.id),
        )
        self.env.invalidate_all()
        return shipment

    def test_archived_timeline_is_answered_from_history(self):
        shipment = self._closed_shipment()
        path = "/shipments/%s" % shipment.name
        before = self.call("GET", path).json()["milestones"]
        self.assertEqual([m["code"] for m in before], ["X3", "AF", "D1"])
        self.env["ir.config_parameter"].sudo().set_param(
            "logistics_tms_connector.shipment_archive_days", 30
        )
        History = self.env["logistics.shipment.history"]
        self.assertEqual(History._cron_archive(), 1)
        self.assertFalse(shipment.milestone_ids)
        self.assertTrue(shipment.archived_at)
        self.assertEqual(self.call("GET", path).json()["milestones"], before)
