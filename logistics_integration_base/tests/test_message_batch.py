from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from ..lib import states
from ..models.logistics_message_batch import DEFAULTS_GIVEN
from .common import IntegrationCase, envelope


@tagged("post_install", "-at_install")
class TestMessageBatch(IntegrationCase):
    """A batch of messages is logged with no work per message in SQL, and
    with the defaults and flow code Odoo's `create` would give each."""

    def events(self, tag, count):
        return [
            envelope(
                "%s-%03d" % (tag, n),
                self.partner,
                self.at(8, n % 60),
                "Ref %s" % n,
                sequence=n,
            )
            for n in range(count)
        ]

    def statements(self, events, **context):
        """(results, SQL statements) of receiving `events`, flush included."""
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        results = (
            self.env["logistics.message"]
            .with_context(**context)
            ._receive_batch(
                self.flow.code,
                [
                    {
                        "payload": event,
                        "idempotency_key": event["event_id"],
                        "correlation_id": "batch-%s" % event["event_id"],
                    }
                    for event in events
                ],
                endpoint=self.endpoint,
            )
        )
        self.env.flush_all()
        return results, self.env.cr.sql_log_count - before

    def mixed(self, tag, count):
        """`count` events, the second one bad (rejected, logged dead), and the
        first one again at the end (a duplicate, counted)."""
        events = self.events(tag, count)
        events[1]["event_type"] = ""
        return [*events, dict(events[0])]

    def test_statements_do_not_grow_with_the_batch(self):
        with trap_jobs():
            # Warm: the flow's batch job is queued, caches are filled.
            self.statements(self.mixed("warm-1", 3))
            self.statements(self.mixed("warm-2", 3))
            small, few = self.statements(self.mixed("small", 5))
            large, many = self.statements(self.mixed("large", 90))
        for results, count in ((small, 5), (large, 90)):
            outcomes = [outcome for _message, outcome, _reason in results]
            self.assertEqual(outcomes.count("accepted"), count - 1)
            self.assertEqual(outcomes[1], "rejected")
            self.assertEqual(outcomes[-1], "duplicate")
        self.assertEqual(many, few)

    def test_batch_messages_get_the_defaults_of_create(self):
        before = fields.Datetime.now()
        with trap_jobs():
            results, _count = self.statements(
                self.events("defaults", 3), default_partner_id=self.partner.id
            )
        messages = self.env["logistics.message"].browse([m.id for m, _o, _r in results])
        self.assertRecordValues(
            messages,
            [
                {
                    "partner_id": self.partner.id,
                    "company_id": self.endpoint.company_id.id,
                    "flow_code": self.flow.code,
                    "state": states.QUEUED,
                    "correlation_id": "batch-defaults-%03d" % n,
                }
                for n in range(3)
            ],
        )
        for message in messages:
            self.assertGreaterEqual(message.received_at, before)
            self.assertTrue(message.received_ts)
        # The context key stays with the create: the messages handed back don't
        # carry it into what runs next.
        for message, _outcome, _reason in results:
            self.assertNotIn(DEFAULTS_GIVEN, message.env.context)

    def test_flow_code_of_each_flow_in_one_create(self):
        other = self.flow.copy({"code": "test.partner_note_other"})
        Message = self.env["logistics.message"]
        messages = Message.create(
            [
                {
                    "direction": states.INBOUND,
                    "flow_id": flow.id,
                    "correlation_id": "flow-code-%s" % n,
                    "state": states.QUEUED,
                }
                for n, flow in enumerate([self.flow, other, self.flow])
            ]
        )
        self.assertEqual(
            messages.mapped("flow_code"), [self.flow.code, other.code, self.flow.code]
        )
        # A plain create still gets its defaults, record by record.
        self.assertEqual(messages.company_id, self.env.company)
        self.assertTrue(all(messages.mapped("received_at")))
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(
            messages.mapped("flow_code"), [self.flow.code, other.code, self.flow.code]
        )

    def test_a_client_context_key_does_not_skip_the_defaults(self):
        admin = self.env.ref("base.user_admin")
        Message = (
            self.env["logistics.message"]
            .with_user(admin)
            .with_context(**{DEFAULTS_GIVEN: True})
        )
        # No group may create messages: only server code logs them...
        with self.assertRaises(AccessError):
            Message.create({"direction": states.INBOUND, "flow_id": self.flow.id})
        # ...and without superuser rights the key is ignored anyway.
        values = Message._add_missing_default_values({"flow_id": self.flow.id})
        self.assertEqual(values["company_id"], admin.company_id.id)
        self.assertEqual(values["state"], states.QUEUED)
