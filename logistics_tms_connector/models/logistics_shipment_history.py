import logging

from odoo import api, fields, models
from odoo.tools import SQL, create_index

from odoo.addons.logistics_integration_base.lib import states

from ..lib import milestones

_logger = logging.getLogger(__name__)

SHIPMENT_ARCHIVE_DAYS_PARAM = "logistics_tms_connector.shipment_archive_days"
SHIPMENT_ARCHIVE_CHUNK_PARAM = "logistics_tms_connector.shipment_archive_chunk"
# Copied from the shipment as it ended (the same columns in both tables).
FACT_COLUMNS = (
    "name",
    "company_id",
    "partner_id",
    "carrier_id",
    "status",
    "delivered_at",
    "on_time",
    "in_full",
    "otif",
    "transit_hours",
    "pickup_dwell_minutes",
    "delivery_dwell_minutes",
    "warehouse_id",
    "origin_region",
    "destination_region",
    "lane",
    "exception_count",
)
HISTORY_COLUMNS = (
    "id",
    "shipment_id",
    "closed_at",
    *FACT_COLUMNS,
    "milestone_count",
    "timeline",
)


class LogisticsShipmentHistory(models.Model):
    """Closed shipments past the archive retention: their timeline, summarised.

    The shipment itself stays where it is, with its service facts: pickings,
    invoices, charges and claims point at it, and the service-level reports
    read its facts, so they count archived shipments as before. What leaves the
    hot tables is its milestone timeline, kept here as one compact JSON list
    beside a copy of the facts and dimensions as they were when archived.
    """

    _name = "logistics.shipment.history"
    _inherit = ["logistics.archive.mixin"]
    _description = "Shipment History"
    _order = "closed_at desc, id desc"
    _rec_name = "name"
    _log_access = False
    _archive_columns = HISTORY_COLUMNS
    _archive_days_param = SHIPMENT_ARCHIVE_DAYS_PARAM
    _archive_chunk_param = SHIPMENT_ARCHIVE_CHUNK_PARAM

    shipment_id = fields.Many2one(
        "logistics.shipment", readonly=True, index=True, ondelete="restrict"
    )
    name = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, ondelete="restrict")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, ondelete="restrict"
    )
    carrier_id = fields.Many2one("res.partner", readonly=True, ondelete="restrict")
    status = fields.Selection(milestones.STATUSES, readonly=True)
    closed_at = fields.Datetime(
        readonly=True, help="When the shipment ended (its service facts were fixed)."
    )
    delivered_at = fields.Datetime(readonly=True)
    on_time = fields.Float(readonly=True, aggregator="avg")
    in_full = fields.Float(readonly=True, aggregator="avg")
    otif = fields.Float(string="OTIF", readonly=True, aggregator="avg")
    transit_hours = fields.Float(readonly=True, aggregator="avg")
    pickup_dwell_minutes = fields.Float(
        string="Dwell at pickup (min)", readonly=True, aggregator="avg"
    )
    delivery_dwell_minutes = fields.Float(
        string="Dwell at delivery (min)", readonly=True, aggregator="avg"
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", readonly=True, ondelete="restrict"
    )
    origin_region = fields.Char(readonly=True)
    destination_region = fields.Char(readonly=True)
    lane = fields.Char(readonly=True)
    exception_count = fields.Integer(string="Exceptions met", readonly=True)
    milestone_count = fields.Integer(readonly=True)
    timeline = fields.Json(
        string="Timeline (JSON)",
        readonly=True,
        help="The milestones as they were, in event order: id, code, TMS code, "
        "event time (UTC), time zone, location, reason, source message, late.",
    )
    timeline_text = fields.Text(string="Timeline", compute="_compute_timeline_text")

    _sql_constraints = [
        ("shipment_unique", "unique(shipment_id)", "A shipment is archived once.")
    ]

    def init(self):
        # The message archive keeps messages a milestone points at
        # (`logistics.message.archive._eligible_condition`): found by index.
        create_index(
            self.env.cr,
            "logistics_shipment_milestone_message_archive_idx",
            "logistics_shipment_milestone",
            ["message_id"],
            where="message_id IS NOT NULL",
        )

    @api.depends("timeline")
    def _compute_timeline_text(self):
        labels = dict(milestones.CANONICAL)
        for history in self:
            history.timeline_text = "\n".join(
                "%s  %s%s"
                % (
                    step.get("event_time"),
                    labels.get(step.get("code"), step.get("code")),
                    " (%s)" % step["location"] if step.get("location") else "",
                )
                for step in history.timeline or []
            )

    # ------------------------------------------------------------------
    # archiving

    @api.model
    def _eligible_condition(self, cutoff):
        """What makes a shipment (alias s) archivable (an SQL condition).

        Closed before the cut-off, not archived yet, and with no message about
        it still at work or waiting for a replay (by record or by aggregate).
        """
        return SQL(
            """s.status IN %(closed)s
               AND s.archived_at IS NULL
               AND COALESCE(s.service_facts_at, s.write_date) < %(cutoff)s
               AND NOT EXISTS (
                   SELECT 1 FROM logistics_message m
                    WHERE m.state NOT IN %(final)s
                      AND ((m.res_model = 'logistics.shipment' AND m.res_id = s.id)
                           OR m.aggregate_key = 'tms-shipment/' || s.tms_reference))""",
            closed=tuple(sorted(milestones.CLOSED_STATUSES)),
            cutoff=cutoff,
            final=tuple(sorted(states.TERMINAL_STATES)),
        )

    @api.model
    def _count_eligible(self, cutoff):
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM logistics_shipment s WHERE %s",
                self._eligible_condition(cutoff),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _archive_chunk(self, cutoff, size):
        """Summarise one chunk of closed shipments here, drop their milestones.

        In the caller's transaction (see the mixin): the history rows, the
        audit entry, the milestones' delete and the shipments' mark go
        together or not at all.
        """
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT s.id FROM logistics_shipment s WHERE %s
                 ORDER BY s.id LIMIT %s FOR UPDATE SKIP LOCKED""",
                self._eligible_condition(cutoff),
                size,
            )
        )
        shipment_ids = tuple(row[0] for row in self.env.cr.fetchall())
        if not shipment_ids:
            return 0
        now = fields.Datetime.now()
        facts = SQL(", ").join(SQL.identifier(name) for name in FACT_COLUMNS)
        facts_of_s = SQL(", ").join(
            SQL("s.%s", SQL.identifier(name)) for name in FACT_COLUMNS
        )
        self.env.cr.execute(
            SQL(
                """INSERT INTO logistics_shipment_history
                          (shipment_id, closed_at, %(facts)s, milestone_count,
                           timeline, archived_at)
                   SELECT s.id, COALESCE(s.service_facts_at, s.write_date),
                          %(facts_of_s)s, coalesce(t.steps, 0),
                          coalesce(t.timeline, '[]'::jsonb), %(now)s
                     FROM logistics_shipment s
                LEFT JOIN LATERAL (
                          SELECT count(*) AS steps,
                                 jsonb_agg(jsonb_build_object(
                                     'id', ml.id,
                                     'code', ml.code,
                                     'tms_code', ml.tms_code,
                                     'event_time', to_char(ml.event_time,
                                                           'YYYY-MM-DD HH24:MI:SS'),
                                     'timezone', ml.timezone,
                                     'location', ml.location,
                                     'reason_code', ml.reason_code,
                                     'reason', ml.reason,
                                     'message_id', ml.message_id,
                                     'is_stale', coalesce(ml.is_stale, false))
                                   ORDER BY ml.event_time, ml.id) AS timeline
                            FROM logistics_shipment_milestone ml
                           WHERE ml.shipment_id = s.id) t ON true
                    WHERE s.id IN %(ids)s
                RETURNING id, milestone_count""",
                facts=facts,
                facts_of_s=facts_of_s,
                now=now,
                ids=shipment_ids,
            )
        )
        created = self.env.cr.fetchall()
        history_ids = tuple(row[0] for row in created)
        steps = sum(row[1] for row in created)
        self._archive_record(
            history_ids,
            source="logistics.shipment.milestone",
            shipments=len(shipment_ids),
            milestones=steps,
        )
        self.env.cr.execute(
            SQL(
                "DELETE FROM logistics_shipment_milestone WHERE shipment_id IN %s",
                shipment_ids,
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE logistics_shipment SET archived_at = %s WHERE id IN %s",
                now,
                shipment_ids,
            )
        )
        self.env.invalidate_all()
        _logger.info(
            "archived %s shipments' timelines (%s milestones)",
            len(shipment_ids),
            steps,
        )
        return len(shipment_ids)
