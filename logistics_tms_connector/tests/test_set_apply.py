from datetime import datetime, timedelta, timezone

from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import TmsCase

# Status codes of the simulator whose milestones fold (lib/event_fold.py).
FOLDABLE_RUN = ["TENDER_ACCEPTED", "CARRIER_ASSIGNED", "PICKUP_ARRIVED", "IN_TRANSIT"]


class SetApplyCase(TmsCase):
    """Events of the simulator's shipments, received and applied by chunk."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flow = cls.env["logistics.flow"]._get_by_code("tms.event")
        cls.base_time = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(
            days=1
        )

    def _events(self, shipment, codes, tag, **data):
        events = []
        for n, code in enumerate(codes):
            occurred = self.base_time + timedelta(minutes=n)
            events.append(
                {
                    "event_id": "%s-%s-%s" % (tag, shipment.tms_reference, n),
                    "event_type": "shipment.milestone",
                    "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "sequence": n,
                    "aggregate": {"type": "shipment", "id": shipment.tms_reference},
                    "data": dict(
                        {
                            "shipment_id": shipment.tms_reference,
                            "status_code": code,
                            "location": {"name": "Hub %s" % n, "city": "Antwerp"},
                            "tracking_number": "TRK-%s" % n,
                            # Within the promised window (no delay exception).
                            "eta": (occurred + timedelta(hours=2)).strftime(
                                "%Y-%m-%dT%H:%M:%SZ"
                            ),
                        },
                        **data,
                    ),
                }
            )
        return events

    def _receive(self, events):
        with trap_jobs():
            answers = self.env["logistics.shipment"]._tms_receive_events(
                self.endpoint, events
            )
        return self.env["logistics.message"].union(*(a[0] for a in answers))

    def _apply(self, events):
        messages = self._receive(events)
        with self.jobs():
            self.flow._enqueue_pending()
        return messages


@tagged("post_install", "-at_install")
class TestSetApply(SetApplyCase):
    """A chunk's events folded per shipment give what one by one gives."""

    def _seen(self, shipment, messages):
        """What a user sees of the shipment and of its events' messages."""
        shipment.invalidate_recordset()
        milestones = shipment.milestone_ids.sorted("event_time")
        return {
            "status": shipment.status,
            "eta": shipment.eta,
            "tracking_number": shipment.tracking_number,
            "field_times": shipment.tms_field_times,
            "timeline": [
                (m.code, m.tms_code, m.event_time, m.location, m.is_stale)
                for m in milestones
            ],
            "messages": [
                (
                    m.state,
                    m.attempts,
                    m.res_model,
                    m.res_id == shipment.id,
                    {k: v for k, v in m.result.items() if k not in ("milestone_id",)},
                    m.result["milestone_id"] in milestones.ids,
                )
                for m in messages
            ],
        }

    def test_folded_chunk_gives_what_one_by_one_gives(self):
        folded, single = self.released_shipment(), self.released_shipment()
        folded_messages = self._apply(self._events(folded, FOLDABLE_RUN, "f"))
        self.flow.chunk_method = False  # the per-message path, as before
        single_messages = self._apply(self._events(single, FOLDABLE_RUN, "s"))
        got, expected = (
            self._seen(folded, folded_messages),
            self._seen(single, single_messages),
        )
        self.assertEqual(got["status"], "in_transit")
        self.assertEqual(len(got["timeline"]), len(FOLDABLE_RUN))
        for outcome in (got, expected):
            for message in outcome["messages"]:
                message[4].pop("shipment")
        self.assertEqual(got, expected)
        position = self.env["logistics.aggregate.position"].search(
            [("aggregate_key", "=", "tms-shipment/%s" % folded.tms_reference)]
        )
        self.assertEqual(position.last_message_id, folded_messages[-1])

    def test_only_shipments_with_foldable_events_are_folded(self):
        simple, attempted = self.released_shipment(), self.released_shipment()
        events = self._events(simple, FOLDABLE_RUN, "a") + self._events(
            attempted, ["TENDER_ACCEPTED", "DELIVERY_ATTEMPTED"], "b"
        )
        messages = self._receive(events)
        records = self.flow._prepare(messages)
        positions = messages._lock_positions()
        outcomes = self.flow._chunk_handler(records)(messages, positions)
        simple_messages = messages.filtered(
            lambda m: m.payload["data"]["shipment_id"] == simple.tms_reference
        )
        self.assertEqual(set(outcomes), set(simple_messages.ids))
        self.assertEqual(
            [outcomes[m.id][1]["status"] for m in simple_messages],
            ["accepted", "carrier_assigned", "carrier_assigned", "in_transit"],
        )

    def test_mixed_chunk_applies_every_event(self):
        simple, attempted = self.released_shipment(), self.released_shipment()
        events = self._events(simple, FOLDABLE_RUN, "c") + self._events(
            attempted, ["TENDER_ACCEPTED", "DELIVERY_ATTEMPTED"], "d"
        )
        messages = self._apply(events)
        self.assertEqual(set(messages.mapped("state")), {"done"})
        self.assertEqual(simple.status, "in_transit")
        self.assertEqual(attempted.status, "exception")
        self.assertEqual(attempted.exception_type, "failed_delivery")
        self.assertEqual(len(simple.milestone_ids), len(FOLDABLE_RUN))
        self.assertEqual(len(attempted.milestone_ids), 2)

    def test_unknown_shipment_fails_alone(self):
        simple = self.released_shipment()
        unknown = self._events(simple, ["IN_TRANSIT"], "u")[0]
        unknown["data"]["shipment_id"] = unknown["aggregate"]["id"] = "NOPE-1"
        messages = self._apply([*self._events(simple, FOLDABLE_RUN, "k"), unknown])
        self.assertEqual(
            messages.mapped("state"), ["done"] * len(FOLDABLE_RUN) + ["failed"]
        )
        self.assertEqual(simple.status, "in_transit")

    def test_stale_event_goes_one_by_one(self):
        shipment = self.released_shipment()
        self._apply(self._events(shipment, FOLDABLE_RUN, "n"))
        late = self._events(shipment, ["TENDER_ACCEPTED", "CARRIER_ASSIGNED"], "l")
        messages = self._apply(late)
        self.assertEqual(messages.mapped("state"), ["stale", "stale"])
        self.assertEqual(shipment.status, "in_transit")
        self.assertEqual(len(shipment.milestone_ids), len(FOLDABLE_RUN) + 2)
