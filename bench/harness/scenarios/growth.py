"""Cost as the tables grow."""

import random
import time

from psycopg2 import sql

from .. import seed
from ..events import reference
from .common import send_batches
from .result import ScenarioResult

GROWTH_SEED = 42
BIG_TABLES = (
    "logistics_shipment",
    "logistics_message",
    "logistics_shipment_milestone",
    "mail_message",
    "mail_tracking_value",
    "queue_job",
)
BULK_TABLES = (
    "logistics_shipment",
    "logistics_message",
    "logistics_shipment_milestone",
)
# The hot-path statements (as the ORM and the addons write them), explained
# at each cost-growth level: a sequential scan of a big table is a scan that
# grows with history.
HOT_QUERIES = {
    "_tms_find: shipment by TMS reference": """
        SELECT id FROM logistics_shipment
         WHERE endpoint_id = %(endpoint)s AND tms_reference = %(reference)s
         ORDER BY id DESC LIMIT 1""",
    "_existing_by_key: idempotency keys": """
        SELECT id FROM logistics_message
         WHERE flow_id = %(flow)s AND idempotency_key IN %(keys)s
         ORDER BY id DESC""",
    "_claim_due: next batch": """
        SELECT id FROM logistics_message
         WHERE flow_id = %(flow)s AND state IN ('queued', 'failed')
           AND (next_attempt_at IS NULL
                OR next_attempt_at <= now() at time zone 'UTC')
         ORDER BY event_time NULLS FIRST, event_sequence NULLS FIRST, id
         LIMIT 200 FOR UPDATE SKIP LOCKED""",
    "_cron_dispatch_due: flows with due messages": """
        SELECT DISTINCT flow_id FROM logistics_message
         WHERE state IN ('queued', 'failed')
           AND (next_attempt_at IS NULL
                OR next_attempt_at <= now() at time zone 'UTC')""",
    "aggregate position lock": """
        SELECT id FROM logistics_aggregate_position
         WHERE flow_id = %(flow)s AND aggregate_key = %(aggregate)s FOR UPDATE""",
    "_portal_json: timeline of a shipment": """
        SELECT id FROM logistics_shipment_milestone
         WHERE shipment_id IN %(shipments)s ORDER BY event_time, id""",
    "queue_job identity key (one pending batch job)": """
        SELECT id FROM queue_job
         WHERE identity_key = %(identity)s
           AND state IN ('wait_dependencies', 'pending', 'enqueued')
         ORDER BY date_created DESC, id DESC LIMIT 1""",
}


def scenario_growth(bench):
    sizes = bench.sizes
    points = []
    top = sizes.base_shipments
    rng = random.Random(GROWTH_SEED)
    for level in sizes.growth_levels:
        started = time.monotonic()
        if level > top:
            _grow(bench, top + 1, level)
            top = level
        fresh = _untouched(bench, top)
        if len(fresh) < sizes.growth_events:
            # Earlier scenarios reached every shipment of the first level: add
            # as many as it needs, so that every level does the same work.
            _grow(bench, top + 1, top + sizes.growth_events)
            fresh += range(top + 1, top + sizes.growth_events + 1)
            top += sizes.growth_events
        seeded = round(time.monotonic() - started, 1)
        bench.settle()
        counts = seed.table_counts(bench.pg)
        references = [reference(n) for n in rng.sample(fresh, sizes.growth_events)]
        scans_before = _scans(bench)
        since = bench.max_message_id()
        started = time.monotonic()
        events = bench.factory.for_references(references, "growth%s" % level)
        batches = [
            events[i : i + sizes.apply_batch]
            for i in range(0, len(events), sizes.apply_batch)
        ]
        sent = send_batches(bench, batches, 2, sizes.growth_bound)
        waited = bench.wait_tms(since, sent["accepted"], sizes.growth_bound)
        wall = waited["finished_at"] - started
        (apply_span,) = bench.query(
            """SELECT extract(epoch FROM max(processed_at) - min(processed_at))
                 FROM logistics_message WHERE id > %s AND flow_id = %s""",
            (since, bench.flow_id),
        )[0]
        time.sleep(1)  # statistics are flushed at transaction end
        scans = _scan_delta(scans_before, _scans(bench))
        done = waited["states"].get("done", 0)
        points.append(
            {
                "level": level,
                "tables": counts,
                "seeded_seconds": seeded,
                "events": len(events),
                "done": done,
                "ms_per_event": round(wall * 1000 / max(done, 1), 2),
                "accept_ms_per_event": round(
                    sum(sent["request_seconds"]) * 1000 / max(len(events), 1), 2
                ),
                "apply_ms_per_event": round(
                    float(apply_span or 0) * 1000 / max(done, 1), 2
                ),
                "seq_scans": scans,
                "plans_with_seq_scan": {
                    query: tables
                    for query, tables in _plans(bench, top).items()
                    if tables
                },
                "timed_out": waited["timed_out"],
            }
        )
    first, last = points[0], points[-1]
    growth = (
        round(last["ms_per_event"] / first["ms_per_event"], 2)
        if first["ms_per_event"]
        else None
    )
    scanned = sorted(
        {
            "%s (%s)" % (query, ", ".join(tables))
            for query, tables in last["plans_with_seq_scan"].items()
            if set(tables) & set(BIG_TABLES)
        }
    )
    return ScenarioResult(
        details={"points": points, "growth_factor": growth, "scanned": scanned},
    )


def _grow(bench, first, last):
    """Bulk shipments ``first``..``last``, each with an applied event in its past."""
    seed.insert_shipments(
        bench.pg,
        bench.ids,
        first,
        last,
        with_history=True,
        then="2026-01-01 00:00:00",
    )
    # A table that grew over months has been vacuumed: so are these (hint bits
    # and visibility map set, statistics fresh).
    for table in BULK_TABLES:
        bench.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))


def _untouched(bench, top):
    """Numbers of the bulk shipments up to ``top`` no event of this run reached.

    Their next event is their first since the history seeded with them, so it
    does the same work at every level (a milestone, the ETA, a status change
    and its tracking message): the levels differ only in what the database
    holds.
    """
    touched = bench.factory.steps
    return [n for n in range(1, top + 1) if reference(n) not in touched]


def _plans(bench, level):
    """Tables each hot-path statement reads with a sequential scan (EXPLAIN)."""
    ref = reference(level)
    params = {
        "endpoint": bench.ids["endpoint_id"],
        "reference": ref,
        "flow": bench.flow_id,
        "keys": ("%s-x1" % ref, "%s-x2" % ref),
        "aggregate": "tms-shipment/%s" % ref,
        "shipments": (level,),
        "identity": "logistics-flow-tms.event",
    }
    answer = {}
    for name, statement in HOT_QUERIES.items():
        ((plan,),) = bench.query("EXPLAIN (FORMAT JSON) " + statement, params)
        answer[name] = sorted(_seq_scanned(plan[0]["Plan"]))
    return answer


def _seq_scanned(node):
    found = set()
    if node.get("Node Type") == "Seq Scan":
        found.add(node["Relation Name"])
    for child in node.get("Plans", []):
        found |= _seq_scanned(child)
    return found


def _scans(bench):
    rows = bench.query(
        """SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0)
             FROM pg_stat_user_tables WHERE relname IN %s""",
        (BIG_TABLES,),
    )
    return {name: (seq, read, idx) for name, seq, read, idx in rows}


def _scan_delta(before, after):
    return {
        name: {
            "seq_scan": after[name][0] - before.get(name, (0, 0, 0))[0],
            "seq_tup_read": after[name][1] - before.get(name, (0, 0, 0))[1],
            "idx_scan": after[name][2] - before.get(name, (0, 0, 0))[2],
        }
        for name in after
    }
