"""Re-deliveries: from a counter on the message row to their own table."""


def migrate(cr, version):
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'logistics_message'
              AND column_name = 'duplicate_count'"""
    )
    if not cr.fetchone():
        return
    cr.execute(
        """INSERT INTO logistics_message_redelivery
                  (message_id, correlation_id, received_at)
           SELECT m.id, m.correlation_id, COALESCE(m.write_date, m.received_at)
             FROM logistics_message m, generate_series(1, m.duplicate_count)
            WHERE m.duplicate_count > 0"""
    )
    cr.execute("ALTER TABLE logistics_message DROP COLUMN duplicate_count")
