from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import throttle

KEEP_WINDOWS = timedelta(hours=1)


class LogisticsApiThrottle(models.Model):
    """Requests counted per API key and minute, shared by every Odoo worker."""

    _name = "logistics.api.throttle"
    _description = "Customer API Request Counter"

    api_key_id = fields.Many2one("logistics.api.key", required=True, ondelete="cascade")
    window_start = fields.Datetime(required=True)
    request_count = fields.Integer(required=True, default=0)

    _sql_constraints = [
        (
            "window_unique",
            "unique(api_key_id, window_start)",
            "One counter per key and window.",
        )
    ]

    @api.model
    def _hit(self, key):
        """Count one request; return the seconds to wait when over the limit."""
        now = fields.Datetime.now()
        start = throttle.window_start(now)
        # Its own short transaction in READ COMMITTED: concurrent requests of one
        # key add up on the same row instead of failing to serialize, and the
        # count survives whatever the request itself does.
        with self.env.registry.cursor() as cr:
            if not self.env.registry.in_test_mode():  # tests share one transaction
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cr.execute(
                SQL(
                    """INSERT INTO logistics_api_throttle
                              (api_key_id, window_start, request_count,
                               create_date, write_date)
                       VALUES (%s, %s, 1, %s, %s)
                  ON CONFLICT (api_key_id, window_start)
                    DO UPDATE
                          SET request_count = logistics_api_throttle.request_count + 1
                    RETURNING request_count""",
                    key.id,
                    start,
                    now,
                    now,
                )
            )
            count = cr.fetchone()[0]
        if count > key.rate_limit_per_minute:
            return throttle.retry_after(now, start)
        return None

    @api.autovacuum
    def _gc_old_windows(self):
        self.sudo().search(
            [("window_start", "<", fields.Datetime.now() - KEEP_WINDOWS)]
        ).unlink()
