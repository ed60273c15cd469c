"""Request counters: from one row per API key to named buckets.

The counters only matter for the current minute: they are dropped with the
column that keyed them, and the new `bucket` column starts empty.
"""


def migrate(cr, version):
    cr.execute("DELETE FROM logistics_api_throttle")
    cr.execute(
        """ALTER TABLE logistics_api_throttle
             DROP CONSTRAINT IF EXISTS logistics_api_throttle_window_unique"""
    )
    cr.execute("ALTER TABLE logistics_api_throttle DROP COLUMN IF EXISTS api_key_id")
