from odoo import _, api, fields, models
from odoo.tools import SQL


class LogisticsTrace(models.Model):
    """Everything that happened under one correlation ID, across the suite.

    A read-only SQL view over the message log, the audit log and the queue jobs
    that processed those messages.
    """

    _name = "logistics.trace"
    _description = "Integration Trace"
    _auto = False
    _order = "event_time, id"

    correlation_id = fields.Char(readonly=True, string="Correlation ID")
    event_time = fields.Datetime(readonly=True)
    kind = fields.Selection(
        [("message", "Message"), ("audit", "Audit"), ("job", "Job")], readonly=True
    )
    summary = fields.Char(readonly=True)
    state = fields.Char(readonly=True)
    message_id = fields.Many2one("logistics.message", readonly=True)
    res_model = fields.Char(readonly=True)
    res_id = fields.Many2oneReference(model_field="res_model", readonly=True)

    def init(self):
        self.env.cr.execute(
            SQL(
                """CREATE OR REPLACE VIEW logistics_trace AS (
                SELECT m.id * 3 AS id, m.correlation_id, m.received_at AS event_time,
                       'message' AS kind,
                       m.direction || ' ' || m.flow_code || ' ' ||
                           COALESCE(m.external_id, m.idempotency_key, '') AS summary,
                       m.state, m.id AS message_id, m.res_model, m.res_id
                  FROM logistics_message m
                UNION ALL
                SELECT a.id * 3 + 1, a.correlation_id, a.event_time, 'audit',
                       a.action || ': ' || COALESCE(a.details, ''),
                       a.outcome, a.message_id, a.res_model, a.res_id
                  FROM logistics_audit_log a
                 WHERE a.correlation_id IS NOT NULL
                UNION ALL
                SELECT j.id * 3 + 2, m.correlation_id, j.date_created, 'job',
                       j.name, j.state, m.id, m.res_model, m.res_id
                  FROM queue_job j
                  JOIN logistics_message m ON m.job_uuid = j.uuid
            )"""
            )
        )

    @api.model
    def _action_for(self, correlation_id):
        return {
            "type": "ir.actions.act_window",
            "name": _("Trace %s", correlation_id),
            "res_model": self._name,
            "view_mode": "list",
            "domain": [("correlation_id", "=", correlation_id)],
            "context": {"search_default_correlation_id": correlation_id},
        }
