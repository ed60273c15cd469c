"""Profile the hot paths in-process with cProfile; run by ``odoo shell``.

Reads BENCH_PARAMS (JSON: output folder, events per batch, webhook secret,
tms references, ...), profiles each path the HTTP workers and jobs run, writes
``<name>.txt`` (cumulative and own-time tables) into the output folder, and
prints ``BENCH_RESULT <json>`` with wall time and SQL queries per item.
Everything runs in one transaction that is rolled back: the database is left
as it was.
"""

import cProfile
import io
import json
import os
import pstats
import re
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from odoo import sql_db

TOP = 45
TOP_SQL = 20
SUBMIT_LINES = 2
SQL_SHAPE = re.compile(r"\s+")
SQL_SHAPE_LENGTH = 110


@contextmanager
def sql_timings():
    """Time every statement by its shape (first words, literals unchanged)."""
    totals = defaultdict(lambda: [0, 0.0])
    original = sql_db.Cursor.execute

    def execute(self, query, params=None, log_exceptions=True):
        started = time.perf_counter()
        try:
            return original(self, query, params, log_exceptions)
        finally:
            text = query.code if hasattr(query, "code") else str(query)
            shape = SQL_SHAPE.sub(" ", text).strip()[:SQL_SHAPE_LENGTH]
            entry = totals[shape]
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    sql_db.Cursor.execute = execute
    try:
        yield totals
    finally:
        sql_db.Cursor.execute = original


def events(params, count, tag, start=0):
    """``count`` events after every event of the run (one day ahead)."""
    base = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    answer = []
    for n in range(start, start + count):
        reference = params["references"][n % len(params["references"])]
        occurred = base + timedelta(minutes=n)
        answer.append(
            {
                "event_id": "%s-%06d" % (tag, n),
                "event_type": "shipment.milestone",
                "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "sequence": 1000 + n,
                "aggregate": {"type": "shipment", "id": reference},
                "data": {
                    "shipment_id": reference,
                    "status_code": "IN_TRANSIT",
                    "timezone": "Europe/Brussels",
                    "location": {"name": "Hub", "city": "Antwerp", "country": "BE"},
                    "eta": (occurred + timedelta(days=2)).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"
                    ),
                },
            }
        )
    return answer


def profiled(env, out, name, items, function):
    """Run ``function`` under cProfile; write its tables; return the figures."""
    env.flush_all()
    queries_before = env.cr.sql_log_count
    profiler = cProfile.Profile()
    with sql_timings() as totals:
        started = time.perf_counter()
        profiler.enable()
        function()
        env.flush_all()
        profiler.disable()
        seconds = time.perf_counter() - started
    queries = env.cr.sql_log_count - queries_before
    text = io.StringIO()
    text.write(
        "%s: %s item(s), %.3f s wall (%.2f ms per item), %s SQL queries "
        "(%.1f per item)\n\n"
        % (name, items, seconds, seconds * 1000 / items, queries, queries / items)
    )
    sql_seconds = sum(entry[1] for entry in totals.values())
    text.write(
        "=== SQL: %.3f s in %s statements (%.0f %% of wall), top %s shapes ===\n"
        % (sql_seconds, queries, 100 * sql_seconds / seconds, TOP_SQL)
    )
    text.write("%8s %7s %9s  %s\n" % ("calls", "total s", "ms/call", "statement"))
    for shape, (calls, total) in sorted(
        totals.items(), key=lambda item: item[1][1], reverse=True
    )[:TOP_SQL]:
        text.write(
            "%8d %7.3f %9.3f  %s\n" % (calls, total, total * 1000 / calls, shape)
        )
    text.write("\n")
    for order in ("cumulative", "tottime"):
        text.write("=== sorted by %s ===\n" % order)
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats(order).print_stats(TOP)
    (out / ("%s.txt" % name)).write_text(text.getvalue())
    return {
        "items": items,
        "seconds": round(seconds, 3),
        "ms_per_item": round(seconds * 1000 / items, 2),
        "queries": queries,
        "queries_per_item": round(queries / items, 1),
        "sql_share": round(sql_seconds / seconds, 2),
    }


def run(env, params):
    out = Path(params["output"])
    out.mkdir(parents=True, exist_ok=True)
    Shipment = env["logistics.shipment"].sudo()
    Message = env["logistics.message"].sudo()
    endpoint = env["logistics.endpoint"].search([("code", "=", "bench")])
    flow = env["logistics.flow"]._get_by_code("tms.event")
    results = {}
    count = params["batch"]
    batch = events(params, count, "profile-%s" % uuid.uuid4().hex[:8])

    results["webhook_receive"] = profiled(
        env,
        out,
        "webhook_receive",
        count,
        lambda: Shipment._tms_receive_events(endpoint, batch, "bench-profile"),
    )
    # Apply exactly the messages logged above, as the batch job does.
    results["job_apply"] = profiled(
        env,
        out,
        "job_apply",
        count,
        lambda: Message._job_process_pending(flow.id),
    )

    shipment = Shipment.search([("name", "=", params["portal_shipment"])])

    def portal_reads():
        for _n in range(params["reads"]):
            shipment.invalidate_recordset()
            shipment.milestone_ids.invalidate_recordset()
            shipment._portal_json()

    results["portal_shipment_json"] = profiled(
        env, out, "portal_shipment_json", params["reads"], portal_reads
    )

    customer = env["res.partner"].browse(params["customer_id"])

    def submit_orders():
        for n in range(params["orders"]):
            Message._receive(
                "order.submit",
                {
                    "customer_reference": "PROFILE-%s" % n,
                    "lines": [{"product_code": params["product_code"], "quantity": 2}]
                    * SUBMIT_LINES,
                },
                idempotency_key="profile-%s-%s" % (uuid.uuid4().hex, n),
                partner_id=customer.id,
            )

    results["order_submit"] = profiled(
        env, out, "order_submit", params["orders"], submit_orders
    )
    results.update(what_ifs(env, params, out, (endpoint, flow, count)))
    # Last: the messages it logs stay pending, which the what-ifs would apply.
    results["webhook_single"] = profiled(
        env, out, "webhook_single", count, single_receiver(env, params, endpoint)
    )
    env.cr.rollback()
    return results


def single_receiver(env, params, endpoint):
    """What a single-event webhook request does once Odoo dispatched it, one
    event at a time, less the commit and its after-commit job check (the
    server's time per request, from the access log, is the rest)."""
    Shipment = env["logistics.shipment"].sudo()
    singles = events(
        params, params["batch"], "single-%s" % uuid.uuid4().hex[:8], params["batch"]
    )

    def receive_singly():
        for event in singles:
            Shipment._tms_receive_events(endpoint, [event], "bench-profile-single")
            env.flush_all()
        env.cr.postcommit.clear()  # nothing is committed: no job to check

    return receive_singly


@contextmanager
def patched(cls, name, replacement):
    original = cls.__dict__.get(name)
    setattr(cls, name, replacement)
    try:
        yield
    finally:
        if original is None:
            delattr(cls, name)
        else:
            setattr(cls, name, original)


def what_ifs(env, params, out, batch_of):
    """The same paths with one proposed change simulated in this process only
    (see bench/PROFILE.md): how much each change would save."""
    endpoint, flow, count = batch_of
    Shipment = env["logistics.shipment"].sudo()
    Message = env["logistics.message"].sudo()
    results = {}
    # 1. Schema registries and their file lists looked up once, not per message.
    schema_model = type(env["logistics.schema"])
    registries = env["logistics.schema"]._registries()
    registry_class = type(registries[0])
    available = {id(r): r.available() for r in registries}
    batch = events(params, count, "whatif-%s" % uuid.uuid4().hex[:8], start=count)
    with (
        patched(schema_model, "_registries", lambda self: registries),
        patched(registry_class, "available", lambda self: available[id(self)]),
    ):
        results["whatif_receive_schema_cached"] = profiled(
            env,
            out,
            "whatif_receive_schema_cached",
            count,
            lambda: Shipment._tms_receive_events(endpoint, batch, "bench-whatif"),
        )
    # 2. The batch job without mail tracking (the milestone timeline already
    #    records every status and ETA the TMS sends).
    results["whatif_apply_no_tracking"] = profiled(
        env,
        out,
        "whatif_apply_no_tracking",
        count,
        lambda: Message.with_context(tracking_disable=True)._job_process_pending(
            flow.id
        ),
    )
    # 3. The batch job with one savepoint per message (chunk size 1), as
    #    before chunks: what the flow's chunk size saves.
    batch = events(params, count, "whatif-%s" % uuid.uuid4().hex[:8], start=2 * count)
    Shipment._tms_receive_events(endpoint, batch, "bench-whatif")
    chunk_size = flow.chunk_size
    flow.chunk_size = 1
    results["whatif_apply_one_savepoint_per_message"] = profiled(
        env,
        out,
        "whatif_apply_one_savepoint_per_message",
        count,
        lambda: Message._job_process_pending(flow.id),
    )
    flow.chunk_size = chunk_size
    return results


if "env" in globals():
    answer = run(globals()["env"], json.loads(os.environ["BENCH_PARAMS"]))
    print("BENCH_RESULT " + json.dumps(answer), flush=True)
