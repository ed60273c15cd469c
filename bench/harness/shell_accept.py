"""Measure the accept path alone; run by ``odoo shell`` (stdin).

Logs batches of canonical ``tms.event.v1`` events through
``logistics.shipment._tms_receive_events``, as the TMS webhook does after
checking the signature, and prints per batch kind the SQL statements and the
milliseconds per event (median of the repetitions), the statements by shape,
and a cProfile top list of one batch of new events. Everything is rolled back.

BENCH_PARAMS (JSON, all optional): ``batch`` events per batch (200),
``batches`` per repetition (5), ``repetitions`` (5), ``invalid_every`` (every
n-th event of the "mixed" batches breaks the schema: 10), ``top`` (25),
``profile`` (write the cProfile tables to this file instead of stdout).

Kinds of batch: ``new`` (every event new), ``redelivered`` (the same batch
again: duplicates only), ``mixed`` (new, one in ``invalid_every`` rejected by
the schema).
"""

import cProfile
import io
import json
import os
import pstats
import re
import statistics
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from odoo import sql_db

SQL_SHAPE = re.compile(r"\s+")
SQL_SHAPE_LENGTH = 90
REFERENCES = 50


@contextmanager
def statement_shapes():
    """Count the statements by shape (their first characters)."""
    shapes = Counter()
    original = sql_db.Cursor.execute

    def execute(self, query, params=None, log_exceptions=True):
        text = query.code if hasattr(query, "code") else str(query)
        shapes[SQL_SHAPE.sub(" ", text).strip()[:SQL_SHAPE_LENGTH]] += 1
        return original(self, query, params, log_exceptions)

    sql_db.Cursor.execute = execute
    try:
        yield shapes
    finally:
        sql_db.Cursor.execute = original


def events(count, tag, invalid_every=0):
    """``count`` canonical TMS events, one in ``invalid_every`` without status."""
    base = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    answer = []
    for n in range(count):
        reference = "ACCEPT-%04d" % (n % REFERENCES)
        occurred = base + timedelta(minutes=n)
        event = {
            "event_id": "%s-%06d" % (tag, n),
            "event_type": "shipment.milestone",
            "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "sequence": 1000 + n,
            "correlation_id": "accept-%s-%06d" % (tag, n),
            "aggregate": {"type": "shipment", "id": reference},
            "data": {
                "shipment_id": reference,
                "status_code": "IN_TRANSIT",
                "timezone": "Europe/Brussels",
                "location": {"name": "Hub", "city": "Antwerp", "country": "BE"},
                "eta": (occurred + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        }
        if invalid_every and n % invalid_every == invalid_every - 1:
            del event["data"]["status_code"]
        answer.append(event)
    return answer


def endpoint(env):
    """A TMS endpoint of its own (rolled back with the rest)."""
    return env["logistics.endpoint"].create(
        {
            "name": "Accept bench TMS",
            "code": "accept-bench-%s" % uuid.uuid4().hex[:8],
            "system": "tms",
            "protocol": "rest",
            "base_url": "http://127.0.0.1:9/api/v1/",
            "auth_method": "api_key",
            "api_key_header": "X-API-Key",
        }
    )


def measure(env, receive, batch):
    """(statements, seconds, outcomes) of receiving one batch, flush included."""
    env.flush_all()
    before = env.cr.sql_log_count
    started = time.perf_counter()
    results = receive(batch)
    env.flush_all()
    seconds = time.perf_counter() - started
    outcomes = Counter(outcome for _message, outcome, _reason in results)
    return env.cr.sql_log_count - before, seconds, outcomes


def run(env, params):
    size = params.get("batch", 200)
    batches = params.get("batches", 5)
    repetitions = params.get("repetitions", 5)
    invalid_every = params.get("invalid_every", 10)
    Shipment = env["logistics.shipment"].sudo()
    tms = endpoint(env)

    def receive(batch):
        return Shipment._tms_receive_events(tms, batch, "accept-bench")

    # Warm-up: validators compiled, caches filled, as in a worker that runs.
    receive(events(size, "warm-%s" % uuid.uuid4().hex[:8]))
    figures = {"new": [], "redelivered": [], "mixed": []}
    statements = {}
    outcomes = {}
    shapes_of = {}
    for _rep in range(repetitions):
        for kind, runs in figures.items():
            total_statements, total_seconds, kind_outcomes = 0, 0.0, Counter()
            with statement_shapes() as shapes:
                for _n in range(batches):
                    tag = uuid.uuid4().hex[:10]
                    batch = events(size, tag, invalid_every if kind == "mixed" else 0)
                    if kind == "redelivered":
                        receive(batch)
                    count, seconds, got = measure(env, receive, batch)
                    total_statements += count
                    total_seconds += seconds
                    kind_outcomes.update(got)
            runs.append(total_seconds * 1000 / (batches * size))
            statements[kind] = total_statements / batches
            outcomes[kind] = dict(kind_outcomes)
            shapes_of[kind] = {
                shape: round(count / batches, 2)
                for shape, count in shapes.most_common()
            }
    answer = {
        kind: {
            "statements_per_batch": statements[kind],
            "statements_per_event": round(statements[kind] / size, 3),
            "ms_per_event_median": round(statistics.median(values), 3),
            "ms_per_event_runs": [round(value, 3) for value in values],
            "outcomes_per_batch": {
                key: value / batches for key, value in outcomes[kind].items()
            },
        }
        for kind, values in figures.items()
    }
    answer["shapes_new"] = shapes_of["new"]
    answer["shapes_redelivered"] = shapes_of["redelivered"]
    answer["shapes_mixed"] = shapes_of["mixed"]
    profile_text = profile_one(env, receive, size, params.get("top", 25))
    if params.get("profile"):
        with open(params["profile"], "w", encoding="utf-8") as out:
            out.write(profile_text)
    else:
        print(profile_text)
    env.cr.rollback()
    return answer


def profile_one(env, receive, size, top):
    batch = events(size, "prof-%s" % uuid.uuid4().hex[:8])
    env.flush_all()
    profiler = cProfile.Profile()
    profiler.enable()
    receive(batch)
    env.flush_all()
    profiler.disable()
    text = io.StringIO()
    for order in ("cumulative", "tottime"):
        text.write("=== one batch of %s new events, by %s ===\n" % (size, order))
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(top)
    return text.getvalue()


if "env" in globals():
    answer = run(globals()["env"], json.loads(os.environ.get("BENCH_PARAMS", "{}")))
    print("BENCH_RESULT " + json.dumps(answer), flush=True)
