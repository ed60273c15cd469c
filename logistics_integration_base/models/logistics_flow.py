import logging

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import ValidationError

# `delay.Job`, not `job.Job`: queue_job's `trap_jobs` (tests) patches this name.
from odoo.addons.queue_job import delay as queue_job_delay
from odoo.addons.queue_job.utils import must_run_without_delay

from ..lib import states

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200
DEFAULT_RETENTION_DAYS = 90
# Flows whose batch job is checked again once the transaction committed.
RECHECK_KEY = "logistics.flow.recheck_pending"


class LogisticsFlow(models.Model):
    """The handler registry: one record per flow code.

    Other addons register their flows as data: which model method applies a
    message, which JSON Schema validates it, on which job channel it runs and
    whether messages are processed in batches or one job per message.
    """

    _name = "logistics.flow"
    _description = "Integration Flow"
    _order = "code"
    _rec_names_search = ["code", "name"]

    code = fields.Char(
        required=True,
        index=True,
        help="Stable identifier of the flow, e.g. `tms.event` or `order.submit`.",
    )
    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    direction = fields.Selection(states.DIRECTIONS, required=True)
    handler_model = fields.Char(
        required=True,
        help="Model whose method applies (inbound) or sends (outbound) a message.",
    )
    handler_method = fields.Char(
        required=True,
        help="Method called with the message (one record); it returns a JSON-able "
        "result and raises on failure.",
    )
    history_method = fields.Char(
        help="Optional method of the handler model called with a stale message "
        "(older than what was already applied to its aggregate): it may record "
        "history, e.g. a milestone on the timeline, but must not change state.",
    )
    prepare_method = fields.Char(
        help="Optional method of the handler model called with the messages of a "
        "chunk before they are applied (as superuser, in the job's company: a "
        "chunk may hold messages of several companies): it returns the records "
        "they are about, read in one query, and the handler and history methods "
        "are then called on those records.",
    )
    chunk_method = fields.Char(
        help="Optional method of the handler model called with the messages of a "
        "chunk (two or more) and their aggregates' locked positions, after "
        "`prepare_method`: it applies those it can set-based (e.g. a shipment's "
        "events folded into one write) and returns {message id: (record, "
        "result)} for them, leaving their states and positions to the message "
        "log; every message of an aggregate or none. The others go the "
        "per-message way.",
    )
    dead_method = fields.Char(
        help="Optional method of the handler model called when a message becomes "
        "dead (permanent error or retries exhausted), after its failed attempt "
        "was rolled back: e.g. to put the business record in exception.",
    )
    schema_name = fields.Char(
        help="JSON Schema (in an addon's schemas/ folder) that payloads must match."
    )
    schema_version = fields.Integer(default=1)
    channel = fields.Char(
        compute="_compute_channel",
        help="queue_job channel the flow's jobs run on: one channel per flow.",
    )
    processing_mode = fields.Selection(
        [
            ("batch", "Batched jobs"),
            ("single", "One job per message"),
            ("sync", "In the request"),
        ],
        default="batch",
        required=True,
        help="Batched: one job applies many pending messages of the flow in event "
        "order, in savepoints of `chunk size` messages. One job per message: for slow, "
        "independent messages such as outbound calls. In the request: for "
        "requests answered at once (e.g. order acknowledgement); a failure "
        "is retried by jobs like the others.",
    )
    batch_size = fields.Integer(default=DEFAULT_BATCH_SIZE, required=True)
    chunk_size = fields.Integer(
        default=1,
        required=True,
        help="Messages a job applies under one savepoint, written to the database "
        "together. A failure rolls the chunk back and the outcome is the same as "
        "one savepoint per message (the messages before the failing one are "
        "applied again). Above 1 only for inbound flows: their handlers change "
        "nothing outside the database.",
    )
    max_attempts = fields.Integer(
        default=5,
        required=True,
        help="Attempts before a message is dead (the endpoint's setting wins).",
    )
    retention_days = fields.Integer(
        default=DEFAULT_RETENTION_DAYS,
        required=True,
        help="Payloads of finished messages older than this are purged.",
    )

    _sql_constraints = [
        ("code_unique", "unique(code)", "A flow code must be unique."),
        ("batch_size_positive", "check(batch_size > 0)", "Batch size must be > 0."),
        ("chunk_size_positive", "check(chunk_size > 0)", "Chunk size must be > 0."),
        ("attempts_positive", "check(max_attempts > 0)", "Attempts must be > 0."),
    ]

    @api.depends("code")
    def _compute_channel(self):
        for flow in self:
            flow.channel = "root.logistics.%s" % (flow.code or "").replace(".", "_")

    @api.constrains(
        "handler_model",
        "handler_method",
        "history_method",
        "dead_method",
        "prepare_method",
        "chunk_method",
    )
    def _check_handler(self):
        for flow in self:
            model = self.env.get(flow.handler_model)
            if model is None:
                raise ValidationError(
                    _(
                        "Flow %(flow)s: model %(model)s does not exist.",
                        flow=flow.code,
                        model=flow.handler_model,
                    )
                )
            hooks = (
                flow.handler_method,
                flow.history_method,
                flow.dead_method,
                flow.prepare_method,
                flow.chunk_method,
            )
            for method in filter(None, hooks):
                if not callable(getattr(model, method, None)):
                    raise ValidationError(
                        _(
                            "Flow %(flow)s: %(model)s has no method %(method)s.",
                            flow=flow.code,
                            model=flow.handler_model,
                            method=method,
                        )
                    )

    @api.constrains("direction", "chunk_size")
    def _check_chunk_size(self):
        for flow in self:
            if flow.chunk_size > 1 and flow.direction != states.INBOUND:
                raise ValidationError(
                    _(
                        "Flow %(flow)s: only inbound flows apply messages in "
                        "chunks; an outbound handler calls another system, which "
                        "a rolled-back chunk would call twice.",
                        flow=flow.code,
                    )
                )

    @api.model
    def _get_by_code(self, code):
        flow = self.sudo().search([("code", "=", code)], limit=1)
        if not flow:
            raise ValidationError(_("Unknown integration flow %s.", code))
        return flow

    def _handler(self, records):
        """The handler method, bound to `records` (what `_prepare` returned)."""
        self.ensure_one()
        return getattr(records.with_env(self.env), self.handler_method)

    def _prepare(self, messages):
        """The records a chunk of messages is about: for the handler to start from."""
        self.ensure_one()
        model = self.env[self.handler_model]
        if not self.prepare_method:
            return model
        return getattr(model, self.prepare_method)(messages)

    def _notify_dead(self, message):
        """Run the flow's dead-letter hook; its own failure never hides the letter."""
        self.ensure_one()
        if not self.dead_method:
            return
        try:
            with self.env.cr.savepoint():
                getattr(self.env[self.handler_model], self.dead_method)(message)
        except Exception:
            _logger.exception(
                "[%s] dead-letter hook of flow %s failed for message %s",
                message.correlation_id,
                self.code,
                message.id,
            )

    def _chunk_handler(self, records):
        """The chunk method bound to `records`, or None (see `chunk_method`)."""
        self.ensure_one()
        if not self.chunk_method:
            return None
        return getattr(records.with_env(self.env), self.chunk_method)

    def _history_handler(self, records):
        self.ensure_one()
        if not self.history_method:
            return None
        return getattr(records.with_env(self.env), self.history_method)

    def _enqueue_pending(self):
        """Make sure one batch job per flow is waiting (queue_job identity key);
        where one was waiting already, check again once this transaction
        committed (`_recheck_after_commit`)."""
        batch_flows = self.filtered(lambda f: f.processing_mode == "batch")
        batch_flows._enqueue_pending_now()._recheck_after_commit()

    def _enqueue_pending_now(self):
        """Queue each flow's batch job unless one is waiting; return the flows
        whose job was waiting already.

        queue_job's `with_delay` answers with the waiting `queue.job` record
        when the identity key matched one, and with the new `Job` otherwise
        (`DelayableGraph.delay`). A job queued here is committed with this
        transaction's messages, so it cannot claim before they are there: only
        a job that was waiting needs the check after the commit.
        """
        waiting = self.browse()
        for flow in self:
            queued = (
                self.env["logistics.message"]
                .with_delay(
                    channel=flow.channel,
                    identity_key=flow._batch_identity_key(),
                    description=flow._batch_description(),
                )
                ._job_process_pending(flow.id)
            )
            if isinstance(queued, models.BaseModel):
                waiting |= flow
        return waiting

    def _recheck_after_commit(self):
        """Check the flows' batch jobs again in a new transaction once this one
        committed its messages.

        The batch job this transaction found waiting may have started and
        claimed before the commit, without these messages; if it found fewer
        than a full batch, it chained no job and they would wait for the
        per-minute cron. Looked at after the commit, a job still waiting
        claims after it, and sees them.
        """
        if not self:
            return
        postcommit = self.env.cr.postcommit
        flow_ids = postcommit.data.get(RECHECK_KEY)
        if flow_ids is None:
            flow_ids = postcommit.data[RECHECK_KEY] = set()
            postcommit.add(self._recheck_callback(self.env.registry, flow_ids))
        flow_ids.update(self.ids)

    @api.model
    def _recheck_callback(self, registry, flow_ids):
        def recheck():
            try:
                with registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    flows = env["logistics.flow"].browse(sorted(flow_ids)).exists()
                    flows._enqueue_pending_now()
            except Exception:  # the cron re-enqueues what is due, every minute
                _logger.exception("Batch jobs of flows %s not checked", flow_ids)

        return recheck

    def _enqueue_next_batch(self):
        """Chain the next batch job, from a batch job that found a full batch.

        Not through the identity check of `_enqueue_pending`: it reads the
        running job's snapshot, taken when the job started. A batch job queued
        meanwhile looks pending there though it may have run since and found
        nothing (this job held the messages): the chain would end with
        messages left for the per-minute cron. The job stored carries the
        flow's identity key all the same, so that messages received meanwhile
        join it instead of queuing another.
        """
        self.ensure_one()
        Message = self.env["logistics.message"]
        if must_run_without_delay(self.env):
            Message._job_process_pending(self.id)
            return
        queue_job_delay.Job(
            Message._job_process_pending,
            args=(self.id,),
            channel=self.channel,
            identity_key=self._batch_identity_key(),
            description=self._batch_description(),
        ).store()

    def _batch_identity_key(self):
        self.ensure_one()
        return "logistics-flow-%s" % self.code

    def _batch_description(self):
        self.ensure_one()
        return _("Process pending %s messages", self.code)
