import logging
from datetime import timedelta

from odoo import _, fields, models

from ..lib import job_liveness, states

_logger = logging.getLogger(__name__)


class QueueJob(models.Model):
    _inherit = "queue.job"

    # ------------------------------------------------------------------
    # related actions (queue.job.function records, data/queue_job_function.xml)

    def _related_action_logistics_messages(self):
        """Open the messages of a message job.

        Those it processed (they keep its UUID); before it ran, those it was
        queued for: its own messages (one job per message) or the pending
        messages of its flow (a batch job).
        """
        self.ensure_one()
        Message = self.env["logistics.message"]
        messages = Message.search([("job_uuid", "=", self.uuid)])
        if not messages:
            messages = self.records.exists()
        if not messages and self.method_name == "_job_process_pending":
            messages = Message.search(
                [
                    ("flow_id", "=", self.args[0]),
                    ("state", "in", list(states.PENDING_STATES)),
                ]
            )
        return self._logistics_records_action(messages, _("Messages"))

    def _related_action_logistics_records(self, model):
        """Open the records of `model` whose ids are the job's first argument."""
        self.ensure_one()
        records = self.env[model].browse(self.args[0] if self.args else []).exists()
        return self._logistics_records_action(records)

    def _logistics_records_action(self, records, name=None):
        if not records:
            return None
        action = {
            "name": name or _("Related Records"),
            "type": "ir.actions.act_window",
            "res_model": records._name,
        }
        if len(records) == 1:
            action.update(view_mode="form", res_id=records.id)
        else:
            action.update(view_mode="list,form", domain=[("id", "in", records.ids)])
        return action

    def _logistics_requeue_lost_jobs(
        self, grace_seconds=job_liveness.DEFAULT_GRACE_SECONDS
    ):
        """Put back in the queue the jobs nobody runs any more; return them.

        queue_job leaves a job ``started`` when the worker running it dies or
        its transaction dies with a PostgreSQL restart, and its runner counts
        such a job against the channel's capacity for good; a job ``enqueued``
        whose request never reached a worker waits too. A job in one of these
        states for longer than `grace_seconds` whose liveness lock nobody
        holds is requeued (lib/job_liveness.py).
        """
        threshold = fields.Datetime.now() - timedelta(seconds=grace_seconds)
        candidates = self.sudo().search(
            [
                ("state", "in", job_liveness.LOST_STATES),
                "|",
                ("date_started", "<", threshold),
                "&",
                ("date_started", "=", False),
                ("date_enqueued", "<", threshold),
            ]
        )
        if not candidates:
            return self.browse()
        # The states must be read after the locks are taken (a job that ends
        # commits before it releases its lock): the locks on one cursor, the
        # states on another, whose snapshot starts once they are held.
        with self.env.registry.cursor() as probe:
            held = []
            try:
                for job in candidates:
                    probe.execute(
                        job_liveness.PROBE, (job_liveness.LOCK_NAMESPACE, job.uuid)
                    )
                    if probe.fetchone()[0]:
                        held.append(job.uuid)
                with self.env.registry.cursor() as cr:
                    lost = (
                        self.with_env(self.env(cr=cr))
                        .sudo()
                        .search(
                            [
                                ("uuid", "in", held),
                                ("state", "in", job_liveness.LOST_STATES),
                            ]
                        )
                    )
                    for job in lost:
                        _logger.warning(
                            "job %s (%s) was left %s by a worker or a database "
                            "connection that is gone: requeued",
                            job.uuid,
                            job.name,
                            job.state,
                        )
                    lost.requeue()
            finally:
                for uuid in held:
                    probe.execute(
                        job_liveness.RELEASE, (job_liveness.LOCK_NAMESPACE, uuid)
                    )
        return self.browse(lost.ids)
