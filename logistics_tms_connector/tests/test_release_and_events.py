import random

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import ALL_STEPS, TmsCase


@tagged("post_install", "-at_install")
class TestReleaseAndEvents(TmsCase):
    def _assert_delivered(self, shipment):
        self.assertEqual(shipment.status, "delivered")
        self.assertEqual(shipment.carrier_id.scac_code, "SPDF")
        self.assertTrue(shipment.tracking_number.startswith("SPDF"))
        self.assertEqual(shipment.pod_signed_by, "J. Doe")
        self.assertEqual(shipment.pod_attachment_id.res_id, shipment.id)
        self.assertTrue(shipment.pod_attachment_id.raw.startswith(b"%PDF"))
        picking_pods = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "stock.picking"),
                ("res_id", "in", shipment.picking_ids.ids),
            ]
        )
        self.assertEqual(len(picking_pods), 1, "the POD is on the delivery order too")
        shipment.invalidate_recordset(["milestone_ids"])  # read as a user would
        codes = shipment.milestone_ids.mapped("code")
        self.assertEqual(codes[0], "TA")
        self.assertEqual(codes[-1], "D1")
        times = shipment.milestone_ids.mapped("event_time")
        self.assertEqual(times, sorted(times), "the timeline is in event order")

    def test_rest_release_to_delivery_with_pod(self):
        shipment = self.released_shipment()
        self.assertEqual(shipment.status, "released")
        [tms_side] = self.tms.shipments().values()
        self.assertEqual(tms_side["externalReference"], shipment.name)
        self.assertEqual(tms_side["payload"]["items"][0]["sku"], "KEG30")
        self.assertEqual(tms_side["payload"]["references"]["customerPo"], "PO-4711")
        applied = self.run_timeline(shipment)
        self.assertEqual(applied, ALL_STEPS)
        self._assert_delivered(shipment)
        self.assertEqual(self.endpoint.tms_poll_cursor, str(ALL_STEPS))
        self.assertEqual(self.poll(), 0, "the cursor remembers what was read")
        self.assertEqual(len(shipment.milestone_ids), ALL_STEPS)
        # One correlation ID from the release to the last event.
        messages = self.env["logistics.message"].search(
            [("res_model", "=", shipment._name), ("res_id", "=", shipment.id)]
        )
        self.assertEqual(
            set(messages.mapped("correlation_id")), {shipment.correlation_id}
        )
        requests_seen = self.tms.control("requests")
        self.assertEqual(
            requests_seen[0]["headers"].get("X-Correlation-ID"), shipment.correlation_id
        )

    def test_soap_release_to_delivery_with_pod(self):
        soap = self._tms_endpoint("sim_soap", "soap")
        shipment = self.released_shipment(endpoint=soap)
        [tms_side] = self.tms.shipments().values()
        self.assertEqual(tms_side["externalReference"], shipment.name)
        self.assertIn("/soap", self.tms.control("requests")[0]["path"])
        # SOAP TMS events come back over the same feed (REST) or webhooks.
        self.tms.advance(shipment.tms_reference, ALL_STEPS)
        self.endpoint.tms_poll_enabled = True
        events = self.endpoint._tms_client("corr-feed").events(None, 100)[0]
        with self.jobs():
            self.env["logistics.shipment"]._tms_receive_events(soap, events)
        self._assert_delivered(shipment)

    def test_duplicate_and_shuffled_events_give_the_same_shipment(self):
        shipment = self.released_shipment()
        self.tms.advance(shipment.tms_reference, ALL_STEPS)
        events = self.endpoint._tms_client("corr-feed").events(None, 100)[0]
        storm = events + events[2:6]
        random.Random(7).shuffle(storm)
        Shipment = self.env["logistics.shipment"]
        for start in range(0, len(storm), 3):
            with self.jobs():
                Shipment._tms_receive_events(self.endpoint, storm[start : start + 3])
        self._assert_delivered(shipment)
        self.assertEqual(len(shipment.milestone_ids), ALL_STEPS, "no milestone twice")
        messages = self.env["logistics.message"].search(
            [("flow_code", "=", "tms.event"), ("res_id", "=", shipment.id)]
        )
        self.assertEqual(len(messages), ALL_STEPS)
        self.assertEqual(sum(messages.mapped("duplicate_count")), 4)
        self.assertEqual(set(messages.mapped("state")) - {"done", "stale"}, set())

    def test_a_chunk_of_events_finds_its_shipments_at_once(self):
        first, second = self.released_shipment(), self.released_shipment()
        for shipment in (first, second):
            self.tms.advance(shipment.tms_reference, ALL_STEPS)
        events = self.endpoint._tms_client("corr-chunk").events(None, 100)[0]
        Shipment = self.env["logistics.shipment"]
        with trap_jobs():
            answers = Shipment._tms_receive_events(self.endpoint, events)
        messages = self.env["logistics.message"].union(*(a[0] for a in answers))
        self.assertEqual(len(messages), 2 * ALL_STEPS)
        self.assertEqual(Shipment._tms_prepare_events(messages), first | second)
        flow = self.env["logistics.flow"]._get_by_code("tms.event")
        self.assertGreater(flow.chunk_size, 1)
        with self.jobs():
            flow._enqueue_pending()
        self._assert_delivered(first)
        self._assert_delivered(second)
        self.assertEqual(set(messages.mapped("state")), {"done"})

    def test_amendment_before_pickup_then_refused_after(self):
        shipment = self.released_shipment()
        self.tms.advance(shipment.tms_reference, 2)  # accepted, carrier assigned
        self.poll()
        new_end = shipment.requested_delivery_end.replace(hour=18, minute=0)
        with self.jobs():
            shipment.requested_delivery_end = new_end
        tms_side = self.tms.shipments()[shipment.tms_reference]
        self.assertEqual(
            tms_side["payload"]["deliveryWindow"]["end"],
            shipment._canonical_document()["requested_delivery_window"]["end"],
        )
        amend = self.env["logistics.message"].search(
            [("flow_code", "=", "shipment.amend"), ("res_id", "=", shipment.id)]
        )
        self.assertEqual(amend.state, "done")
        self.tms.advance(shipment.tms_reference, 2)  # pickup arrived, departed
        self.poll()
        self.assertEqual(shipment.status, "picked_up")
        with self.assertRaises(UserError):
            shipment.requested_delivery_end = new_end.replace(hour=20)

    def test_amendment_refused_by_the_tms_is_an_exception(self):
        shipment = self.released_shipment()
        # The carrier left with the goods; Odoo has not heard of it yet.
        self.tms.advance(shipment.tms_reference, 4)
        with self.jobs():
            shipment.tail_lift = True
        amend = self.env["logistics.message"].search(
            [("flow_code", "=", "shipment.amend"), ("res_id", "=", shipment.id)]
        )
        self.assertEqual(amend.state, "dead")
        self.assertIn("already picked up", amend.last_error)
        self.assertEqual(shipment.exception_type, "tms_refused")
        self.assertIn("already picked up", shipment.exception_note)

    def test_cancellation_round_trip(self):
        shipment = self.released_shipment()
        with self.jobs():
            shipment.action_cancel()
        self.assertEqual(shipment.status, "cancelled")
        self.assertEqual(
            self.tms.shipments()[shipment.tms_reference]["status"], "cancelled"
        )
        cancel = self.env["logistics.message"].search(
            [("flow_code", "=", "shipment.cancel"), ("res_id", "=", shipment.id)]
        )
        self.assertEqual(cancel.state, "done")

    def test_order_cancellation_cancels_the_shipment(self):
        shipment = self.released_shipment()
        with self.jobs():
            shipment.sale_order_id._action_cancel()
        self.assertEqual(shipment.status, "cancelled")
        self.assertEqual(
            self.tms.shipments()[shipment.tms_reference]["status"], "cancelled"
        )

    def test_delay_exception_from_eta_change(self):
        self.tms.control("scenario", {"outcome": "delay", "auto_advance": False})
        shipment = self.released_shipment()
        self.run_timeline(shipment, steps=6)
        self.assertEqual(shipment.exception_type, "delay")
        self.assertGreater(shipment.eta, shipment.promised_delivery_end)
        activity = shipment.activity_ids.filtered(
            lambda a: a.activity_type_id.name == "Shipment exception"
        )
        self.assertEqual(len(activity), 1)
        shipment.action_resolve_exception()
        self.assertFalse(shipment.exception_type)
        self.assertFalse(shipment.activity_ids)

    def test_overdue_shipment_becomes_a_delay_exception(self):
        shipment = self.released_shipment()
        self.run_timeline(shipment, steps=3)
        shipment.promised_delivery_end = "2000-01-01 00:00:00"
        self.assertEqual(self.env["logistics.shipment"]._cron_detect_overdue(), 1)
        self.assertEqual(shipment.exception_type, "delay")
        self.assertIn("Arrived at pickup", shipment.exception_note)
        self.assertEqual(self.env["logistics.shipment"]._cron_detect_overdue(), 0)

    def test_tms_owned_fields_are_read_only_for_odoo_users(self):
        shipment = self.released_shipment()
        with self.assertRaises(UserError):
            shipment.tracking_number = "typed by hand"
        arch = self.env["logistics.shipment"].get_view(view_type="form")["arch"]
        self.assertIn('name="tracking_number" readonly="1"', arch)

    def test_delivery_method_trigger_wins_over_the_warehouse(self):
        self.warehouse.tms_release_trigger = "order_confirmed"
        express = self.env["delivery.carrier"].create(
            {
                "name": "Express by hand",
                "product_id": self.env["product.product"]
                .create({"name": "Express", "type": "service"})
                .id,
                "tms_release_trigger": "manual",
            }
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "carrier_id": express.id,
                "order_line": [
                    fields.Command.create(
                        {"product_id": self.product.id, "product_uom_qty": 1}
                    )
                ],
            }
        )
        with self.jobs():
            order.action_confirm()
        self.assertFalse(order.logistics_shipment_ids, "manual for this method")

    def test_trigger_on_order_confirmation(self):
        self.warehouse.tms_release_trigger = "order_confirmed"
        with self.jobs():
            order = self.confirmed_order()
        shipment = order.logistics_shipment_ids
        self.assertEqual(len(shipment), 1)
        self.assertTrue(shipment.tms_reference)
