import logging
import time
import traceback
from datetime import timedelta

from psycopg2 import errorcodes
from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import (
    SQL,
    create_index,
    create_unique_index,
    mute_logger,
    split_every,
)

from ..lib import (
    backoff,
    correlation,
    errors,
    idempotency,
    json_text,
    ordering,
    receipt,
    schema,
    states,
)

_logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000
PENDING_CLAIM_STATES = (states.QUEUED, states.FAILED)
# What the claim queries read: flushed before they run.
CLAIM_FIELDS = ["flow_id", "state", "next_attempt_at", "event_time", "event_sequence"]

IDEMPOTENCY_INDEX = "logistics_message_idempotency_uniq"


class IdempotencyRace(pg_errors.SerializationFailure):
    """A concurrent delivery of the same idempotency key committed first.

    Its row is invisible to this transaction's snapshot (Odoo runs requests
    in REPEATABLE READ), so the duplicate cannot be answered from here: like
    PostgreSQL's own serialization failures, the whole transaction must run
    again. Odoo's request loop (`odoo.service.model.retrying`) and queue_job
    replay it on this error; the new snapshot sees the winner's message and
    the key is answered as a duplicate (or a conflict).
    """

    pgcode = errorcodes.SERIALIZATION_FAILURE


class LogisticsMessage(models.Model):
    """Every inbound and outbound exchange of the suite: no side door.

    States live in `lib/states.py`; errors are classified in `lib/errors.py`.
    """

    _name = "logistics.message"
    _description = "Integration Message"
    _order = "id desc"
    _rec_name = "display_name"

    # Indexes: each message row is written three times or so, and every index
    # is maintained on each of those writes. Only lookup keys are indexed; the
    # selective states (not done) and flags through partial indexes (init()).
    direction = fields.Selection(states.DIRECTIONS, required=True)
    flow_id = fields.Many2one(
        "logistics.flow", required=True, index=True, ondelete="restrict"
    )
    flow_code = fields.Char(related="flow_id.code", store=True, precompute=True)
    endpoint_id = fields.Many2one("logistics.endpoint", index=True, ondelete="restrict")
    partner_id = fields.Many2one(
        "res.partner",
        index="btree_not_null",
        help="The customer or partner the exchange is with (e.g. the API caller).",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    # Written by `_set_state` only, which checks the transition table.
    state = fields.Selection(
        states.STATES,
        required=True,
        default=states.QUEUED,
        readonly=True,
        help=states.help_text(),
    )
    correlation_id = fields.Char(required=True, index=True, string="Correlation ID")
    idempotency_key = fields.Char(index=True)
    payload_fingerprint = fields.Char(readonly=True)
    external_id = fields.Char(index=True, string="External ID")
    res_model = fields.Char(string="Business Model")
    res_id = fields.Many2oneReference(model_field="res_model", string="Business Record")
    aggregate_key = fields.Char(
        help="What the message orders on, e.g. the shipment it updates: events of "
        "one aggregate are applied in event order.",
    )
    event_time = fields.Datetime(help="The event's own time, as told by the sender.")
    event_sequence = fields.Integer(help="The sender's sequence, for equal times.")
    payload = fields.Json()
    payload_purged = fields.Boolean(readonly=True)
    schema_version = fields.Integer()
    result = fields.Json(readonly=True)
    attempts = fields.Integer(readonly=True)
    max_attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True, index="btree_not_null")
    last_error = fields.Text(readonly=True)
    last_traceback = fields.Text(readonly=True)
    error_kind = fields.Selection(
        [("retryable", "Retryable"), ("permanent", "Permanent")], readonly=True
    )
    error_system = fields.Char(readonly=True, help="Which system the error came from.")
    error_details = fields.Json(readonly=True)
    conflict_details = fields.Json(
        readonly=True, help="Fields the sender does not own and tried to write."
    )
    has_conflict = fields.Boolean(readonly=True)
    received_at = fields.Datetime(
        default=fields.Datetime.now, required=True, readonly=True, index=True
    )
    sent_at = fields.Datetime(readonly=True)
    processed_at = fields.Datetime(readonly=True)
    received_ts = fields.Float(
        digits=(16, 6),
        readonly=True,
        help="Reception time as a Unix timestamp with microseconds (Odoo datetimes "
        "keep whole seconds): the base of the latency figures.",
    )
    latency_ms = fields.Integer(
        readonly=True, help="From received to processed, in milliseconds."
    )
    duplicate_count = fields.Integer(
        compute="_compute_duplicate_count",
        help="How many times the sender delivered it again (same key and payload).",
    )
    replay_count = fields.Integer(readonly=True)
    replayed_by_id = fields.Many2one("res.users", readonly=True)
    replayed_at = fields.Datetime(readonly=True)
    job_uuid = fields.Char(readonly=True, string="Last Job")

    def init(self):
        create_unique_index(
            self.env.cr,
            "logistics_message_idempotency_uniq",
            self._table,
            ["COALESCE(endpoint_id, 0)", "flow_id", "idempotency_key"],
        )
        create_index(
            self.env.cr,
            "logistics_message_pending_idx",
            self._table,
            # In the claim's order (`_claim_due`): the claim reads it in order
            # and stops at its limit, taking the advisory locks of those
            # messages' aggregates only; in any other order it would sort them
            # all first, locking every aggregate with a due message, and a
            # second job would find nothing to claim.
            ["flow_id", "event_time NULLS FIRST", "event_sequence NULLS FIRST", "id"],
            where="state IN ('queued', 'failed')",
        )
        create_index(
            self.env.cr,
            "logistics_message_aggregate_idx",
            self._table,
            ["aggregate_key", "event_time"],
            where="aggregate_key IS NOT NULL",
        )
        create_index(
            self.env.cr,
            "logistics_message_open_idx",
            self._table,
            ["state", "flow_id"],
            # Final states (dead letters stay: they wait for someone).
            where="state NOT IN ('done', 'stale', 'superseded')",
        )
        create_index(
            self.env.cr,
            "logistics_message_record_idx",
            self._table,
            ["res_id", "res_model"],
            where="res_id IS NOT NULL",
        )
        create_index(
            self.env.cr,
            "logistics_message_conflict_idx",
            self._table,
            ["flow_id"],
            where="has_conflict",
        )

    def _compute_duplicate_count(self):
        counts = dict(
            self.env["logistics.message.redelivery"]
            .sudo()
            ._read_group([("message_id", "in", self.ids)], ["message_id"], ["__count"])
        )
        for message in self:
            message.duplicate_count = counts.get(message.id, 0)

    @api.depends("flow_code", "external_id", "idempotency_key")
    def _compute_display_name(self):
        for message in self:
            ref = message.external_id or message.idempotency_key or message.id
            message.display_name = "%s %s" % (message.flow_code or "", ref)

    # ------------------------------------------------------------------
    # state

    def _set_state(self, state, vals=None, via=None):
        """Move the messages to `state`: the one writer of the field.

        Every message's move is checked against the transition table
        (`lib/states.py`) first; nothing is written if one is not allowed.

        :param vals: other values written with the state
        :param via: a state the messages went through whose write was rolled
            back (a failed attempt was `processing` in its savepoint)
        :raises errors.InvalidTransition: if a move is not allowed
        """
        for message in self:
            old = message.state
            if via:
                states.check_transition(old, via)
                old = via
            states.check_transition(old, state)
        self.write(dict(vals or {}, state=state))

    # ------------------------------------------------------------------
    # actions

    def action_replay(self):
        """Replay dead (or failed) messages, keeping their correlation IDs."""
        self._logistics_check_access(
            "write", group="logistics_integration_base.group_integration_manager"
        )
        refused = self.filtered(
            lambda m: not states.can_transition(m.state, states.QUEUED)
        )
        if refused:
            raise UserError(
                _(
                    "Only dead or failed messages can be replayed; %(names)s are not.",
                    names=", ".join(refused.mapped("display_name")),
                )
            )
        now = fields.Datetime.now()
        for message in self:
            message._set_state(
                states.QUEUED,
                {
                    "attempts": 0,
                    "next_attempt_at": False,
                    "replay_count": message.replay_count + 1,
                    "replayed_by_id": self.env.uid,
                    "replayed_at": now,
                },
            )
            self.env["logistics.audit.log"]._append(
                action="replay",
                outcome="success",
                message=message,
                resolution=_("Replayed by %s", self.env.user.name),
            )
        self._dispatch()
        return True

    def action_open_trace(self):
        self._logistics_check_access("read", read_models=["logistics.trace"])
        self.ensure_one()
        return self.env["logistics.trace"]._action_for(self.correlation_id)

    def action_open_record(self):
        self._logistics_check_access("read")
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # logging messages in

    @api.model
    def _receive(self, flow_code, payload, **values):
        """Log one inbound message; return (message, outcome, reason)."""
        return self._log_messages(
            flow_code, states.INBOUND, [dict(values, payload=payload)]
        )[0]

    @api.model
    def _receive_batch(self, flow_code, items, endpoint=None):
        """Log many inbound messages in one transaction.

        `items` are dicts of message values (payload, idempotency_key,
        correlation_id, external_id, aggregate_key, event_time, ...). Returns one
        (message, outcome, reason) per item, in order.
        """
        if endpoint:
            items = [dict(item, endpoint_id=endpoint.id) for item in items]
        return self._log_messages(flow_code, states.INBOUND, items)

    @api.model
    def _send(self, flow_code, payload, **values):
        """Log one outbound message and queue it; return (message, outcome, reason)."""
        return self._log_messages(
            flow_code, states.OUTBOUND, [dict(values, payload=payload)]
        )[0]

    @api.model
    def _log_messages(self, flow_code, direction, items):
        flow = self.env["logistics.flow"]._get_by_code(flow_code)
        Message = self.sudo()
        # NUL characters cannot be stored: such items are logged, cleaned, as
        # rejected (before any query uses their keys).
        nul_problems = [json_text.nul_problems(item) for item in items]
        items = [
            json_text.without_nul(item) if problems else item
            for item, problems in zip(items, nul_problems, strict=True)
        ]
        results = [None] * len(items)
        new_vals, new_positions = [], []
        # Items repeating a key first seen in this very batch, answered once
        # that first message is created: (position, its index in new_vals, vals).
        repeats = []
        existing = Message._existing_by_key(flow, items)
        first_seen = {}  # key -> index in new_vals
        registries = {}  # schema version -> its registry, looked up once a batch
        for position, item in enumerate(items):
            vals = Message._prepare_message_vals(flow, direction, item)
            key = (vals.get("endpoint_id") or 0, vals.get("idempotency_key"))
            if vals.get("idempotency_key"):
                if key in existing:
                    results[position] = Message._answer_known(existing[key], vals)
                    continue
                if key in first_seen:
                    repeats.append((position, first_seen[key], vals))
                    continue
                first_seen[key] = len(new_vals)
            reason = Message._nul_rejection(nul_problems[position]) or (
                Message._validate_payload(flow, vals, registries)
            )
            if reason:
                vals.update(reason)
            new_vals.append(vals)
            new_positions.append(position)
        created = Message._create_logged(new_vals)
        for position, message in zip(new_positions, created, strict=True):
            if message.state == states.DEAD:
                results[position] = (message, receipt.REJECTED, message.last_error)
            else:
                results[position] = (message, receipt.ACCEPTED, None)
        for position, index, vals in repeats:
            results[position] = Message._answer_known(created[index], vals)
        Message._log_redeliveries(items, results)
        created.filtered(lambda m: m.state == states.QUEUED)._dispatch()
        return results

    def _log_redeliveries(self, items, results):
        """Count re-deliveries beside the message, never on its row (see the model)."""
        vals_list = [
            {
                "message_id": message.id,
                "correlation_id": correlation.accept(item.get("correlation_id")),
            }
            for item, (message, outcome, _reason) in zip(items, results, strict=True)
            if outcome == receipt.DUPLICATE
        ]
        if vals_list:
            self.env["logistics.message.redelivery"].sudo().create(vals_list)

    def _existing_by_key(self, flow, items):
        keys = {item.get("idempotency_key") for item in items} - {None, False, ""}
        if not keys:
            return {}
        found = self.search(
            [("flow_id", "=", flow.id), ("idempotency_key", "in", list(keys))]
        )
        return {(m.endpoint_id.id or 0, m.idempotency_key): m for m in found}

    def _answer_known(self, known, vals):
        """Same key again: same payload is a duplicate, another is a conflict."""
        if known.state == states.DEAD and known.error_system == "schema":
            return (known, receipt.REJECTED, known.last_error)
        if known.payload_fingerprint == vals["payload_fingerprint"]:
            return (known, receipt.DUPLICATE, None)
        reason = _(
            "Idempotency key %(key)s was already used with another payload "
            "(message %(id)s).",
            key=known.idempotency_key,
            id=known.id,
        )
        self.env["logistics.audit.log"]._append(
            action="idempotency_conflict",
            outcome="refused",
            message=known,
            details=reason,
        )
        return (known, receipt.CONFLICT, reason)

    def _prepare_message_vals(self, flow, direction, item):
        vals = {
            key: value
            for key, value in item.items()
            if key in self._fields and key != "state"
        }
        endpoint = self.env["logistics.endpoint"].browse(vals.get("endpoint_id"))
        vals.update(
            direction=direction,
            flow_id=flow.id,
            correlation_id=correlation.accept(item.get("correlation_id")),
            payload_fingerprint=idempotency.fingerprint(item.get("payload")),
            schema_version=item.get("schema_version") or flow.schema_version,
            received_ts=time.time(),
            max_attempts=endpoint.max_attempts or flow.max_attempts,
            state=states.QUEUED,
        )
        if endpoint:
            vals["company_id"] = endpoint.company_id.id
        return vals

    def _nul_rejection(self, problems):
        """Held NUL characters (now replaced): permanent, logged dead, never run."""
        if not problems:
            return None
        return {
            "state": states.DEAD,
            "last_error": "NUL characters are not allowed: %s"
            % ", ".join(
                problem["pointer"] or schema.ROOT_LABEL for problem in problems
            ),
            "error_kind": "permanent",
            "error_details": problems,
            "error_system": "schema",
        }

    def _validate_payload(self, flow, vals, registries=None):
        """Schema violations are permanent: the message is logged dead, never run.

        :param registries: dict (schema version -> registry) the messages of a
            batch share: each schema is looked up once for the batch
        """
        if not flow.schema_name:
            return None
        Schema = self.env["logistics.schema"]
        registries = {} if registries is None else registries
        version = vals["schema_version"]
        try:
            if version not in registries:
                registries[version] = Schema._registry_of(flow.schema_name, version)
            Schema._validate(
                flow.schema_name, version, vals.get("payload"), registries[version]
            )
        except errors.PermanentError as err:
            return {
                "state": states.DEAD,
                "last_error": str(err),
                "error_kind": "permanent",
                "error_details": err.details,
                "error_system": "schema",
            }
        return None

    def _create_logged(self, vals_list):
        """Create the new messages; a key a concurrent delivery took wins there.

        `_existing_by_key` answered every key this transaction can see; a
        unique violation here means another transaction stored one of the keys
        after this one began: raise `IdempotencyRace` so that it runs again.
        """
        if not vals_list:
            return self.browse()
        # The one insert of messages: each is logged in an initial state of
        # the transition table (queued, or dead when validation refused it).
        for vals in vals_list:
            states.check_initial(vals["state"])
        try:
            # A lost race is expected under load, not a "bad query" to log.
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                return self._create_batch(vals_list)
        except pg_errors.UniqueViolation as err:
            if err.diag.constraint_name != IDEMPOTENCY_INDEX:
                raise
            _logger.info(
                "idempotency race on flow %s: a concurrent delivery stored one of "
                "%s keys first; the transaction is run again",
                vals_list[0].get("flow_id"),
                len(vals_list),
            )
            raise IdempotencyRace(str(err)) from err

    # ------------------------------------------------------------------
    # jobs

    def _dispatch(self):
        """Run what the messages' flows say: queue a batch job per flow, one job
        per message, or process sync flows right here, in the request."""
        by_flow = self.grouped("flow_id")
        for flow, messages in by_flow.items():
            if flow.processing_mode == "batch":
                flow._enqueue_pending()
                continue
            if flow.processing_mode == "sync" and not messages.filtered("attempts"):
                # Answered in the request, which Odoo replays on a conflict.
                messages._process(raise_conflicts=True)
                continue
            for message in messages:
                job = message.with_delay(
                    channel=flow.channel,
                    identity_key="logistics-message-%s-%s"
                    % (message.id, message.replay_count),
                    description=_(
                        "%(flow)s message %(id)s", flow=flow.code, id=message.id
                    ),
                )._job_process()
                message.job_uuid = job.uuid

    def _job_process(self):
        """Job: process these messages (one-job-per-message mode)."""
        self._process()
        return _("%s message(s) processed", len(self))

    @api.model
    def _job_process_pending(self, flow_id):
        """Job: apply a batch of due messages of one flow, in event order."""
        flow = self.env["logistics.flow"].browse(flow_id)
        messages = self._claim_due(flow, flow.batch_size)
        messages._process()
        if len(messages) == flow.batch_size:
            flow._enqueue_next_batch()  # more are waiting: chain the next batch
        return _("%s message(s) processed", len(messages))

    @api.model
    def _claim_due(self, flow, limit):
        """Lock due messages of a flow; rows other workers hold are skipped.

        A job claims whole aggregates: the transaction-level advisory lock of an
        aggregate (e.g. a shipment) keeps other jobs off its later events until
        this one commits, so two jobs never apply events of one aggregate side
        by side (the second would wait for, then conflict on, its position).
        """
        self.flush_model(CLAIM_FIELDS)
        self.env.cr.execute(self._claim_due_query(flow, limit))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _claim_due_query(self, flow, limit):
        """The claim's statement. It reads the due messages in the order of
        `logistics_message_pending_idx` and stops at `limit`: the advisory
        locks are taken for the aggregates of the messages read, not of every
        due message (a sort would read them all first)."""
        return SQL(
            """SELECT id FROM logistics_message
                WHERE flow_id = %s AND state IN %s
                  AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
                  AND (aggregate_key IS NULL
                       OR pg_try_advisory_xact_lock(%s, hashtext(aggregate_key)))
             ORDER BY event_time NULLS FIRST, event_sequence NULLS FIRST, id
                LIMIT %s
                  FOR NO KEY UPDATE SKIP LOCKED""",
            flow.id,
            PENDING_CLAIM_STATES,
            fields.Datetime.now(),
            flow.id,
            limit,
        )

    def _process(self, raise_conflicts=False):
        """Apply the messages in savepoints: one bad message fails alone.

        Handlers act for the integration, not for whoever enqueued the job (a
        portal user, a manager replaying): they run as superuser, in the
        message's company. Callers are authorised where messages come in.
        Messages of one flow go in chunks of the flow's `chunk_size`.

        :param raise_conflicts: let database conflicts (serialization failure,
            deadlock) propagate instead of recording them: a request answered
            synchronously is then replayed whole by Odoo, in a new transaction,
            where a job would retry the message later.
        """
        job_uuid = self.env.context.get("job_uuid")
        messages = self.sudo()._still_pending()
        flow = messages.flow_id
        size = 1 if raise_conflicts or len(flow) != 1 else flow.chunk_size
        for ids in split_every(size, messages.ids):
            messages.browse(ids)._process_chunk(job_uuid, raise_conflicts)

    def _still_pending(self):
        """These messages less those another run already took to an end, and
        less the outbound ones that wait for an earlier message of their
        aggregate (see `_held_back`).

        A job may find its message done, stale, dead or superseded: applied by
        another job after a replay, replayed while its retry was still queued,
        or made moot (e.g. a release by a cancel). It is left as it is (the
        state machine would refuse the move).
        """
        pending = self.filtered(
            lambda message: states.can_transition(message.state, states.PROCESSING)
        )
        if pending != self:
            _logger.info(
                "Messages %s are no longer pending: left as they are",
                (self - pending).ids,
            )
        return pending - pending._held_back()

    def _held_back(self):
        """The outbound messages of these that must wait, put off.

        Outbound messages of one aggregate (e.g. a shipment's release, its
        amendments and its cancellation, whatever their flows) reach the
        receiver in the order they were logged: one waits while an earlier one
        of its aggregate is queued, retrying or in flight. It is left in its
        state, with no attempt counted, until that one ends (done, dead or
        superseded: `_dispatch_successors`), or the cron finds it due again.
        """
        keyed = self.filtered(
            lambda m: m.direction == states.OUTBOUND and m.aggregate_key
        )
        if not keyed:
            return self.browse()
        self.flush_model(["state", "aggregate_key", "direction", "next_attempt_at"])
        self.env.cr.execute(
            SQL(
                """SELECT m.id, max(earlier.next_attempt_at)
                     FROM logistics_message m
                     JOIN logistics_message earlier
                       ON earlier.aggregate_key = m.aggregate_key
                      AND earlier.direction = %s
                      AND earlier.id < m.id
                      AND earlier.state IN %s
                    WHERE m.id IN %s
                 GROUP BY m.id""",
                states.OUTBOUND,
                tuple(states.PENDING_STATES | {states.PROCESSING}),
                tuple(keyed.ids),
            )
        )
        held = self.browse()
        for message_id, next_attempt_at in self.env.cr.fetchall():
            message = self.browse(message_id)
            # Due again when the earlier message retries (its end dispatches
            # this one at once; the cron is the safety net).
            message.next_attempt_at = next_attempt_at or False
            held |= message
        if held:
            _logger.info(
                "Messages %s wait for earlier messages of their aggregate", held.ids
            )
        return held

    def _dispatch_successors(self):
        """Dispatch the held outbound messages that waited for these."""
        keyed = self.filtered(
            lambda m: m.direction == states.OUTBOUND and m.aggregate_key
        )
        if not keyed:
            return
        successors = self.search(
            [
                ("direction", "=", states.OUTBOUND),
                ("aggregate_key", "in", keyed.mapped("aggregate_key")),
                ("state", "=", states.QUEUED),
                ("id", ">", min(keyed.ids)),
            ]
        )
        if successors:
            successors.next_attempt_at = False
            successors._dispatch()

    def _supersede(self, reason, superseded_by=None):
        """Mark these messages superseded: never sent (again), by design.

        For messages a later one made moot before they were sent, e.g. a
        shipment's release still waiting when the shipment is cancelled. Only
        messages not in flight may be (the transition table); a message another
        worker is sending holds its row lock until it ends, so that superseding
        it then fails to serialize and is run again, seeing the outcome.
        """
        now = fields.Datetime.now()
        for message in self:
            message._set_state(
                states.SUPERSEDED,
                {
                    "processed_at": now,
                    "next_attempt_at": False,
                    "result": {
                        "superseded_by": superseded_by.id if superseded_by else False,
                        "reason": reason,
                    },
                },
            )
            self.env["logistics.audit.log"]._append(
                action="superseded",
                outcome="success",
                message=message,
                resolution=reason,
            )
        self._dispatch_successors()

    def _process_chunk(self, job_uuid, raise_conflicts=False):
        """Apply messages under one savepoint, as if each had its own.

        A failure rolls the chunk back. An integration error (`lib/errors.py`)
        a handler raises is about the message it ran for: the messages before
        it are applied again, its failure is recorded, the rest go on as a new
        chunk. Any other error (database, constraint, bug) may come from an
        earlier message's deferred writes: the messages up to it are applied
        again one by one, to find whose it is.
        """
        pending = self
        while pending:
            failed, exc = pending._apply_in_savepoint(job_uuid)
            if exc is None:
                return
            if len(pending) == 1:
                conflict = isinstance(exc, errors.RETRYABLE_DATABASE_ERRORS)
                if conflict and raise_conflicts:
                    raise exc
                pending.with_company(pending.company_id)._record_failure(exc, job_uuid)
                return
            if failed and isinstance(exc, errors.IntegrationError):
                index = pending.ids.index(failed.id)
                pending[:index]._process_chunk(job_uuid, raise_conflicts)
                failed.with_company(failed.company_id)._record_failure(exc, job_uuid)
            else:
                index = pending.ids.index(failed.id) if failed else len(pending) - 1
                for message in pending[: index + 1]:
                    message._process_chunk(job_uuid, raise_conflicts)
            pending = pending[index + 1 :]

    def _apply_in_savepoint(self, job_uuid):
        """Apply these messages in one savepoint; return (None, None) or the
        failure: (message, exception), the message being empty when the
        failure is no handler's (locking the positions, flushing the chunk)."""
        message = self.browse()
        try:
            with self.env.cr.savepoint():
                positions = self._lock_positions()
                records = self.flow_id._prepare(self)
                rest = self._apply_set_based(job_uuid, positions, records)
                for message in rest:
                    message.with_company(message.company_id)._process_one(
                        job_uuid, positions.get(message.aggregate_key), records
                    )
                message = self.browse()
        except Exception as exc:  # classified in lib/errors.py, in one place
            return message, exc
        return None, None

    def _lock_positions(self):
        """The positions of the aggregates these messages are about, locked."""
        # Event positions order inbound events; outbound messages go in the
        # order they were logged instead (`_held_back`).
        keyed = self.filtered(
            lambda m: m.aggregate_key and m.direction == states.INBOUND
        )
        if not keyed:
            return {}
        return self.env["logistics.aggregate.position"]._lock_all(
            keyed.flow_id, keyed.mapped("aggregate_key")
        )

    def _process_one(self, job_uuid, position, records):
        """Apply this message; `records`: what the flow prepared for its chunk."""
        self.ensure_one()
        self._set_state(states.PROCESSING, {"attempts": self.attempts + 1})
        if position is not None and ordering.is_stale(
            position._position(), self._position()
        ):
            history = self.flow_id._history_handler(records)
            result = history(self) if history else None
            self._finish(
                states.STALE,
                job_uuid,
                result={"stale_after": position.last_message_id.id, "history": result},
            )
            return
        result = self.flow_id._handler(records)(self)
        if position is not None:
            position._advance(self)
        self._finish(states.DONE, job_uuid, result=result)

    def _finish(self, state, job_uuid, result=None):
        now = fields.Datetime.now()
        if self.direction == states.OUTBOUND and state == states.DONE:
            self.sent_at = now
        self._set_state(
            state,
            {
                **self._finished_vals(now),
                "latency_ms": self._latency_ms(now),
                "result": result,
                "job_uuid": job_uuid or self.job_uuid,
            },
        )
        _logger.debug("[%s] message %s %s", self.correlation_id, self.id, state)
        self._dispatch_successors()

    @api.model
    def _finished_vals(self, now):
        """What every message's end writes, whatever the message."""
        return {
            "processed_at": now,
            "next_attempt_at": False,
            "last_error": False,
            "error_kind": False,
        }

    def _latency_ms(self, now):
        if self.received_ts:
            return max(0, int((time.time() - self.received_ts) * 1000))
        return int((now - self.received_at).total_seconds() * 1000)

    def _record_failure(self, exc, job_uuid=None):
        """Retry with backoff while it makes sense; else the message is dead."""
        error = errors.classify(exc)
        attempts = self.attempts + 1  # the savepoint rolled the increment back
        retry = isinstance(error, errors.RetryableError) and backoff.should_retry(
            attempts, self.max_attempts
        )
        vals = {
            "attempts": attempts,
            "last_error": str(error)[:MAX_ERROR_LENGTH],
            "last_traceback": "".join(traceback.format_exception(exc)),
            "error_kind": "retryable"
            if isinstance(error, errors.RetryableError)
            else "permanent",
            "error_system": error.system or False,
            "error_details": error.details or False,
            "job_uuid": job_uuid or self.job_uuid,
        }
        if retry:
            delay = backoff.next_delay(
                attempts, self._retry_schedule(), retry_after=error.retry_after
            )
            state = states.FAILED
            vals["next_attempt_at"] = fields.Datetime.now() + timedelta(seconds=delay)
        else:
            state = states.DEAD
        # The attempt was `processing`: its savepoint rolled that write back.
        self._set_state(state, vals, via=states.PROCESSING)
        _logger.warning(
            "[%s] message %s (%s) %s after attempt %s: %s",
            self.correlation_id,
            self.id,
            self.flow_code,
            state,
            attempts,
            vals["last_error"],
        )
        if not retry:
            self._dispatch_successors()
            self.flow_id._notify_dead(self)
            self.env["logistics.audit.log"]._append(
                action="dead_letter",
                outcome="failure",
                message=self,
                details=vals["last_error"],
            )

    def _retry_schedule(self):
        if self.endpoint_id:
            return self.endpoint_id._retry_schedule()
        return backoff.DEFAULT_SCHEDULE

    def _position(self):
        return ordering.EventPosition(self.event_time, self.event_sequence)

    # ------------------------------------------------------------------
    # crons

    @api.model
    def _cron_dispatch_due(self):
        """Re-enqueue flows with due messages: retries, and jobs lost in a crash."""
        self.flush_model(CLAIM_FIELDS)
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT flow_id FROM logistics_message
                    WHERE state IN %s
                      AND (next_attempt_at IS NULL OR next_attempt_at <= %s)""",
                PENDING_CLAIM_STATES,
                fields.Datetime.now(),
            )
        )
        flows = self.env["logistics.flow"].browse(
            [row[0] for row in self.env.cr.fetchall()]
        )
        # It logged no message: nothing to look at again after its commit.
        flows.filtered(lambda f: f.processing_mode == "batch")._enqueue_pending_now()
        single = self.search(
            [
                (
                    "flow_id",
                    "in",
                    flows.filtered(lambda f: f.processing_mode != "batch").ids,
                ),
                ("state", "in", PENDING_CLAIM_STATES),
                "|",
                ("next_attempt_at", "=", False),
                ("next_attempt_at", "<=", fields.Datetime.now()),
            ]
        )
        single._dispatch()

    @api.model
    def _cron_purge_payloads(self, chunk_size=1000):
        """Drop payloads of finished messages past their flow's retention."""
        purged = 0
        for flow in (
            self.env["logistics.flow"]
            .with_context(active_test=False)
            .search([("retention_days", ">", 0)])
        ):
            limit = fields.Datetime.now() - timedelta(days=flow.retention_days)
            while True:
                batch = self.search(
                    [
                        ("flow_id", "=", flow.id),
                        ("payload_purged", "=", False),
                        ("state", "in", list(states.TERMINAL_STATES | {states.DEAD})),
                        ("received_at", "<", limit),
                    ],
                    limit=chunk_size,
                )
                if not batch:
                    break
                batch.write({"payload": False, "result": False, "payload_purged": True})
                purged += len(batch)
        if purged:
            _logger.info("purged payloads of %s messages", purged)
        return purged
