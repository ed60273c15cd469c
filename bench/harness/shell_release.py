"""Profile the release job in-process; run by ``odoo shell``, never imported.

Reads BENCH_PARAMS (JSON: ``simulators``, a list of ``{"name", "url",
"pooled"}``, the shipments per batch ``count``, the ``output`` folder). For
each simulator and protocol (REST, SOAP) it makes an endpoint, releases
``count`` new shipments and runs their batch job's work (`_process` of the
messages) under cProfile, counting the SQL statements. ``pooled: false``
switches the kept-alive connections off (a new connection per call, as before
`lib/http_pool.py`), so that both ways are measured in the same run. Prints
``BENCH_RESULT <json>``: ms and statements per release. Everything is rolled
back at the end (the simulators keep what they were sent).
"""

import cProfile
import io
import json
import os
import pstats
import time
from datetime import datetime, timedelta
from pathlib import Path

from odoo import Command, sql_db

from odoo.addons.logistics_integration_base.lib import http_pool

API_KEY = "bench-release-key"
TOP = 30


def _endpoint(env, name, protocol, url):
    number = env["logistics.endpoint"].search_count([]) + 1
    record = env["logistics.endpoint"].create(
        {
            "name": "Release profile %s %s" % (name, protocol),
            "code": "release_profile_%s_%s_%s" % (name, protocol, number),
            "system": "tms",
            "protocol": protocol,
            "base_url": url + ("/api/v1/" if protocol == "rest" else "/soap"),
            "auth_method": "api_key",
            "api_key_header": "X-API-Key",
        }
    )
    env["logistics.endpoint.secret"].create(
        {"endpoint_id": record.id, "kind": "api_key", "value": API_KEY}
    )
    return record


def _shipments(env, endpoint, count):
    partner = env["res.partner"].create(
        {
            "name": "Release profile",
            "city": "Ghent",
            "zip": "9000",
            "street": "Kouter 1",
            "country_id": env.ref("base.be").id,
        }
    )
    product = env["product.product"].create({"name": "Release profile pallet"})
    tomorrow = datetime.now().replace(microsecond=0) + timedelta(days=1)
    return env["logistics.shipment"].create(
        [
            {
                "endpoint_id": endpoint.id,
                "partner_id": partner.id,
                "shipper_id": env.company.partner_id.id,
                "consignee_id": partner.id,
                "requested_pickup_start": tomorrow + timedelta(hours=8),
                "requested_pickup_end": tomorrow + timedelta(hours=12),
                "requested_delivery_start": tomorrow + timedelta(hours=32),
                "requested_delivery_end": tomorrow + timedelta(hours=41),
                "line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "uom_id": product.uom_id.id,
                            "quantity": 2,
                            "weight_kg": 25.0,
                        }
                    )
                ],
            }
            for _n in range(count)
        ]
    )


def _counting():
    counter = {"statements": 0}
    original = sql_db.Cursor.execute

    def execute(self, query, params=None, log_exceptions=True):
        counter["statements"] += 1
        return original(self, query, params, log_exceptions)

    sql_db.Cursor.execute = execute
    return counter, original


def _profile(env, simulator, protocol, count, output):
    endpoint = _endpoint(env, simulator["name"], protocol, simulator["url"])
    shipments = _shipments(env, endpoint, count)
    shipments._release()
    messages = env["logistics.message"].search(
        [
            ("flow_code", "=", "shipment.release"),
            ("res_model", "=", "logistics.shipment"),
            ("res_id", "in", shipments.ids),
        ]
    )
    env.flush_all()
    original_mount = http_pool.mount
    if not simulator["pooled"]:
        http_pool.mount = lambda session, url, checked=None: (
            original_mount(session, url, checked=checked) if checked else session
        )
    http_pool.clear()
    counter, original_execute = _counting()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    try:
        profiler.enable()
        messages._process()
        env.flush_all()
        profiler.disable()
    finally:
        seconds = time.perf_counter() - started
        sql_db.Cursor.execute = original_execute
        http_pool.mount = original_mount
    done = len(messages.filtered(lambda m: m.state == "done"))
    name = "%s-%s" % (simulator["name"], protocol)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(TOP)
    (Path(output) / ("release-%s.txt" % name)).write_text(text.getvalue())
    return {
        "name": name,
        "released": count,
        "done": done,
        "ms_per_release": round(seconds * 1000 / count, 2),
        "statements_per_release": round(counter["statements"] / count, 1),
    }


def profile(env, params):
    Path(params["output"]).mkdir(parents=True, exist_ok=True)
    figures = []
    for _round in range(params.get("rounds", 1)):
        for simulator in params["simulators"]:
            for protocol in ("rest", "soap"):
                figures.append(
                    _profile(
                        env, simulator, protocol, params["count"], params["output"]
                    )
                )
    env.cr.rollback()
    return figures


if "env" in globals():
    result = profile(globals()["env"], json.loads(os.environ["BENCH_PARAMS"]))
    print("BENCH_RESULT " + json.dumps(result), flush=True)
