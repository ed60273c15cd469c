import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib import audit_chain

_logger = logging.getLogger(__name__)

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
            ("receive", "Message received"),
            ("replay", "Message replayed"),
            ("dead_letter", "Dead letter"),
            ("idempotency_conflict", "Idempotency conflict"),
            ("ownership_conflict", "Ownership conflict"),
            ("conflict_accepted", "Conflict accepted"),
            ("secret_rotation", "Secrets rotated"),
            ("retention_purge", "Retention purge"),
            ("configuration", "Configuration change"),
            ("update_refused", "Update refused"),
            ("dispute", "Dispute opened"),
            ("dispute_resolved", "Dispute resolved"),
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

    # ------------------------------------------------------------------
    # CRUD: append only

    @api.model_create_multi
    def create(self, vals_list):
        # Before the head is locked: refused callers must not hold up appends.
        self.check_access("create")
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
            )
            vals["row_hash"] = audit_chain.row_hash(
                previous_hash, self._hash_input(vals)
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
        """The first entry whose hash or link does not hold, or an empty recordset."""
        expected_previous = None
        last_id = 0
        while True:
            rows = self.sudo().search(
                [("sequence", ">", last_id)], order="sequence", limit=VERIFY_CHUNK
            )
            if not rows:
                return self.browse()
            for row in rows:
                if (
                    expected_previous is not None
                    and row.previous_hash != expected_previous
                ):
                    return row
                if (
                    audit_chain.row_hash(row.previous_hash, row._hashed_values())
                    != row.row_hash
                ):
                    return row
                expected_previous = row.row_hash
            last_id = rows[-1].sequence
            rows.invalidate_recordset()

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
