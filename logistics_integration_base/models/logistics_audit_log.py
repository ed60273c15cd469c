import logging
import os
from collections import deque
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, config

from ..lib import audit_chain

_logger = logging.getLogger(__name__)

# The audit key: in the Odoo configuration or the environment, never in the
# database (like the encryption keys of endpoint secrets).
AUDIT_KEY_OPTION = "logistics_audit_key"
AUDIT_KEY_ENVIRONMENT = "LOGISTICS_AUDIT_KEY"
# Optional file the anchor cron appends the chain's head to (one JSON a line).
ANCHOR_FILE_OPTION = "logistics_audit_anchor_file"
ANCHOR_FILE_ENVIRONMENT = "LOGISTICS_AUDIT_ANCHOR_FILE"
ANCHOR_TAIL_LINES = 200

AUDIT_RETENTION_PARAM = "logistics_integration_base.audit_retention_days"
DEFAULT_AUDIT_RETENTION_DAYS = 3650
VERIFY_CHUNK = 5000
# The fields a row's hash covers, in the order they are stored.
HASHED_FIELDS = (
    "sequence",
    "event_time",
    "user_id",
    "endpoint_id",
    "message_id",
    "correlation_id",
    "res_model",
    "res_id",
    "action",
    "outcome",
    "details",
    "resolution",
)


def audit_key_text():
    """The configured audit key as text (configuration first, then environment)."""
    return config.get(AUDIT_KEY_OPTION) or os.environ.get(AUDIT_KEY_ENVIRONMENT)


def anchor_file():
    """Path of the external anchor file, or None."""
    return config.get(ANCHOR_FILE_OPTION) or os.environ.get(ANCHOR_FILE_ENVIRONMENT)


class LogisticsAuditLog(models.Model):
    """Append-only, hash-chained record of what happened and who did it."""

    _name = "logistics.audit.log"
    _description = "Integration Audit Log"
    _order = "sequence desc"
    _rec_name = "action"

    sequence = fields.Integer(readonly=True, index=True, aggregator=False)
    event_time = fields.Datetime(readonly=True, default=fields.Datetime.now, index=True)
    company_id = fields.Many2one(
        "res.company", readonly=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users", readonly=True, default=lambda self: self.env.uid
    )
    endpoint_id = fields.Many2one(
        "logistics.endpoint", readonly=True, ondelete="set null"
    )
    message_id = fields.Many2one(
        "logistics.message", readonly=True, ondelete="set null"
    )
    correlation_id = fields.Char(readonly=True, index=True, string="Correlation ID")
    res_model = fields.Char(readonly=True, string="Business Model")
    res_id = fields.Many2oneReference(model_field="res_model", readonly=True)
    action = fields.Selection(
        [
            ("replay", "Message replayed"),
            ("superseded", "Message superseded"),
            ("dead_letter", "Dead letter"),
            ("idempotency_conflict", "Idempotency conflict"),
            ("ownership_conflict", "Ownership conflict"),
            ("ownership_conflict_decided", "Ownership conflict decided"),
            ("secret_rotation", "Secrets rotated"),
            ("retention_purge", "Retention purge"),
            ("configuration", "Configuration change"),
            ("update_refused", "Update refused"),
            ("dispute", "Dispute opened"),
            ("dispute_resolved", "Dispute resolved"),
            ("invoice_on_delivery", "Invoice on delivery"),
            ("exception_retender", "Shipment re-tendered"),
            ("exception_redelivery", "Shipment redelivery requested"),
            ("exception_resolved", "Shipment exception resolved"),
            ("return_created", "Return created"),
            ("return_credit", "Return credited"),
            ("archive", "Archived to history"),
        ],
        required=True,
        readonly=True,
    )
    outcome = fields.Selection(
        [("success", "Success"), ("failure", "Failure"), ("refused", "Refused")],
        required=True,
        readonly=True,
    )
    details = fields.Text(readonly=True)
    resolution = fields.Text(readonly=True)
    previous_hash = fields.Char(readonly=True)
    row_hash = fields.Char(readonly=True)
    hash_version = fields.Integer(
        readonly=True,
        aggregator=False,
        help="1: plain SHA-256 (entries written before the audit key was "
        "configured); 2: HMAC-SHA256 under the audit key.",
    )

    @api.model
    def _audit_key(self):
        """The audit key (bytes), or None when none is configured.

        :raises UserError: if the configured key is too short
        """
        try:
            return audit_chain.parse_key(audit_key_text())
        except ValueError as err:
            raise UserError(
                self.env._(
                    "Invalid audit key (%(option)s): %(error)s",
                    option=AUDIT_KEY_OPTION,
                    error=err,
                )
            ) from err

    # ------------------------------------------------------------------
    # CRUD: append only

    @api.model_create_multi
    def create(self, vals_list):
        # Before the head is locked: refused callers must not hold up appends.
        self.check_access("create")
        key = self._audit_key()
        version = audit_chain.row_version(key)
        head = self.env["logistics.audit.head"]._lock()
        sequence, previous_hash = head.last_sequence, head.last_hash
        chained = []
        for given in vals_list:
            sequence += 1
            vals = dict(
                given,
                sequence=sequence,
                event_time=given.get("event_time") or fields.Datetime.now(),
                user_id=given.get("user_id", self.env.uid),
                previous_hash=previous_hash,
                hash_version=version,
            )
            vals["row_hash"] = audit_chain.row_hash(
                previous_hash, self._hash_input(vals), key
            )
            previous_hash = vals["row_hash"]
            chained.append(vals)
        records = super().create(chained)
        head.write({"last_sequence": sequence, "last_hash": previous_hash})
        return records

    def write(self, vals):
        if vals:
            raise UserError(_("The integration audit log is append-only."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_append_only(self):
        raise UserError(_("The integration audit log is append-only."))

    # ------------------------------------------------------------------
    # actions

    @api.model
    def action_verify_chain(self):
        self._logistics_check_access(
            "read", group="logistics_integration_base.group_integration_manager"
        )
        broken = self._first_broken_link()
        if broken:
            message = _(
                "The audit chain is broken at entry #%(seq)s (%(action)s of "
                "%(time)s): it or an entry before it was changed or removed.",
                seq=broken.sequence,
                action=broken.action,
                time=broken.event_time,
            )
            kind = "danger"
        else:
            message = _("The audit chain is intact.")
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": kind, "sticky": bool(broken)},
        }

    # ------------------------------------------------------------------
    # business methods

    @api.model
    def _append(
        self, action, outcome, message=None, record=None, endpoint=None, **values
    ):
        """The one way the suite writes audit entries."""
        vals = {"action": action, "outcome": outcome, **values}
        if message:
            vals.update(
                message_id=message.id,
                correlation_id=message.correlation_id,
                endpoint_id=message.endpoint_id.id,
                res_model=message.res_model,
                res_id=message.res_id,
                company_id=message.company_id.id,
            )
        if record:
            vals.update(res_model=record._name, res_id=record.id)
        if endpoint:
            vals["endpoint_id"] = endpoint.id
        return self.sudo().create(vals)

    @api.model
    def _hash_input(self, values):
        """What a row's hash covers, from create values or a stored row alike."""
        covered = {}
        for name in HASHED_FIELDS:
            value = values.get(name)
            if isinstance(value, models.BaseModel):
                value = value.id
            covered[name] = value or None
        covered["event_time"] = fields.Datetime.to_string(
            fields.Datetime.to_datetime(values["event_time"])
        )
        return covered

    def _hashed_values(self):
        self.ensure_one()
        return self._hash_input({name: self[name] for name in HASHED_FIELDS})

    def _first_broken_link(self):
        """The first entry whose hash or link does not hold, or an empty recordset.

        Keyed entries are checked under the audit key; a plain entry after a
        keyed one is a break (a chain rewritten without the key). Last, the
        newest anchor of the head kept outside the database must still match.
        """
        key = self._audit_key()
        expected_previous = None
        keyed_seen = False
        last_id = 0
        while True:
            rows = self.sudo().search(
                [("sequence", ">", last_id)], order="sequence", limit=VERIFY_CHUNK
            )
            if not rows:
                return self._broken_anchor()
            for row in rows:
                version = row.hash_version or audit_chain.PLAIN
                if (
                    expected_previous is not None
                    and row.previous_hash != expected_previous
                ):
                    return row
                if keyed_seen and version != audit_chain.KEYED:
                    return row
                try:
                    intact = audit_chain.check_row(
                        row.previous_hash,
                        row._hashed_values(),
                        row.row_hash,
                        version,
                        key,
                    )
                except LookupError as err:
                    raise UserError(
                        _(
                            "The audit log holds keyed entries but no audit key is "
                            "configured (%(option)s): it cannot be verified.",
                            option=AUDIT_KEY_OPTION,
                        )
                    ) from err
                if not intact:
                    return row
                keyed_seen = keyed_seen or version == audit_chain.KEYED
                expected_previous = row.row_hash
            last_id = rows[-1].sequence
            rows.invalidate_recordset()

    def _broken_anchor(self):
        """The entry the newest external anchor disagrees with, or empty.

        The anchor names the head (sequence and hash) at some time: that entry
        must still hold that hash, unless retention purged it. If it is gone
        while later entries remain, or entries after the head are missing, the
        newest remaining entry is reported.
        """
        anchor = self._last_anchor()
        if not anchor:
            return self.browse()
        _database, sequence, anchored_hash = anchor
        Audit = self.sudo()
        row = Audit.search([("sequence", "=", sequence)], limit=1)
        if row:
            return self.browse() if row.row_hash == anchored_hash else row
        newest = Audit.search([], order="sequence desc", limit=1)
        oldest = Audit.search([], order="sequence", limit=1)
        if newest and oldest.sequence > sequence:
            return self.browse()  # purged by retention: nothing left to compare
        return newest or self.browse()

    def _last_anchor(self):
        """(database, sequence, hash) of this database's newest anchor line."""
        path = anchor_file()
        if not path or not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as lines:
            tail = deque(lines, maxlen=ANCHOR_TAIL_LINES)
        for line in reversed(tail):
            anchor = audit_chain.parse_anchor(line)
            if anchor and anchor[0] == self.env.cr.dbname:
                return anchor
        return None

    @api.model
    def _cron_anchor_head(self):
        """Write the chain's head outside the database: a log line, a file line.

        Ship the log line (or the file) where database writers cannot reach:
        a rewrite or truncation of the chain then disagrees with it.
        """
        head = self.env["logistics.audit.head"].sudo().search([], limit=1)
        if not head:
            return None
        at = fields.Datetime.to_string(fields.Datetime.now())
        _logger.info(
            "audit chain head of %s: entry #%s, hash %s (%s)",
            self.env.cr.dbname,
            head.last_sequence,
            head.last_hash,
            "keyed" if self._audit_key() else "NOT keyed: set %s" % AUDIT_KEY_OPTION,
        )
        path = anchor_file()
        if path:
            line = audit_chain.anchor_record(
                self.env.cr.dbname, head.last_sequence, head.last_hash, at
            )
            with open(path, "a", encoding="utf-8") as anchors:
                anchors.write(line + "\n")
        return head.last_sequence

    @api.model
    def _cron_purge_expired(self):
        """Audit entries outlive message payloads; past their own retention they go."""
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(AUDIT_RETENTION_PARAM, DEFAULT_AUDIT_RETENTION_DAYS)
        )
        limit = fields.Datetime.now() - timedelta(days=days)
        # Bypasses the ORM on purpose: unlink is refused to everyone. The chain
        # then starts at the oldest kept entry, whose previous hash anchors it.
        self.env.cr.execute(
            SQL(
                "DELETE FROM logistics_audit_log WHERE event_time < %s RETURNING id",
                limit,
            )
        )
        purged = len(self.env.cr.fetchall())
        if purged:
            self.invalidate_model()
            self._append(
                action="retention_purge",
                outcome="success",
                details=_(
                    "%(count)s audit entries older than %(days)s days purged.",
                    count=purged,
                    days=days,
                ),
            )
        return purged


class LogisticsAuditHead(models.Model):
    """The head of the audit chain: one row every append locks and advances.

    Two concurrent appends update the same row, so one of them waits (or retries
    on a serialization failure) and the chain never forks.
    """

    _name = "logistics.audit.head"
    _description = "Integration Audit Chain Head"

    last_sequence = fields.Integer(readonly=True)
    last_hash = fields.Char(readonly=True)

    def _lock(self):
        head = self.sudo().search([], limit=1)
        if not head:
            head = self.sudo().create(
                {"last_sequence": 0, "last_hash": audit_chain.GENESIS}
            )
        self.env.cr.execute(
            SQL("SELECT id FROM logistics_audit_head WHERE id = %s FOR UPDATE", head.id)
        )
        head.invalidate_recordset()
        return head
