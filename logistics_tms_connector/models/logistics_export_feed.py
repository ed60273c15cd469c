import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.logistics_integration_base.lib import tabular

_logger = logging.getLogger(__name__)

EXPORT_FLOW = "analytics.export"
DEFAULT_MAX_ROWS = 100000
DEFAULT_CHUNK_SIZE = 1000
DEFAULT_SETTLE_SECONDS = 120
FILE_FORMATS = [
    (tabular.AUTO, "Parquet when pyarrow is installed, else CSV"),
    (tabular.CSV, "CSV"),
    (tabular.PARQUET, "Parquet"),
]
# Odoo field types -> file column kinds (a many2one is its id).
COLUMN_KINDS = {
    "char": tabular.STR,
    "text": tabular.STR,
    "html": tabular.STR,
    "selection": tabular.STR,
    "integer": tabular.INT,
    "many2one": tabular.INT,
    "many2one_reference": tabular.INT,
    "float": tabular.FLOAT,
    "monetary": tabular.FLOAT,
    "boolean": tabular.BOOL,
    "datetime": tabular.DATETIME,
    "date": tabular.DATE,
}

# The datasets, as (file column, field path) pairs: a path follows many2one
# fields (`carrier_id.name`). Every dataset ends with the record's last write.
SHIPMENT_COLUMNS = [
    ("shipment_id", "id"),
    ("shipment", "name"),
    ("company_id", "company_id"),
    ("customer_id", "partner_id"),
    ("customer", "partner_id.name"),
    ("shipper_id", "shipper_id"),
    ("consignee_id", "consignee_id"),
    ("sale_order", "sale_order_id.name"),
    ("customer_po", "customer_po"),
    ("order_reference", "order_reference"),
    ("status", "status"),
    ("service_level", "service_level"),
    ("tms_reference", "tms_reference"),
    ("carrier_id", "carrier_id"),
    ("carrier", "carrier_id.name"),
    ("tracking_number", "tracking_number"),
    ("requested_pickup_start", "requested_pickup_start"),
    ("requested_pickup_end", "requested_pickup_end"),
    ("requested_delivery_start", "requested_delivery_start"),
    ("requested_delivery_end", "requested_delivery_end"),
    ("promised_delivery_end", "promised_delivery_end"),
    ("eta", "eta"),
    ("total_weight_kg", "total_weight_kg"),
    ("total_volume_m3", "total_volume_m3"),
    ("package_count", "package_count"),
    ("exception_type", "exception_type"),
    ("created_at", "create_date"),
    ("changed_at", "write_date"),
]
MILESTONE_COLUMNS = [
    ("milestone_id", "id"),
    ("shipment_id", "shipment_id"),
    ("shipment", "shipment_id.name"),
    ("code", "code"),
    ("tms_code", "tms_code"),
    ("event_time", "event_time"),
    ("timezone", "timezone"),
    ("location", "location"),
    ("reason_code", "reason_code"),
    ("reason", "reason"),
    ("late", "is_stale"),
    ("created_at", "create_date"),
    ("changed_at", "write_date"),
]
SERVICE_FACT_COLUMNS = [
    ("shipment_id", "id"),
    ("shipment", "name"),
    ("company_id", "company_id"),
    ("customer_id", "partner_id"),
    ("carrier_id", "carrier_id"),
    ("warehouse_id", "warehouse_id"),
    ("warehouse", "warehouse_id.code"),
    ("origin_region", "origin_region"),
    ("destination_region", "destination_region"),
    ("lane", "lane"),
    ("service_level", "service_level"),
    ("status", "status"),
    ("promised_delivery_end", "promised_delivery_end"),
    ("delivered_at", "delivered_at"),
    ("on_time", "on_time"),
    ("in_full", "in_full"),
    ("otif", "otif"),
    ("transit_hours", "transit_hours"),
    ("pickup_dwell_minutes", "pickup_dwell_minutes"),
    ("delivery_dwell_minutes", "delivery_dwell_minutes"),
    ("exception_count", "exception_count"),
    ("total_weight_kg", "total_weight_kg"),
    ("facts_computed_at", "service_facts_at"),
    ("changed_at", "write_date"),
]


class LogisticsExportFeed(models.Model):
    """A scheduled export of history and service facts to files an analytics
    tool reads, in a folder or over SFTP (a file endpoint).

    Each run writes, per dataset, one file of the rows changed since the
    dataset's cursor (last write time and id exported). Each file is an
    outbound message of the flow `analytics.export`, the file its attachment;
    the cursor moves once the file is on the target (see the dataset lines).
    """

    _name = "logistics.export.feed"
    _description = "Analytics Export Feed"
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True)
    code = fields.Char(
        required=True,
        help="Starts every file name (letters, digits, - and _), e.g. "
        "`analytics` gives analytics_shipments_20261130T031500Z_000042.parquet.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    endpoint_id = fields.Many2one(
        "logistics.endpoint",
        string="Target",
        required=True,
        check_company=True,
        domain="[('protocol', 'in', ('folder', 'sftp'))]",
        help="A file endpoint (folder or SFTP) the files are written to.",
    )
    file_format = fields.Selection(FILE_FORMATS, default=tabular.AUTO, required=True)
    dataset_ids = fields.One2many(
        "logistics.export.feed.dataset", "feed_id", string="Datasets"
    )
    max_rows = fields.Integer(
        string="Rows per file",
        default=DEFAULT_MAX_ROWS,
        required=True,
        help="At most this many rows in one file; the rest go in the next run's.",
    )
    chunk_size = fields.Integer(
        default=DEFAULT_CHUNK_SIZE,
        required=True,
        help="Rows read from the database at a time.",
    )
    settle_seconds = fields.Integer(
        string="Settling time (s)",
        default=DEFAULT_SETTLE_SECONDS,
        required=True,
        help="Rows written this recently wait for the next run: a transaction "
        "still open when a run starts may commit rows with an earlier write "
        "time, which the cursor would have passed.",
    )
    last_run_at = fields.Datetime(readonly=True, copy=False)
    message_count = fields.Integer(compute="_compute_message_count")

    _sql_constraints = [
        (
            "code_company_unique",
            "unique(code, company_id)",
            "Feed codes must be unique.",
        ),
        ("max_rows_positive", "check(max_rows > 0)", "Rows per file must be > 0."),
        ("chunk_size_positive", "check(chunk_size > 0)", "Chunk size must be > 0."),
        (
            "settle_seconds_not_negative",
            "check(settle_seconds >= 0)",
            "The settling time must not be negative.",
        ),
    ]

    def _compute_message_count(self):
        for feed in self:
            feed.message_count = (
                self.env["logistics.message"]
                .sudo()
                .search_count(feed._messages_domain())
            )

    @api.constrains("code")
    def _check_code(self):
        for feed in self:
            try:
                tabular.file_name([feed.code, "x"], fields.Datetime.now(), 1, "csv")
            except ValueError as err:
                raise ValidationError(
                    _("Feed code %s cannot start a file name.", feed.code)
                ) from err

    @api.constrains("endpoint_id")
    def _check_endpoint(self):
        for feed in self:
            if feed.endpoint_id.protocol not in ("folder", "sftp"):
                raise ValidationError(
                    _(
                        "Feed %(feed)s: endpoint %(endpoint)s is not a file "
                        "endpoint (folder or SFTP).",
                        feed=feed.name,
                        endpoint=feed.endpoint_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        feeds = super().create(vals_list)
        feeds._add_missing_datasets()
        return feeds

    # ------------------------------------------------------------------
    # actions

    def action_run_now(self):
        """Queue a run of these feeds now (the cron does it on schedule)."""
        self._logistics_check_access(
            "write", group="logistics_integration_base.group_integration_manager"
        )
        self._enqueue_runs()
        return True

    def action_view_messages(self):
        self._logistics_check_access("read", read_models=["logistics.message"])
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_integration_base.logistics_message_action"
        )
        action["domain"] = self._messages_domain()
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # the run

    @api.model
    def _cron_run_feeds(self):
        """Cron: queue one run per active feed."""
        self.search([("active", "=", True)])._enqueue_runs()

    def _enqueue_runs(self):
        channel = self.env["logistics.flow"]._get_by_code(EXPORT_FLOW).channel
        for feed in self:
            feed.with_delay(
                channel=channel,
                # One run of a feed waits at a time.
                identity_key="logistics-export-feed-%s" % feed.id,
                description=_("Analytics export %s", feed.code),
            )._job_run()

    def _job_run(self):
        """Job: write this feed's files."""
        self.ensure_one()
        messages = self.with_company(self.company_id)._run()
        return _(
            "%(count)s file(s) queued: %(names)s",
            count=len(messages),
            names=", ".join(messages.mapped("external_id")) or "-",
        )

    def _run(self):
        """One file per dataset with rows changed since its cursor; return the
        outbound messages logged (one per file)."""
        self.ensure_one()
        try:
            file_format = tabular.choose_format(self.file_format)
        except ValueError as err:
            raise UserError(
                _("Feed %(feed)s: %(error)s", feed=self.name, error=err)
            ) from err
        run_at = fields.Datetime.now()
        self._add_missing_datasets()
        known = self._export_datasets()
        messages = self.env["logistics.message"]
        # A dataset of an uninstalled addon is left as it is.
        for dataset in self.dataset_ids.filtered(
            lambda d: d.active and d.dataset in known
        ):
            messages |= dataset._export_file(run_at, file_format)
        self.last_run_at = run_at
        return messages

    # ------------------------------------------------------------------
    # datasets

    @api.model
    def _export_datasets(self):
        """The datasets a feed can export: code -> spec.

        A spec is a dict: `label`, `model`, `domain` (which records are rows)
        and `columns` ((file column, field path) pairs). Addons add theirs by
        overriding this method (settlement adds the freight charges).
        """
        return {
            "shipments": {
                "label": _("Shipments"),
                "model": "logistics.shipment",
                "domain": [],
                "columns": SHIPMENT_COLUMNS,
            },
            "milestones": {
                "label": _("Milestones"),
                "model": "logistics.shipment.milestone",
                "domain": [],
                "columns": MILESTONE_COLUMNS,
            },
            "service_facts": {
                "label": _("Service facts"),
                "model": "logistics.shipment",
                "domain": [("service_facts_at", "!=", False)],
                "columns": SERVICE_FACT_COLUMNS,
            },
        }

    @api.model
    def _export_columns(self, spec):
        """The typed file columns of a dataset spec."""
        return [
            tabular.Column(name, COLUMN_KINDS[self._export_field(spec, path).type])
            for name, path in spec["columns"]
        ]

    @api.model
    def _export_field(self, spec, path):
        model = self.env[spec["model"]]
        parts = path.split(".")
        for part in parts[:-1]:
            model = self.env[model._fields[part].comodel_name]
        return model._fields[parts[-1]]

    @api.model
    def _export_values(self, record, spec):
        """A record's raw values by file column (many2one: its id)."""
        values = {}
        for name, path in spec["columns"]:
            value = record
            for part in path.split("."):
                value = value[part]
            if isinstance(value, models.BaseModel):
                value = value.id or None
            values[name] = value
        return values

    def _add_missing_datasets(self):
        """A dataset line (and its cursor) for each dataset the feed lacks."""
        known = self._export_datasets()
        vals_list = [
            {"feed_id": feed.id, "dataset": code}
            for feed in self
            for code in known
            if code
            not in feed.with_context(active_test=False).dataset_ids.mapped("dataset")
        ]
        if vals_list:
            self.env["logistics.export.feed.dataset"].sudo().create(vals_list)

    def _messages_domain(self):
        lines = self.with_context(active_test=False).dataset_ids
        return [
            ("flow_code", "=", EXPORT_FLOW),
            ("res_model", "=", "logistics.export.feed.dataset"),
            ("res_id", "in", lines.ids),
        ]
