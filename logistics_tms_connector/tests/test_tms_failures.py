import json

from odoo.tests import tagged

from .common import TmsCase


@tagged("post_install", "-at_install")
class TestTmsFailures(TmsCase):
    def _release_message(self, shipment):
        return self.env["logistics.message"].search(
            [("flow_code", "=", "shipment.release"), ("res_id", "=", shipment.id)]
        )

    def test_tms_down_then_back_delivers_once(self):
        self.tms.control("faults", {"status": 503, "count": 1})
        self.tms.control("faults", {"drop": True, "count": 1})
        order = self.confirmed_order()
        with self.jobs():
            order.picking_ids.action_logistics_release()
        shipment = order.picking_ids.logistics_shipment_id
        message = self._release_message(shipment)
        self.assertEqual(message.state, "failed")
        self.assertEqual(message.error_kind, "retryable")
        self.retry_due()
        self.assertEqual(
            message.state, "failed", "second try hit the dropped connection"
        )
        self.retry_due()
        self.assertEqual(message.state, "done")
        self.assertEqual(message.attempts, 3)
        self.assertTrue(shipment.tms_reference)
        self.assertEqual(len(self.tms.shipments()), 1, "released exactly once")

    def test_validation_error_is_permanent_with_the_tms_message(self):
        self.tms.control(
            "faults",
            {
                "status": 422,
                "count": 1,
                "body": {"error": "consignee zip 7904 unknown"},
            },
        )
        order = self.confirmed_order()
        with self.jobs():
            order.picking_ids.action_logistics_release()
        shipment = order.picking_ids.logistics_shipment_id
        message = self._release_message(shipment)
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.attempts, 1, "a 4xx is never retried")
        self.assertIn("consignee zip 7904 unknown", message.last_error)
        self.assertEqual(shipment.status, "exception")
        self.assertEqual(shipment.exception_type, "tms_refused")
        self.assertIn("consignee zip 7904 unknown", shipment.exception_note)
        self.assertEqual(len(shipment.activity_ids), 1)

    def test_declined_tender_is_an_exception(self):
        self.tms.control("scenario", {"outcome": "declined", "auto_advance": False})
        shipment = self.released_shipment()
        self.run_timeline(shipment, steps=1)
        self.assertEqual(shipment.status, "exception")
        self.assertEqual(shipment.exception_type, "tms_refused")

    def test_refused_delivery_is_an_exception(self):
        self.tms.control("scenario", {"outcome": "refused", "auto_advance": False})
        dispatcher = self.env["res.users"].create(
            {"name": "Dispatcher", "login": "dispatcher-test"}
        )
        self.warehouse.tms_exception_user_id = dispatcher
        shipment = self.released_shipment()
        self.run_timeline(shipment)
        self.assertEqual(shipment.activity_ids.user_id, dispatcher)
        self.assertEqual(shipment.status, "exception")
        self.assertEqual(shipment.exception_type, "refused")
        self.assertEqual(shipment.milestone_ids[-1].code, "A7")

    def test_unknown_status_code_is_a_permanent_error(self):
        shipment = self.released_shipment()
        self.endpoint.action_load_default_status_codes()
        self.endpoint.tms_status_map_ids.filtered(
            lambda m: m.tms_code == "TENDER_ACCEPTED"
        ).unlink()
        self.run_timeline(shipment, steps=1)
        message = self.env["logistics.message"].search(
            [("flow_code", "=", "tms.event")], limit=1
        )
        self.assertEqual(message.state, "dead")
        self.assertIn("TENDER_ACCEPTED", message.last_error)
        self.assertFalse(shipment.milestone_ids)

    def test_mapping_template_validated_on_save(self):
        with self.assertRaises(Exception) as caught:
            self.endpoint.tms_mapping_template = '{"ref": "$.no_such_field"}'
        self.assertIn("no_such_field", str(caught.exception))
        self.endpoint.tms_mapping_template = json.dumps(
            {
                "externalReference": "$.reference",
                "consignee": {"name": "$.consignee.name"},
                "items": {"$each": "$.items", "$map": {"quantity": "$.quantity"}},
            }
        )
        shipment = self.released_shipment()
        payload = self.tms.shipments()[shipment.tms_reference]["payload"]
        self.assertEqual(set(payload), {"externalReference", "consignee", "items"})
        preview = self.env["logistics.tms.mapping.preview"].create(
            {"endpoint_id": self.endpoint.id, "shipment_id": shipment.id}
        )
        self.assertIn('"externalReference": "%s"' % shipment.name, preview.tms_payload)
