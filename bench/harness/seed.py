"""Seeding: the ORM part runs in ``odoo shell`` (shell_seed.py), bulk rows in SQL.

Bulk shipments are released shipments with a TMS reference, inserted with
``INSERT ... SELECT generate_series`` (a million rows in a minute instead of
hours through the ORM). ``with_history`` also gives each new shipment one
applied TMS event (a done message) and its milestone, so that the message log
and the timelines grow with the shipments, as they do in production.
"""

from pathlib import Path

from psycopg2 import sql

SHELL_SEED = Path(__file__).resolve().parent / "shell_seed.py"
REFERENCE_FORMAT = "BENCH-%07d"
WEBHOOK_SECRET_BYTES = 24
CHUNK = 250_000
HISTORY_MILESTONES = "logistics_shipment_milestone"
COUNTED_TABLES = (
    "logistics_shipment",
    "logistics_message",
    HISTORY_MILESTONES,
    "queue_job",
    "mail_message",
    "mail_tracking_value",
)

INSERT_SHIPMENTS = """
INSERT INTO logistics_shipment
       (name, company_id, endpoint_id, partner_id, shipper_id, consignee_id,
        status, service_level, window_tz, tms_reference, total_weight_kg,
        total_volume_m3, package_count, direction, create_uid, write_uid,
        create_date, write_date)
SELECT 'BSH-' || lpad(n::text, 7, '0'), %(company_id)s, %(endpoint_id)s,
       %(customer_id)s, %(company_partner_id)s, %(customer_id)s, 'released',
       'standard', 'UTC', 'BENCH-' || lpad(n::text, 7, '0'), 0, 0, 0, 'outbound',
       %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
  FROM generate_series(%(first)s, %(last)s) AS n
"""

INSERT_HISTORY_MESSAGES = """
INSERT INTO logistics_message
       (direction, flow_id, flow_code, endpoint_id, company_id, state,
        correlation_id, idempotency_key, external_id, res_model, res_id,
        aggregate_key, event_time, event_sequence, payload, schema_version,
        attempts, max_attempts, received_at, processed_at, latency_ms,
        create_uid, write_uid, create_date, write_date)
SELECT 'inbound', %(flow_id)s, 'tms.event', s.endpoint_id, s.company_id, 'done',
       'bench-history-' || s.id, 'hist-' || s.tms_reference,
       'hist-' || s.tms_reference, 'logistics.shipment', s.id,
       'tms-shipment/' || s.tms_reference, %(then)s, 0,
       jsonb_build_object('event_id', 'hist-' || s.tms_reference,
                          'event_type', 'tender.accepted'),
       1, 1, 5, %(then)s, %(then)s, 0, %(uid)s, %(uid)s, %(then)s, %(then)s
  FROM logistics_shipment s
 WHERE s.endpoint_id = %(endpoint_id)s
   AND s.tms_reference BETWEEN %(first_ref)s AND %(last_ref)s
"""

INSERT_HISTORY_MILESTONES = """
INSERT INTO logistics_shipment_milestone
       (shipment_id, code, tms_code, event_time, message_id, is_stale,
        create_uid, write_uid, create_date, write_date)
SELECT m.res_id, 'TA', 'TENDER_ACCEPTED', m.event_time, m.id, false,
       %(uid)s, %(uid)s, m.create_date, m.create_date
  FROM logistics_message m
 WHERE m.flow_id = %(flow_id)s
   AND m.idempotency_key BETWEEN %(first_hist)s AND %(last_hist)s
   AND m.correlation_id LIKE 'bench-history-%%'
"""


def insert_shipments(connection, ids, first, last, *, with_history=False, then=None):
    """Released shipments BENCH-<first>..BENCH-<last> (inclusive), in chunks."""
    with connection.cursor() as cr:
        for start in range(first, last + 1, CHUNK):
            stop = min(start + CHUNK - 1, last)
            values = dict(
                ids,
                uid=ids["admin_uid"],
                first=start,
                last=stop,
                first_ref=REFERENCE_FORMAT % start,
                last_ref=REFERENCE_FORMAT % stop,
                first_hist="hist-" + REFERENCE_FORMAT % start,
                last_hist="hist-" + REFERENCE_FORMAT % stop,
                flow_id=ids["tms_event_flow_id"],
                then=then,
            )
            cr.execute(INSERT_SHIPMENTS, values)
            if with_history:
                cr.execute(INSERT_HISTORY_MESSAGES, values)
                cr.execute(INSERT_HISTORY_MILESTONES, values)
        for table in ("logistics_shipment", "logistics_message", HISTORY_MILESTONES):
            cr.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))


def table_counts(connection):
    with connection.cursor() as cr:
        counts = {}
        for table in COUNTED_TABLES:
            cr.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            counts[table] = cr.fetchone()[0]
    return counts
