import logging

from odoo import api, fields, models
from odoo.tools import SQL, create_index, create_unique_index

from ..lib import states

_logger = logging.getLogger(__name__)

MESSAGE_ARCHIVE_DAYS_PARAM = "logistics_integration_base.message_archive_days"
MESSAGE_ARCHIVE_CHUNK_PARAM = "logistics_integration_base.message_archive_chunk"
# Archived: messages that never move again. Dead letters wait for someone to
# replay them; queued, processing and failed ones are still at work.
ARCHIVED_STATES = tuple(sorted(states.TERMINAL_STATES))
# The columns a message keeps in the archive (its payload does not), by the
# same names: the archive row has the message's id.
ARCHIVED_COLUMNS = (
    "id",
    "direction",
    "flow_id",
    "flow_code",
    "endpoint_id",
    "partner_id",
    "company_id",
    "state",
    "correlation_id",
    "idempotency_key",
    "payload_fingerprint",
    "external_id",
    "res_model",
    "res_id",
    "aggregate_key",
    "event_time",
    "event_sequence",
    "schema_version",
    "result",
    "attempts",
    "last_error",
    "error_kind",
    "error_system",
    "has_conflict",
    "received_at",
    "sent_at",
    "processed_at",
    "latency_ms",
    "replay_count",
    "replayed_at",
    "job_uuid",
)


class LogisticsMessageArchive(models.Model):
    """Finished messages past the archive retention, out of the message log.

    One row per archived message, with the message's own id, its keys, states
    and times, without its payload. The idempotency key stays unique here as in
    the log: a message delivered again after archiving is still answered as a
    duplicate (or a conflict). Written by the archive cron only, in chunks;
    each chunk is one audit entry holding the digest of its rows.
    """

    _name = "logistics.message.archive"
    _inherit = ["logistics.archive.mixin"]
    _description = "Archived Integration Message"
    _order = "id desc"
    _log_access = False
    _archive_columns = ARCHIVED_COLUMNS
    _archive_days_param = MESSAGE_ARCHIVE_DAYS_PARAM
    _archive_chunk_param = MESSAGE_ARCHIVE_CHUNK_PARAM

    direction = fields.Selection(states.DIRECTIONS, readonly=True)
    flow_id = fields.Many2one(
        "logistics.flow", readonly=True, index=True, ondelete="restrict"
    )
    flow_code = fields.Char(readonly=True)
    endpoint_id = fields.Many2one(
        "logistics.endpoint", readonly=True, ondelete="restrict"
    )
    partner_id = fields.Many2one("res.partner", readonly=True, ondelete="restrict")
    company_id = fields.Many2one("res.company", readonly=True, ondelete="restrict")
    state = fields.Selection(states.STATES, readonly=True)
    correlation_id = fields.Char(readonly=True, index=True, string="Correlation ID")
    idempotency_key = fields.Char(readonly=True, index=True)
    payload_fingerprint = fields.Char(readonly=True)
    external_id = fields.Char(readonly=True, index=True, string="External ID")
    res_model = fields.Char(readonly=True, string="Business Model")
    res_id = fields.Many2oneReference(
        model_field="res_model", readonly=True, string="Business Record"
    )
    aggregate_key = fields.Char(readonly=True)
    event_time = fields.Datetime(readonly=True)
    event_sequence = fields.Integer(readonly=True)
    schema_version = fields.Integer(readonly=True)
    result = fields.Json(readonly=True)
    attempts = fields.Integer(readonly=True)
    last_error = fields.Text(readonly=True)
    error_kind = fields.Selection(
        [("retryable", "Retryable"), ("permanent", "Permanent")], readonly=True
    )
    error_system = fields.Char(readonly=True)
    has_conflict = fields.Boolean(readonly=True)
    received_at = fields.Datetime(readonly=True, index=True)
    sent_at = fields.Datetime(readonly=True)
    processed_at = fields.Datetime(readonly=True)
    latency_ms = fields.Integer(readonly=True)
    replay_count = fields.Integer(readonly=True)
    replayed_at = fields.Datetime(readonly=True)
    job_uuid = fields.Char(readonly=True, string="Last Job")

    def init(self):
        create_unique_index(
            self.env.cr,
            "logistics_message_archive_idempotency_uniq",
            self._table,
            ["COALESCE(endpoint_id, 0)", "flow_id", "idempotency_key"],
        )
        # What the archive cron asks of the rows pointing at messages
        # (`_eligible_condition`): found by index, not by a scan per message.
        for table, column in (
            ("logistics_audit_log", "message_id"),
            ("logistics_aggregate_position", "last_message_id"),
        ):
            create_index(
                self.env.cr,
                "%s_%s_archive_idx" % (table, column),
                table,
                [column],
                where="%s IS NOT NULL" % column,
            )

    @api.depends("flow_code", "external_id", "idempotency_key")
    def _compute_display_name(self):
        for message in self:
            ref = message.external_id or message.idempotency_key or message.id
            message.display_name = "%s %s" % (message.flow_code or "", ref)

    # ------------------------------------------------------------------
    # archiving

    @api.model
    def _referencing_columns(self):
        """(table, column) of every foreign key pointing at a message.

        A message another row points at stays in the log: deleting it would
        empty or remove that row (an audit entry's hashed message, a
        milestone's source, an aggregate's last position).
        """
        self.env.cr.execute(
            """SELECT cl.relname, att.attname
                 FROM pg_constraint con
                 JOIN pg_class cl ON cl.oid = con.conrelid
                 JOIN pg_attribute att
                   ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
                WHERE con.contype = 'f'
                  AND con.confrelid = 'logistics_message'::regclass
             ORDER BY 1, 2"""
        )
        return self.env.cr.fetchall()

    @api.model
    def _eligible_condition(self, cutoff):
        """What makes a message (alias m) archivable (an SQL condition)."""
        unreferenced = [
            SQL(
                "NOT EXISTS (SELECT 1 FROM %s r WHERE r.%s = m.id)",
                SQL.identifier(table),
                SQL.identifier(column),
            )
            for table, column in self._referencing_columns()
        ]
        return SQL(" AND ").join(
            [
                SQL("m.state IN %s", ARCHIVED_STATES),
                SQL("m.received_at < %s", cutoff),
                SQL("(m.processed_at IS NULL OR m.processed_at < %s)", cutoff),
                *unreferenced,
            ]
        )

    @api.model
    def _count_eligible(self, cutoff):
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM logistics_message m WHERE %s",
                self._eligible_condition(cutoff),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _archive_chunk(self, cutoff, size):
        """Move one chunk of archivable messages here; return how many moved.

        In the caller's transaction: the copy, the audit entry and the delete
        commit together or not at all (an interrupted run leaves nothing half
        done; the next run takes the same messages again). Rows another
        transaction holds are skipped.
        """
        # The rows pointing at messages too (e.g. milestones just created).
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT m.id FROM logistics_message m WHERE %s
                 ORDER BY m.id LIMIT %s FOR UPDATE SKIP LOCKED""",
                self._eligible_condition(cutoff),
                size,
            )
        )
        ids = tuple(row[0] for row in self.env.cr.fetchall())
        if not ids:
            return 0
        columns = SQL(", ").join(SQL.identifier(name) for name in ARCHIVED_COLUMNS)
        self.env.cr.execute(
            SQL(
                """INSERT INTO logistics_message_archive (%s, archived_at)
                   SELECT %s, %s FROM logistics_message WHERE id IN %s""",
                columns,
                columns,
                fields.Datetime.now(),
                ids,
            )
        )
        self._archive_record(ids, source="logistics.message")
        self.env.cr.execute(SQL("DELETE FROM logistics_message WHERE id IN %s", ids))
        self.env["logistics.message"].invalidate_model()
        _logger.info("archived %s messages (%s..%s)", len(ids), ids[0], ids[-1])
        return len(ids)
