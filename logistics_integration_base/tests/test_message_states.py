"""The state machine is enforced; the suite's jobs are declared to queue_job."""

from odoo.tests import tagged

from ..lib import errors, states
from .common import IntegrationCase, envelope

LOGISTICS_MODULES = "odoo.addons.logistics_"
# Job methods that do not follow the `_job_` naming.
OTHER_JOB_METHODS = {"<logistics.job.runner.heartbeat>._record_heartbeat"}


@tagged("post_install", "-at_install")
class TestMessageStates(IntegrationCase):
    def _done_message(self, event_id):
        with self.jobs():
            [(message, _outcome, _reason)] = self.receive(
                envelope(event_id, self.partner, self.at(8), event_id)
            )
        self.assertEqual(message.state, states.DONE)
        return message

    def test_state_moves_only_along_the_transition_table(self):
        message = self._done_message("ev-st-1")
        for target in (states.QUEUED, states.PROCESSING, states.FAILED):
            with self.assertRaises(errors.InvalidTransition):
                message._set_state(target)
        with self.assertRaises(errors.InvalidTransition):
            message._set_state(states.DEAD, via=states.PROCESSING)
        self.assertEqual(message.state, states.DONE)

    def test_one_refused_move_writes_nothing(self):
        done = self._done_message("ev-st-2")
        # Not run (no job performed): it waits, queued.
        [(queued, _outcome, _reason)] = self.receive(
            envelope("ev-st-3", self.partner, self.at(9), "later")
        )
        self.assertEqual(queued.state, states.QUEUED)
        with self.assertRaises(errors.InvalidTransition):
            (queued | done)._set_state(states.PROCESSING)
        self.assertEqual(queued.state, states.QUEUED)

    def test_a_job_finding_its_message_ended_leaves_it(self):
        message = self._done_message("ev-st-5")
        result = message.result
        message._process()  # e.g. a retry job still queued after a replay
        self.assertRecordValues(message, [{"state": states.DONE, "attempts": 1}])
        self.assertEqual(message.result, result)

    def test_a_failed_attempt_passes_through_processing(self):
        [(message, _outcome, _reason)] = self.receive(
            envelope("ev-st-4", self.partner, self.at(8), "x")
        )
        message._set_state(states.FAILED, {"attempts": 1}, via=states.PROCESSING)
        self.assertRecordValues(message, [{"state": states.FAILED, "attempts": 1}])
        message._set_state(states.DEAD, via=states.PROCESSING)
        self.assertEqual(message.state, states.DEAD)
        with self.assertRaises(errors.InvalidTransition):
            message._set_state(states.FAILED)  # dead is left by replay only

    def test_messages_are_logged_queued_or_dead(self):
        Message = self.env["logistics.message"].sudo()
        vals = {
            "direction": "inbound",
            "flow_id": self.flow.id,
            "correlation_id": "corr-logged-done",
            "state": states.DONE,
        }
        with self.assertRaises(errors.InvalidTransition):
            Message._create_logged([vals])
        self.assertFalse(Message.search([("correlation_id", "=", "corr-logged-done")]))

    def test_state_help_lists_each_state(self):
        help_text = self.env["logistics.message"]._fields["state"].help
        for state, label in states.STATES:
            self.assertIn(f"{label}: {states.STATE_HELP[state]}", help_text)


@tagged("post_install", "-at_install")
class TestJobFunctions(IntegrationCase):
    def test_every_job_method_of_the_suite_is_declared(self):
        Function = self.env["queue.job.function"]
        expected = set(OTHER_JOB_METHODS)
        for model_name in self.env.registry:
            cls = type(self.env[model_name])
            for name in dir(cls):
                func = getattr(cls, name, None) if name.startswith("_job_") else None
                if callable(func) and func.__module__.startswith(LOGISTICS_MODULES):
                    expected.add(Function.job_function_name(model_name, name))
        self.assertIn("<logistics.message>._job_process_pending", expected)
        declared = Function.search([("name", "in", sorted(expected))])
        self.assertEqual(set(declared.mapped("name")), expected)
        for function in declared:
            self.assertTrue(
                function.channel.startswith("root.logistics"), function.name
            )

    def test_message_jobs_open_their_messages(self):
        [(message, _outcome, _reason)] = self.receive(
            envelope("ev-job-1", self.partner, self.at(8), "x")
        )
        single = message.with_delay()._job_process()
        job = self.env["queue.job"].search([("uuid", "=", single.uuid)])
        self.assertEqual(
            job.job_function_id,
            self.env.ref("logistics_integration_base.job_function_message_process"),
        )
        action = job.open_related_action()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("logistics.message", message.id)
        )
        # A batch job: before it ran, the pending messages of its flow.
        batch = (
            self.env["logistics.message"]
            .with_delay()
            ._job_process_pending(self.flow.id)
        )
        job = self.env["queue.job"].search([("uuid", "=", batch.uuid)])
        action = job.open_related_action()
        self.assertEqual(action["res_id"], message.id)
        # Once it ran, the messages it processed.
        message.with_context(job_uuid=batch.uuid)._process()  # as the job would
        self.assertEqual(message.job_uuid, batch.uuid)
        self.assertEqual(message.state, states.DONE)
        action = job.open_related_action()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("logistics.message", message.id)
        )

    def test_heartbeat_jobs_have_no_related_action(self):
        job = (
            self.env["logistics.job.runner.heartbeat"].with_delay()._record_heartbeat()
        )
        record = self.env["queue.job"].search([("uuid", "=", job.uuid)])
        self.assertEqual(record.channel, "root.logistics")
        self.assertFalse(record.job_function_id.related_action["enable"])

    def test_jobs_on_ids_open_the_records_of_their_argument(self):
        job = (
            self.env["logistics.message"]
            .with_delay()
            ._job_process_pending([self.partner.id])
        )
        record = self.env["queue.job"].search([("uuid", "=", job.uuid)])
        action = record._related_action_logistics_records("res.partner")
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("res.partner", self.partner.id)
        )
        self.partner.unlink()
        self.assertIsNone(record._related_action_logistics_records("res.partner"))

    def test_unfinished_messages_index_leaves_out_every_final_state(self):
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
            ("logistics_message_open_idx",),
        )
        [(definition,)] = self.env.cr.fetchall()
        for state in states.TERMINAL_STATES:
            self.assertIn("'%s'" % state, definition)
        self.assertNotIn("'%s'" % states.DEAD, definition)  # waits for someone
