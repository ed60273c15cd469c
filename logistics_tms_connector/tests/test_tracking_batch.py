from odoo.tests import tagged

from .test_set_apply import FOLDABLE_RUN, SetApplyCase


@tagged("post_install", "-at_install")
class TestTrackingBatch(SetApplyCase):
    """The tracking of several shipments logged in one create
    (`logistics_shipment_tracking.py`) shows in their chatter what Odoo's
    `_message_log` per shipment shows, and notifies whom it notified."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.follower = cls.env["res.partner"].create(
            {"name": "Dispatcher", "email": "dispatch@example.com"}
        )
        # Every subtype a shipment's follower may choose, the note included.
        cls.subtypes = cls.env["mail.message.subtype"].search(
            [("res_model", "in", [False, "logistics.shipment"])]
        )

    def _shipments(self, count):
        shipments = self.env["logistics.shipment"].union(
            *(self.released_shipment() for _n in range(count))
        )
        shipments.message_subscribe(
            partner_ids=self.follower.ids, subtype_ids=self.subtypes.ids
        )
        self.env.cr.flush()  # the release's tracking, before the events
        return shipments

    def _tracking_entries(self, shipment):
        """What the chatter shows of the shipment's tracking, and to whom it
        was sent."""
        shipment.invalidate_recordset()
        messages = shipment.message_ids.filtered("tracking_value_ids").sorted("id")
        return [
            {
                "body": str(message.body),
                "subtype": message.subtype_id.id,
                "author": message.author_id.id,
                "email_from": message.email_from,
                "reply_to": message.reply_to,
                "type": message.message_type,
                "internal": message.is_internal,
                "model": message.model,
                "values": [
                    (t.field_id.name, t.old_value_char, t.new_value_char)
                    for t in message.tracking_value_ids.sorted("id")
                ],
                "partners": message.partner_ids.ids,
                "notified": message.notification_ids.res_partner_id.ids,
                "mails": self.env["mail.mail"].search_count(
                    [("mail_message_id", "=", message.id)]
                ),
            }
            for message in messages
        ]

    def _status_entry(self, shipment):
        return [
            entry
            for entry in self._tracking_entries(shipment)
            if entry["values"][0][0] == "status"
        ][-1]

    def test_chunk_chatter_is_the_one_by_one_chatter(self):
        shipments, alone = self._shipments(3), self._shipments(1)
        events = [
            event
            for n, shipment in enumerate(shipments)
            for event in self._events(shipment, FOLDABLE_RUN, "b%s" % n)
        ]
        self._apply(events)
        self.env.cr.flush()  # the chunk's tracking, of the three together
        self.flow.chunk_method = False  # the per-message path, as before
        self._apply(self._events(alone, FOLDABLE_RUN, "a"))
        self.env.cr.flush()  # one shipment: Odoo's own `_message_log`
        expected = self._status_entry(alone)
        self.assertEqual(
            expected["values"], [("status", "Released to TMS", "In transit")]
        )
        self.assertEqual(
            expected["subtype"], self.env.ref("mail.mt_note").id, "a logged note"
        )
        for shipment in shipments:
            self.assertEqual(shipment.status, "in_transit")
            self.assertEqual(self._status_entry(shipment), expected)
            self.assertEqual(
                len(self._tracking_entries(shipment)),
                len(self._tracking_entries(alone)),
            )

    def test_batch_write_of_status_is_tracked_per_shipment(self):
        shipments, alone = self._shipments(2), self._shipments(1)
        shipments.write({"status": "in_transit"})
        self.env.cr.flush()
        alone.write({"status": "in_transit"})
        self.env.cr.flush()
        expected = self._status_entry(alone)
        for shipment in shipments:
            self.assertEqual(self._status_entry(shipment), expected)
