"""Service-level facts are stored once a shipment ends, from its timeline and
quantities (values computed by hand), and a report's average is a rate."""

from datetime import datetime

from odoo.tests import tagged

from ..lib import milestones as m
from .common import ALL_STEPS, TmsCase

DAY = datetime(2026, 12, 1)
STEPS_TO_PICKUP = 4  # TA, CR, X3, AF


def at(hour, minute=0):
    return DAY.replace(hour=hour, minute=minute)


@tagged("post_install", "-at_install")
class TestServiceFacts(TmsCase):
    def _set_times(self, shipment, times):
        """Move the recorded milestones to known times (as the TMS said)."""
        self.env.flush_all()
        for milestone in shipment.milestone_ids:
            if milestone.code in times:
                self.env.cr.execute(
                    "UPDATE logistics_shipment_milestone SET event_time = %s "
                    "WHERE id = %s",
                    (times[milestone.code], milestone.id),
                )
        self.env.invalidate_all()

    def _promise(self, shipment, start, end):
        """The window promised at release (amending it now would be refused)."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE logistics_shipment SET requested_delivery_start = %s, "
            "promised_delivery_end = %s WHERE id = %s",
            (start, end, shipment.id),
        )
        self.env.invalidate_all()

    def _delivered(self, steps=ALL_STEPS, **scenario):
        if scenario:
            self.tms.control("scenario", {"auto_advance": False, **scenario})
        shipment = self.released_shipment()
        self.run_timeline(shipment, steps)
        self.assertEqual(shipment.status, m.STATUS_DELIVERED)
        return shipment

    def test_delivered_shipment_gets_its_facts_once(self):
        shipment = self._delivered()
        self.assertTrue(shipment.service_facts_at)
        delivered = shipment.milestone_ids.filtered(lambda x: x.code == m.DELIVERED)
        self.assertEqual(shipment.delivered_at, delivered.event_time)
        self.assertEqual(shipment.in_full, 1.0, "4 ordered, 4 shipped")
        self.assertEqual(shipment.exception_count, 0)
        # The TMS's times, known: picked up 06:00 after 30 minutes at the dock,
        # arrived 10:00, delivered 10:20, promised 08:00-12:00.
        self._set_times(
            shipment,
            {
                m.ARRIVED_AT_PICKUP: at(5, 30),
                m.DEPARTED_PICKUP: at(6),
                m.ARRIVED_AT_DELIVERY: at(10),
                m.DELIVERED: at(10, 20),
            },
        )
        self._promise(shipment, at(8), at(12))
        shipment._compute_service_facts()
        self.assertEqual(shipment.delivered_at, at(10, 20))
        self.assertEqual(
            (shipment.on_time, shipment.in_full, shipment.otif), (1.0, 1.0, 1.0)
        )
        self.assertEqual(shipment.transit_hours, 4.33)
        self.assertEqual(shipment.pickup_dwell_minutes, 30.0)
        self.assertEqual(shipment.delivery_dwell_minutes, 20.0)
        origin = shipment.shipper_id.country_id.code or "?"
        destination = shipment.consignee_id.country_id.code
        self.assertEqual(shipment.lane, f"{origin} → {destination}")
        self.assertEqual(
            shipment.warehouse_id, shipment.picking_ids.picking_type_id.warehouse_id
        )

    def test_late_delivery_with_a_delay_is_not_otif(self):
        shipment = self._delivered(ALL_STEPS + 1, outcome="delay")  # + SD
        self._set_times(shipment, {m.DEPARTED_PICKUP: at(6), m.DELIVERED: at(13)})
        self._promise(shipment, at(8), at(12))
        shipment._compute_service_facts()
        self.assertEqual(
            (shipment.on_time, shipment.in_full, shipment.otif), (0.0, 1.0, 0.0)
        )
        self.assertEqual(shipment.transit_hours, 7.0)
        self.assertEqual(shipment.exception_count, 1, "the delay milestone")

    def test_partial_pickup_is_not_in_full(self):
        shipment = self.released_shipment()
        self.tms.advance(shipment.tms_reference, STEPS_TO_PICKUP)
        events = self.endpoint._tms_client("corr-feed").events(None, 500)[0]
        pickup = [
            e for e in events if e["data"]["shipment_id"] == shipment.tms_reference
        ][STEPS_TO_PICKUP - 1]
        pickup["data"]["items"] = [{"product_code": "KEG30", "quantity": 3}]
        with self.jobs():
            self.env["logistics.shipment"]._tms_receive_events(self.endpoint, events)
        self.assertFalse(shipment.service_facts_at, "not ended: no facts yet")
        self.run_timeline(shipment, 5)
        self.assertEqual(shipment.status, m.STATUS_DELIVERED)
        self.assertEqual((shipment.in_full, shipment.otif), (0.0, 0.0))

    def test_a_shipment_cancelled_after_pickup_failed_its_promise(self):
        self.tms.control("scenario", {"auto_advance": False})
        shipment = self.released_shipment()
        self.run_timeline(shipment, STEPS_TO_PICKUP)  # TA, CR, X3, AF
        with self.jobs():
            shipment.action_cancel()
        self.assertEqual(shipment.status, m.STATUS_CANCELLED)
        self.assertTrue(shipment.service_facts_at, "ended: its facts are stored")
        self.assertFalse(shipment.delivered_at)
        self.assertEqual(
            (shipment.on_time, shipment.in_full, shipment.otif), (0.0, 0.0, 0.0)
        )
        self.assertFalse(shipment.transit_hours, "never delivered: no transit")

    def test_report_average_is_the_on_time_rate(self):
        on_time, late = self._delivered(), self._delivered()
        for shipment, delivered_at in ((on_time, at(9)), (late, at(15))):
            self._set_times(shipment, {m.DELIVERED: delivered_at})
            self._promise(shipment, at(8), at(12))
            shipment._compute_service_facts()
        [group] = self.env["logistics.shipment"]._read_group(
            [("id", "in", (on_time | late).ids)], [], ["on_time:avg", "__count"]
        )
        self.assertEqual(group, (0.5, 2))

    def test_without_a_promised_window_on_time_is_unknown(self):
        shipment = self.released_shipment()
        self._promise(shipment, None, None)
        self.env.cr.execute(
            "UPDATE logistics_shipment SET requested_delivery_end = NULL WHERE id = %s",
            (shipment.id,),
        )
        self.env.invalidate_all()
        self.run_timeline(shipment)
        self.assertEqual(shipment.status, m.STATUS_DELIVERED)
        self.assertTrue(shipment.service_facts_at)
        self.env.cr.execute(
            "SELECT on_time, in_full, otif FROM logistics_shipment WHERE id = %s",
            (shipment.id,),
        )
        self.assertEqual(self.env.cr.fetchone(), (None, 1.0, None))
