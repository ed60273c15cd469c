from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import throttle

KEEP_WINDOWS = timedelta(hours=1)
LIMIT_PARAM = "logistics_portal_api.limit.%s"


class LogisticsApiThrottle(models.Model):
    """Requests counted per bucket and minute, shared by every Odoo worker.

    A bucket names what is counted (`lib/throttle.py`): the requests of an API
    key, the refused requests of a client or of a remote address, the token
    requests of a client or of an address.
    """

    _name = "logistics.api.throttle"
    _description = "Customer API Request Counter"

    bucket = fields.Char(required=True)
    window_start = fields.Datetime(required=True)
    request_count = fields.Integer(required=True, default=0)

    _sql_constraints = [
        (
            "window_unique",
            "unique(bucket, window_start)",
            "One counter per bucket and window.",
        )
    ]

    @api.model
    def _limit(self, kind):
        """Requests a minute allowed in the buckets of `kind` (lib/throttle.py)."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(LIMIT_PARAM % kind, throttle.DEFAULT_LIMITS[kind])
        )
        try:
            return max(1, int(value))
        except ValueError:  # a typo in the parameter must not open the gate
            return throttle.DEFAULT_LIMITS[kind]

    @api.model
    def _hit(self, bucket, limit):
        """Count one request in `bucket`; the seconds to wait when over `limit`."""
        now = fields.Datetime.now()
        start = throttle.window_start(now)
        # Its own short transaction in READ COMMITTED: concurrent requests of one
        # bucket add up on the same row instead of failing to serialize, and the
        # count survives whatever the request itself does (a refusal rolls back
        # nothing of it).
        with self.env.registry.cursor() as cr:
            if not self.env.registry.in_test_mode():  # tests share one transaction
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cr.execute(
                SQL(
                    """INSERT INTO logistics_api_throttle
                              (bucket, window_start, request_count,
                               create_date, write_date)
                       VALUES (%s, %s, 1, %s, %s)
                  ON CONFLICT (bucket, window_start)
                    DO UPDATE
                          SET request_count = logistics_api_throttle.request_count + 1,
                              write_date = EXCLUDED.write_date
                    RETURNING request_count""",
                    bucket,
                    start,
                    now,
                    now,
                )
            )
            count = cr.fetchone()[0]
        if count > limit:
            return throttle.retry_after(now, start)
        return None

    @api.model
    def _wait(self, limits):
        """Seconds to wait when a bucket already reached its limit, else None.

        `limits` maps bucket names to their limits; nothing is counted.
        """
        now = fields.Datetime.now()
        start = throttle.window_start(now)
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    """SELECT bucket, request_count FROM logistics_api_throttle
                        WHERE window_start = %s AND bucket IN %s""",
                    start,
                    tuple(limits),
                )
            )
            full = [name for name, count in cr.fetchall() if count >= limits[name]]
        return throttle.retry_after(now, start) if full else None

    @api.autovacuum
    def _gc_old_windows(self):
        self.sudo().search(
            [("window_start", "<", fields.Datetime.now() - KEEP_WINDOWS)]
        ).unlink()
