"""The service level report and the dashboards at scale; run by ``odoo shell``.

Reads BENCH_PARAMS (JSON: ``shipments``, ``output`` folder, and the seeded
``endpoint_id``, ``company_id``, ``company_partner_id``, ``admin_uid``; the
ids are looked up when missing, so that it also runs on any database with
the suite installed)::

    BENCH_PARAMS='{"shipments": 100000, "output": "/tmp/sr"}' \\
        .venv/bin/python -m odoo shell -c <conf> -d <db> --no-http \\
        < bench/harness/shell_service_report.py

What it does (committed: the ended shipments stay in the database):

1. creates the dimensions with the ORM (40 customers, 8 carriers, 3
   warehouses) and inserts ``shipments`` ended shipments with their service
   facts by SQL (``generate_series``, 250,000 a statement), skewed as real
   traffic is (see INSERT_ENDED): a few customers carry most shipments, each
   mostly from one warehouse on its three lanes with their carriers, more
   shipments lately than a year ago; 96 % delivered, 3 % returned, 1 %
   cancelled; on-time unknown for 10 % (no promised window); then VACUUM
   ANALYZE;
2. times the full rebuild of the report (``_rebuild``), then an incremental
   refresh after 1,000 shipments of the last day were recomputed (their facts
   written again, as a late TMS correction does);
3. times the read_group of each view (the pivot by customer x month over the
   last 12 months, by lane, by carrier x warehouse x service level, the graph
   by month, this week's tiles, the integration tiles and activity graph),
   median of 5 after one warm-up, and the baseline: the same pivot on the
   shipments themselves (the former Service Level menu);
4. EXPLAINs (ANALYZE, BUFFERS) the main statement of each (the one that took
   longest) into ``<output>/<name>.txt``; prints ``BENCH_RESULT <json>``.
"""

import json
import os
import statistics
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg2

from odoo import fields, sql_db

CUSTOMERS = 40
CARRIERS = 8
WAREHOUSES = 3
CHUNK = 250_000
REPEAT = 5
RECOMPUTED = 1_000
ORIGINS = ["BE", "NL", "DE-BY", "FR"]
DESTINATIONS = ["FR", "DE-NW", "ES", "IT", "PL", "GB", "BE", "NL"]
SEQ_SCAN_TABLES = ("logistics_shipment", "logistics_message")

# Per row, twelve uniform numbers r[1..12] drawn once (setseed: the same data
# every run). Skewed and correlated as real traffic is: customer c = floor(40
# r^3) (a few customers carry most shipments); each customer ships mostly from
# its warehouse (90 %), on its three lanes (the first most), at its service
# level (80 %); each lane has its three carriers, whose on-time rate differs;
# more shipments lately than a year ago.
INSERT_ENDED = """
INSERT INTO logistics_shipment
       (name, company_id, endpoint_id, partner_id, shipper_id, consignee_id,
        status, service_level, window_tz, tms_reference, total_weight_kg,
        total_volume_m3, package_count, direction, create_uid, write_uid,
        create_date, write_date, carrier_id, warehouse_id, origin_region,
        destination_region, lane, delivered_at, service_facts_at, on_time,
        in_full, otif, transit_hours, pickup_dwell_minutes,
        delivery_dwell_minutes, exception_count)
SELECT 'BSR-' || lpad(n::text, 7, '0'), %(company_id)s, %(endpoint_id)s,
       (%(customers)s::int[])[1 + c], %(company_partner_id)s,
       (%(customers)s::int[])[1 + c],
       CASE WHEN r[2] < 0.96 THEN 'delivered'
            WHEN r[2] < 0.99 THEN 'returned' ELSE 'cancelled' END,
       (ARRAY['standard', 'express', 'economy'])[1 + CASE WHEN r[11] < 0.8
            THEN c %% 3 ELSE floor(3 * r[12])::int END],
       'UTC', 'BSR-' || lpad(n::text, 7, '0'), 0, 0, 0, 'outbound',
       %(uid)s, %(uid)s, ended, ended,
       (%(carriers)s::int[])[1 + carrier],
       (%(warehouses)s::int[])[1 + CASE WHEN r[5] < 0.9
            THEN c %% %(n_warehouses)s
            ELSE floor(%(n_warehouses)s * r[12])::int END],
       origin, destination, origin || ' → ' || destination,
       CASE WHEN r[2] < 0.96 THEN ended END, ended,
       on_time, in_full, on_time * in_full,
       round((8 + 60 * r[7])::numeric, 2), round((10 + 50 * r[8])::numeric, 1),
       round((5 + 30 * r[3])::numeric, 1),
       CASE WHEN r[8] < 0.08 THEN 1 ELSE 0 END
  FROM (
        SELECT n, r, c, ended, carrier,
               (%(origins)s::text[])[1 + lane / %(n_destinations)s] AS origin,
               (%(destinations)s::text[])[1 + lane %% %(n_destinations)s]
                   AS destination,
               CASE WHEN r[6] < 0.1 THEN NULL
                    WHEN r[6] < 0.1 + 0.9 * (0.96 - 0.02 * carrier)
                    THEN 1.0 ELSE 0.0 END AS on_time,
               CASE WHEN r[7] < 0.97 THEN 1.0 ELSE 0.0 END AS in_full
          FROM (
                SELECT n, r, c, ended, lane,
                       (lane * 3 + floor(3 * r[4] ^ 2)::int) %% %(n_carriers)s
                           AS carrier
                  FROM (
                        SELECT n, r, c,
                               (c * 7 + floor(3 * r[3] ^ 2)::int)
                                   %% %(n_lanes)s AS lane,
                               date_trunc('second', %(now)s::timestamp
                                   - interval '365 days' * r[9] ^ 1.3
                                   - interval '1 second' * floor(86400 * r[10]))
                                   AS ended
                          FROM (
                                SELECT n, r,
                                       floor(%(n_customers)s * r[1] ^ 3)::int AS c
                                  FROM (
                                        SELECT n, ARRAY[
                                            random(), random(), random(), random(),
                                            random(), random(), random(), random(),
                                            random(), random(), random(), random()
                                        ] AS r
                                          FROM generate_series(%(first)s, %(last)s)
                                            AS n
                                       ) drawn
                               ) customer
                       ) laned
               ) carried
       ) facts
"""


@contextmanager
def recorded():
    """Every statement run meanwhile, with its parameters and duration."""
    statements = []
    original = sql_db.Cursor.execute

    def execute(self, query, params=None, log_exceptions=True):
        started = time.perf_counter()
        try:
            return original(self, query, params, log_exceptions)
        finally:
            code = query.code if hasattr(query, "code") else query
            args = query.params if hasattr(query, "code") else params
            statements.append((time.perf_counter() - started, code, args))

    sql_db.Cursor.execute = execute
    try:
        yield statements
    finally:
        sql_db.Cursor.execute = original


def dimensions(env, params):
    Partner = env["res.partner"].sudo()
    company = env.company
    customers = Partner.create(
        [{"name": "Report customer %02d" % n} for n in range(CUSTOMERS)]
    )
    carriers = Partner.create(
        [{"name": "Report carrier %02d" % n} for n in range(CARRIERS)]
    )
    warehouses = env["stock.warehouse"].sudo().search([], limit=WAREHOUSES)
    for n in range(len(warehouses), WAREHOUSES):
        warehouses |= (
            env["stock.warehouse"]
            .sudo()
            .create({"name": "Report WH %s" % n, "code": "RW%s" % n})
        )
    endpoint = params.get("endpoint_id") or (
        env["logistics.endpoint"].sudo().search([("system", "=", "tms")], limit=1).id
    )
    if not endpoint:
        endpoint = (
            env["logistics.endpoint"]
            .sudo()
            .create(
                {
                    "name": "Report bench TMS",
                    "code": "report_bench",
                    "system": "tms",
                    "protocol": "rest",
                    "base_url": "http://127.0.0.1:9/api/v1/",
                }
            )
            .id
        )
    return {
        "company_id": params.get("company_id") or company.id,
        "company_partner_id": params.get("company_partner_id") or company.partner_id.id,
        "uid": params.get("admin_uid") or env.ref("base.user_admin").id,
        "endpoint_id": endpoint,
        "customers": customers.ids,
        "n_customers": len(customers),
        "carriers": carriers.ids,
        "n_carriers": len(carriers),
        "warehouses": warehouses.ids,
        "n_warehouses": len(warehouses),
        "origins": ORIGINS,
        "n_origins": len(ORIGINS),
        "destinations": DESTINATIONS,
        "n_destinations": len(DESTINATIONS),
        "n_lanes": len(ORIGINS) * len(DESTINATIONS),
        "now": fields.Datetime.to_string(fields.Datetime.now()),
    }


def vacuum(env, table):
    connection = psycopg2.connect(dbname=env.cr.dbname)
    connection.autocommit = True
    with connection.cursor() as cr:
        cr.execute("VACUUM ANALYZE %s" % table)
    connection.close()


def seed(env, params):
    values = dimensions(env, params)
    env.cr.commit()
    started = time.perf_counter()
    env.cr.execute("SELECT setseed(0.42)")
    total = params["shipments"]
    for first in range(1, total + 1, CHUNK):
        env.cr.execute(
            INSERT_ENDED, dict(values, first=first, last=min(first + CHUNK - 1, total))
        )
        env.cr.commit()
    vacuum(env, "logistics_shipment")
    return round(time.perf_counter() - started, 1), values


def timed(env, name, call, out):
    """Median wall time of ``call`` (ms) and the plan of its main statement."""
    call()  # warm-up: caches, registry, first plan
    times = []
    for _n in range(REPEAT):
        env.invalidate_all()
        started = time.perf_counter()
        with recorded() as statements:
            result = call()
        times.append((time.perf_counter() - started) * 1000)
    _took, code, args = max(statements, key=lambda s: s[0])
    env.cr.execute("EXPLAIN (ANALYZE, BUFFERS) " + code, args)
    plan = "\n".join(row[0] for row in env.cr.fetchall())
    (out / ("%s.txt" % name)).write_text(
        "-- %s: median %.1f ms of %d (ORM call)\n%s\n\n%s\n"
        % (name, statistics.median(times), REPEAT, code, plan)
    )
    return {
        "ms": round(statistics.median(times), 1),
        "runs_ms": [round(t, 1) for t in times],
        "rows": len(result),
        "statements": len(statements),
        "plan_ms": _execution_ms(plan),
        "seq_scans": sorted(
            {t for t in SEQ_SCAN_TABLES if ("Seq Scan on %s " % t) in plan + " "}
        ),
        "plan": "%s.txt" % name,
    }


def _execution_ms(plan):
    for line in plan.splitlines():
        if line.startswith("Execution Time:"):
            return float(line.split(":")[1].split()[0])
    return None


def queries(env):
    Report = env["logistics.service.report"]
    Shipment = env["logistics.shipment"]
    today = fields.Date.today()
    year = [("day", ">=", (today - timedelta(days=365)).replace(day=1))]
    week = [("day", ">=", today - timedelta(days=today.weekday()))]
    rates = ["shipments:sum", "on_time:avg", "in_full:avg", "otif:avg"]
    return {
        "pivot_customer_month": lambda: Report._read_group(
            year, ["partner_id", "day:month"], [*rates, "transit_hours:avg"]
        ),
        "pivot_lane": lambda: Report._read_group(year, ["lane"], rates),
        "pivot_carrier_warehouse_level": lambda: Report._read_group(
            year, ["carrier_id", "warehouse_id", "service_level"], rates
        ),
        "graph_on_time_month": lambda: Report._read_group(
            year, ["day:month"], ["on_time:avg"]
        ),
        "this_week_by_customer": lambda: Report._read_group(
            week, ["partner_id"], rates
        ),
        "ops_tiles": lambda: env["logistics.ops.tile"].search_read(
            [], ["kind", "status", "bucket", "count", "value", "level"]
        ),
        "shipments_by_status": lambda: Shipment._read_group(
            [], ["status"], ["__count"]
        ),
        "flow_tiles": lambda: env["logistics.flow.stat"].search_read(
            [], ["flow_code", "backlog", "failed", "dead", "health"]
        ),
        "flow_activity_graph": lambda: env["logistics.flow.activity"]._read_group(
            [], ["hour:day", "flow_code"], ["received:sum", "latency_p95_ms:max"]
        ),
        # Baseline: the same pivot on the shipments (the former menu).
        "baseline_shipment_pivot": lambda: Shipment._read_group(
            [
                ("service_facts_at", "!=", False),
                ("delivered_at", ">=", (today - timedelta(days=365)).replace(day=1)),
            ],
            ["partner_id", "delivered_at:month"],
            [
                "__count",
                "on_time:avg",
                "in_full:avg",
                "otif:avg",
                "transit_hours:avg",
            ],
        ),
    }


def refresh_one_day(env, Report):
    """1,000 shipments of the last day get their facts again (as the hook of
    a late correction marks them); the refresh sums that day only."""
    env.cr.execute(
        """UPDATE logistics_shipment SET service_facts_at = %s
            WHERE id IN (SELECT id FROM logistics_shipment
                          WHERE service_facts_at IS NOT NULL
                       ORDER BY service_facts_at DESC LIMIT %s)""",
        [fields.Datetime.now() + timedelta(seconds=1), RECOMPUTED],
    )
    env.cr.commit()
    started = time.perf_counter()
    days = Report._refresh()
    env.cr.commit()
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "days": len(days),
        "shipments": RECOMPUTED,
    }


def run(env, params):
    env = env(context=dict(env.context, tz="UTC"))
    out = Path(params["output"])
    out.mkdir(parents=True, exist_ok=True)
    seeded, values = seed(env, params)
    Report = env["logistics.service.report"]
    started = time.perf_counter()
    Report._rebuild()
    env.cr.commit()
    rebuild = round(time.perf_counter() - started, 1)
    vacuum(env, "logistics_service_report")
    refresh = refresh_one_day(env, Report)
    env.cr.execute(
        "SELECT count(*) FROM logistics_shipment WHERE service_facts_at IS NOT NULL"
    )
    ended = env.cr.fetchone()[0]
    env.cr.execute("SELECT count(*), count(DISTINCT day) FROM logistics_service_report")
    rows, days = env.cr.fetchone()
    timings = {name: timed(env, name, call, out) for name, call in queries(env).items()}
    env.cr.rollback()
    return {
        "shipments": params["shipments"],
        "ended_shipments": ended,
        "seed_seconds": seeded,
        "report_rows": rows,
        "report_days": days,
        "rebuild_seconds": rebuild,
        "refresh": refresh,
        "dimensions": {
            "customers": values["n_customers"],
            "carriers": values["n_carriers"],
            "lanes": values["n_origins"] * values["n_destinations"],
            "warehouses": values["n_warehouses"],
        },
        "queries": timings,
        "files": str(out),
    }


if "env" in globals():
    answer = run(globals()["env"], json.loads(os.environ["BENCH_PARAMS"]))
    print("BENCH_RESULT " + json.dumps(answer), flush=True)
