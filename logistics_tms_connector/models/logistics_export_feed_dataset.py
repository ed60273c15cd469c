import logging

from odoo import _, api, fields, models
from odoo.tools import SQL, split_every

from odoo.addons.logistics_integration_base.lib import errors, states, tabular

from .logistics_export_feed import EXPORT_FLOW

_logger = logging.getLogger(__name__)

MIMETYPES = {
    tabular.CSV: "text/csv",
    tabular.PARQUET: "application/vnd.apache.parquet",
}
# A file on its way: the next run waits for it (its rows would be in both).
IN_FLIGHT_STATES = (states.QUEUED, states.PROCESSING, states.FAILED)


class LogisticsExportFeedDataset(models.Model):
    """One dataset of a feed and its cursor: the last row already on the target.

    The cursor is the (write time, id) of the last row of the last file put on
    the target: a run exports the rows written after it, in that order. The
    write time is kept as PostgreSQL's text (microseconds): the ORM's datetimes
    drop them, and a row written in the same second would be missed or doubled.
    """

    _name = "logistics.export.feed.dataset"
    _description = "Analytics Export Dataset"
    _order = "feed_id, dataset"

    feed_id = fields.Many2one(
        "logistics.export.feed", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="feed_id.company_id", store=True)
    dataset = fields.Selection(selection="_selection_dataset", required=True)
    active = fields.Boolean(
        default=True, help="Exported by the feed's runs (uncheck to pause it)."
    )
    cursor_write_date = fields.Char(
        string="Cursor: write time",
        readonly=True,
        copy=False,
        help="Write time (UTC, database precision) of the last row on the target; "
        "empty: nothing exported yet, the first run exports every row.",
    )
    cursor_res_id = fields.Integer(
        string="Cursor: record ID", readonly=True, copy=False
    )
    file_sequence = fields.Integer(
        readonly=True, copy=False, help="Number of the last file made."
    )
    last_file_name = fields.Char(readonly=True, copy=False)
    last_exported_at = fields.Datetime(readonly=True, copy=False)
    rows_exported = fields.Integer(
        readonly=True, copy=False, help="Rows put on the target so far."
    )

    _sql_constraints = [
        (
            "feed_dataset_unique",
            "unique(feed_id, dataset)",
            "A feed exports each dataset once.",
        )
    ]

    @api.model
    def _selection_dataset(self):
        return [
            (code, spec["label"])
            for code, spec in self.env["logistics.export.feed"]
            ._export_datasets()
            .items()
        ]

    @api.depends("feed_id.code", "dataset")
    def _compute_display_name(self):
        for line in self:
            line.display_name = "%s / %s" % (
                line.feed_id.code or "",
                line.dataset or "",
            )

    # ------------------------------------------------------------------
    # actions

    def action_reset_cursor(self):
        """Export every row again at the next run (e.g. for a new warehouse)."""
        self._logistics_check_access(
            "write", group="logistics_integration_base.group_integration_manager"
        )
        self.write({"cursor_write_date": False, "cursor_res_id": 0})
        return True

    # ------------------------------------------------------------------
    # the run

    def _export_file(self, run_at, file_format):
        """Log this dataset's next file as an outbound message, if rows changed.

        Nothing while an earlier file is on its way (queued, sending or
        retrying): its rows would be in both. A dead earlier file is superseded
        by this one, which starts from the same cursor and so holds its rows.
        """
        self.ensure_one()
        feed = self.feed_id
        spec = feed._export_datasets()[self.dataset]
        # Two runs of a feed at once (the cron's and a "Run now"): the second
        # waits here, then fails to serialize and its job is retried, when it
        # sees the first one's file on its way.
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id = %s FOR NO KEY UPDATE",
                SQL.identifier(self._table),
                self.id,
            )
        )
        earlier = self._file_messages()
        if earlier.filtered(lambda m: m.state in IN_FLIGHT_STATES):
            _logger.info(
                "export %s: a file is still on its way; this run leaves it",
                self.display_name,
            )
            return self.env["logistics.message"]
        changed = self._changed_rows(spec)
        if not changed:
            return self.env["logistics.message"]
        columns = feed._export_columns(spec)
        model = self.env[spec["model"]].sudo().with_context(active_test=False)
        rows = []
        for ids in split_every(feed.chunk_size, [row_id for row_id, _at in changed]):
            for record in model.browse(ids):
                rows.append(
                    tabular.shape_row(columns, feed._export_values(record, spec))
                )
        data = tabular.serialise(file_format, columns, rows)
        sequence = self.file_sequence + 1
        name = tabular.file_name(
            [feed.code, self.dataset], run_at, sequence, file_format
        )
        self.sudo().file_sequence = sequence
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": data,
                    "mimetype": MIMETYPES[file_format],
                    "res_model": "logistics.message",
                    "company_id": feed.company_id.id,
                }
            )
        )
        last_id, last_at = changed[-1]
        message, _outcome, _reason = self.env["logistics.message"]._send(
            EXPORT_FLOW,
            {
                "feed": feed.code,
                "dataset": self.dataset,
                "file_name": name,
                "format": file_format,
                "rows": len(rows),
                "bytes": len(data),
                "attachment_id": attachment.id,
                "cursor_from": {
                    "write_date": self.cursor_write_date or None,
                    "id": self.cursor_res_id,
                },
                "cursor_to": {"write_date": last_at, "id": last_id},
            },
            endpoint_id=feed.endpoint_id.id,
            # The file's name: the same file is never logged twice.
            idempotency_key=name,
            external_id=name,
            res_model=self._name,
            res_id=self.id,
        )
        attachment.res_id = message.id
        dead = earlier.filtered(lambda m: m.state == states.DEAD)
        if dead:
            dead._supersede(
                _("Its rows are in the later file %s.", name), superseded_by=message
            )
        return message

    def _changed_rows(self, spec):
        """(id, write time text) of the rows written after the cursor, in
        cursor order, up to the feed's rows per file, read in chunks."""
        feed = self.feed_id
        model = self.env[spec["model"]].sudo().with_context(active_test=False)
        model.flush_model()
        table = SQL.identifier(model._table)
        cursor_at, cursor_id = self.cursor_write_date, self.cursor_res_id
        changed = []
        while len(changed) < feed.max_rows:
            limit = min(feed.chunk_size, feed.max_rows - len(changed))
            query = model._search(spec["domain"], limit=limit, order="write_date, id")
            if cursor_at:
                query.add_where(
                    SQL(
                        "(%s.write_date, %s.id) > (%s::timestamp, %s)",
                        table,
                        table,
                        cursor_at,
                        cursor_id,
                    )
                )
            query.add_where(
                SQL(
                    "%s.write_date <= (now() AT TIME ZONE 'UTC') - make_interval("
                    "secs => %s)",
                    table,
                    feed.settle_seconds,
                )
            )
            self.env.cr.execute(
                query.select(SQL("%s.id", table), SQL("%s.write_date::text", table))
            )
            chunk = self.env.cr.fetchall()
            changed.extend(chunk)
            if len(chunk) < limit:
                break
            cursor_id, cursor_at = chunk[-1]
        return changed

    def _file_messages(self):
        return (
            self.env["logistics.message"]
            .sudo()
            .search(
                [
                    ("flow_code", "=", EXPORT_FLOW),
                    ("res_model", "=", self._name),
                    ("res_id", "=", self.id),
                ]
            )
        )

    # ------------------------------------------------------------------
    # the flow's handler

    @api.model
    def _export_send_file(self, message):
        """Handler of `analytics.export`: put the message's file on its target,
        then move the dataset's cursor past its rows.

        A retry puts the same name again, which replaces the file: nothing is
        written twice. The cursor only moves forward (a replayed old file
        cannot take it back).
        """
        payload = message.payload
        line = self.browse(message.res_id).exists()
        attachment = self.env["ir.attachment"].browse(payload["attachment_id"]).exists()
        if not line or not attachment:
            raise errors.PermanentError(
                _("The export file %s or its dataset is gone.", payload["file_name"]),
                system="odoo",
            )
        target = message.endpoint_id._file_target()
        where = target.put(payload["file_name"], attachment.raw)
        line._advance_cursor(payload)
        _logger.info(
            "[%s] export file %s put on %s (%s rows)",
            message.correlation_id,
            payload["file_name"],
            message.endpoint_id.code,
            payload["rows"],
        )
        return {"written_to": where, "rows": payload["rows"], "bytes": payload["bytes"]}

    def _advance_cursor(self, payload):
        self.ensure_one()
        cursor = payload["cursor_to"]
        if self.cursor_write_date:
            self.env.cr.execute(
                SQL(
                    "SELECT (%s::timestamp, %s) > (%s::timestamp, %s)",
                    cursor["write_date"],
                    cursor["id"],
                    self.cursor_write_date,
                    self.cursor_res_id,
                )
            )
            if not self.env.cr.fetchone()[0]:
                return
        self.write(
            {
                "cursor_write_date": cursor["write_date"],
                "cursor_res_id": cursor["id"],
                "last_file_name": payload["file_name"],
                "last_exported_at": fields.Datetime.now(),
                "rows_exported": self.rows_exported + payload["rows"],
            }
        )
