from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import archive

MANAGER_GROUP = "logistics_integration_base.group_integration_manager"


class LogisticsArchiveMixin(models.AbstractModel):
    """Rows moved out of the hot tables: read-only, each chunk audited.

    Every chunk written to an archive model is recorded by one `archive` audit
    entry whose details hold the chunk's ids and a digest of the archived
    columns (`_archive_columns`): the chain covers the digest, and
    `_archive_problems` checks the rows against it. Archive rows are written
    by the archive cron, in the chunk's transaction, and never changed after.
    """

    _name = "logistics.archive.mixin"
    _description = "Archived History (mixin)"

    # The columns the digest covers, read alike when archiving and verifying.
    _archive_columns = ("id",)
    # ir.config_parameter keys: days before rows are archived (0: never), and
    # the chunk size (optional).
    _archive_days_param = None
    _archive_chunk_param = None

    archived_at = fields.Datetime(readonly=True, index=True)
    audit_log_id = fields.Many2one(
        "logistics.audit.log",
        string="Archive audit entry",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
    )

    @api.model
    def _archive_cutoff(self):
        """Rows older than it are archived; None: never (0 days, the default)."""
        days = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(self._archive_days_param, 0)
        )
        return archive.cutoff(fields.Datetime.now(), days)

    @api.model
    def _archive_chunk(self, cutoff, size):
        """Move one chunk of rows older than ``cutoff`` here; return how many.

        In the caller's transaction: copy, audit entry and delete commit
        together or not at all.
        """
        raise NotImplementedError

    @api.model
    def _count_eligible(self, cutoff):
        """How many rows older than ``cutoff`` wait to be archived."""
        raise NotImplementedError

    @api.model
    def _cron_archive(self, chunk_size=None):
        """Archive one chunk of rows past retention; report what is left.

        Odoo's cron commits after each call and calls again while rows are
        left: one transaction per chunk, safe to stop and to run again (an
        interrupted chunk is rolled back whole and taken again next time).
        """
        cutoff = self._archive_cutoff()
        if cutoff is None:
            return 0
        size = archive.chunk_size(
            chunk_size
            or self.env["ir.config_parameter"]
            .sudo()
            .get_param(self._archive_chunk_param)
        )
        moved = self._archive_chunk(cutoff, size)
        left = self._count_eligible(cutoff) if moved == size else 0
        self.env["ir.cron"]._notify_progress(
            done=moved, remaining=archive.remaining_after(moved, size, left)
        )
        return moved

    def _archive_rows(self, condition):
        """The archived columns of the rows matching ``condition`` (an SQL)."""
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM %s WHERE %s ORDER BY id",
                SQL(", ").join(SQL.identifier(name) for name in self._archive_columns),
                SQL.identifier(self._table),
                condition,
            )
        )
        names = [column.name for column in self.env.cr.description]
        return [dict(zip(names, row, strict=True)) for row in self.env.cr.fetchall()]

    def _archive_record(self, ids, **extra):
        """Record the chunk of rows ``ids`` just archived: one audit entry.

        :param extra: more (JSON) details of the chunk, e.g. what left the hot
            tables with it
        :return: the audit entry
        """
        rows = self._archive_rows(SQL("id IN %s", tuple(ids)))
        details = archive.audit_details(
            self._name, [row["id"] for row in rows], archive.digest(rows), **extra
        )
        entry = self.env["logistics.audit.log"]._append(
            action="archive", outcome="success", res_model=self._name, details=details
        )
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET audit_log_id = %s WHERE id IN %s",
                SQL.identifier(self._table),
                entry.id,
                tuple(ids),
            )
        )
        self.invalidate_model(["audit_log_id"])
        return entry

    @api.model
    def _archive_problems(self, entry, details):
        """What does not hold between an audit entry and its archived rows."""
        rows = self._archive_rows(SQL("audit_log_id = %s", entry.id))
        return archive.check_chunk(details, rows)

    @api.model
    def action_verify_archives(self):
        """Check every archived chunk against the digest the audit chain holds."""
        self._logistics_check_access("read", group=MANAGER_GROUP)
        return self.env["logistics.audit.log"].sudo()._archive_verification_answer()
