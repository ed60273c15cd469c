"""Outbound messages of one aggregate reach the peer in the order they were
logged, whatever their flows; a superseded message is never sent."""

from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..lib import errors, states
from .common import IntegrationCase


@tagged("post_install", "-at_install")
class TestOutboundOrder(IntegrationCase):
    def setUp(self):
        super().setUp()
        self.sent = []
        self.down = {"calls": 0}
        case = self

        def send(model, message):
            if case.down["calls"]:
                case.down["calls"] -= 1
                raise errors.RetryableError("peer down", system="tms")
            case.sent.append((message.flow_code, message.payload["n"]))
            return {"sent": message.payload["n"]}

        self.enterContext(
            patch.object(
                type(self.env["res.partner"]),
                "_logistics_test_order_send",
                send,
                create=True,
            )
        )
        self.first_flow, self.second_flow = self.env["logistics.flow"].create(
            [
                {
                    "code": "test.order_%s" % name,
                    "name": "Outbound %s (test)" % name,
                    "direction": "outbound",
                    "handler_model": "res.partner",
                    "handler_method": "_logistics_test_order_send",
                    "processing_mode": "single",
                }
                for name in ("first", "second")
            ]
        )

    def send(self, flow, number, aggregate_key="res.partner/1"):
        message, outcome, _reason = self.env["logistics.message"]._send(
            flow.code,
            {"n": number},
            endpoint_id=self.endpoint.id,
            aggregate_key=aggregate_key,
        )
        self.assertEqual(outcome, "accepted")
        return message

    def retry_due(self):
        self.env["logistics.message"].search(
            [("state", "=", states.FAILED)]
        ).next_attempt_at = "2000-01-01 00:00:00"
        with self.jobs():
            self.env["logistics.message"]._cron_dispatch_due()

    def test_later_message_waits_for_the_earlier_one_of_its_aggregate(self):
        self.down["calls"] = 1
        with self.jobs():
            first = self.send(self.first_flow, 1)
            second = self.send(self.second_flow, 2)
            other = self.send(self.second_flow, 3, aggregate_key="res.partner/2")
        self.assertEqual(first.state, states.FAILED)
        self.assertRecordValues(second, [{"state": states.QUEUED, "attempts": 0}])
        self.assertEqual(
            second.next_attempt_at,
            first.next_attempt_at,
            "due again when the earlier one retries",
        )
        self.assertEqual(other.state, states.DONE, "another aggregate goes on")
        self.assertEqual(self.sent, [("test.order_second", 3)])
        self.retry_due()
        self.assertEqual((first | second).mapped("state"), [states.DONE] * 2)
        self.assertEqual(second.attempts, 1, "waiting counts no attempt")
        self.assertEqual(
            self.sent[1:], [("test.order_first", 1), ("test.order_second", 2)]
        )

    def test_inbound_and_keyless_messages_are_not_held(self):
        self.down["calls"] = 1
        with self.jobs():
            first = self.send(self.first_flow, 1)
            keyless = self.send(self.second_flow, 2, aggregate_key=False)
        self.assertEqual(first.state, states.FAILED)
        self.assertEqual(keyless.state, states.DONE)

    def test_superseded_message_is_never_sent_and_lets_the_next_go(self):
        self.down["calls"] = 1
        with self.jobs():
            first = self.send(self.first_flow, 1)
            second = self.send(self.second_flow, 2)
        self.assertEqual(second.state, states.QUEUED)
        with self.jobs():
            first._supersede("made moot by the next one")
        self.assertRecordValues(
            first,
            [
                {
                    "state": states.SUPERSEDED,
                    "result": {
                        "superseded_by": False,
                        "reason": "made moot by the next one",
                    },
                    "next_attempt_at": False,
                }
            ],
        )
        self.assertEqual(second.state, states.DONE, "dispatched at once")
        self.assertEqual(self.sent, [("test.order_second", 2)])
        audit = self.env["logistics.audit.log"].search(
            [("message_id", "=", first.id), ("action", "=", "superseded")]
        )
        self.assertEqual(audit.resolution, "made moot by the next one")
        # Never sent afterwards: not by its job, the cron or a replay.
        with self.jobs():
            first._job_process()
            self.env["logistics.message"]._cron_dispatch_due()
        self.assertEqual(first.state, states.SUPERSEDED)
        with self.assertRaises(UserError):
            first.action_replay()
        self.assertEqual(self.sent, [("test.order_second", 2)])

    def test_a_message_in_flight_or_done_cannot_be_superseded(self):
        with self.jobs():
            done = self.send(self.first_flow, 1)
        self.assertEqual(done.state, states.DONE)
        with self.assertRaises(errors.InvalidTransition):
            done._supersede("too late")
        self.assertEqual(done.state, states.DONE)

    def test_dead_message_lets_the_next_go(self):
        self.down["calls"] = 1
        self.endpoint.max_attempts = 1
        with self.jobs():
            first = self.send(self.first_flow, 1)
            second = self.send(self.second_flow, 2)
        self.assertEqual(first.state, states.DEAD)
        self.assertEqual(second.state, states.DONE)
        self.assertEqual(self.sent, [("test.order_second", 2)])
