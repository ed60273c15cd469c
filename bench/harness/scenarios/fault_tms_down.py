"""The TMS down while shipments are released over 2 nodes (issue 18, fault
3): everything reaches it exactly once afterwards.

The TMS simulator keeps what it received in memory only, and a stopped TMS
keeps its data: the scenario reads the simulator's record (shipments and
request log) before stopping it, and the restarted simulator (same port and
key) numbers its shipments with a prefix of its own (``TMS-R<n>000001``):
the two records together are what the TMS received.
"""

import json
import time
from urllib.parse import urlsplit

from .. import load
from ..stack import ADMIN
from .multinode import on_cluster, single_node_stopped
from .release import create_shipments, release_states, wait_released
from .result import ScenarioResult

CREATE_PATH = "/api/v1/shipments"
SAMPLE = 20


def tms_record(expected, shipments, requests):
    """What the TMS received of the shipments ``expected`` ({Odoo shipment
    name: its TMS reference in Odoo}), from the simulator's records:
    ``shipments`` ({TMS id: {"externalReference": ...}}, several records
    merged) and ``requests`` (its request logs, ``[{"method", "path",
    "body"}]``). Counts: missing (not in the TMS), created twice (two TMS
    ids), sent twice (two create calls reached it), another reference in
    Odoo than the TMS's id; samples of each."""
    in_tms = {}
    for tms_id, shipment in shipments.items():
        in_tms.setdefault(shipment.get("externalReference"), []).append(tms_id)
    calls = {}
    for request in requests:
        if request.get("method") != "POST" or request.get("path") != CREATE_PATH:
            continue
        try:
            name = json.loads(request.get("body") or "{}").get("externalReference")
        except (ValueError, AttributeError):
            continue
        calls[name] = calls.get(name, 0) + 1
    problems = {"missing": [], "created_twice": [], "sent_twice": [], "mismatch": []}
    for name, reference in sorted(expected.items()):
        ids = sorted(in_tms.get(name, ()))
        if not ids:
            problems["missing"].append(name)
        elif len(ids) > 1:
            problems["created_twice"].append({name: ids})
        elif ids[0] != reference:
            problems["mismatch"].append({name: [reference, ids[0]]})
        if calls.get(name, 0) > 1:
            problems["sent_twice"].append({name: calls[name]})
    return {
        "shipments": len(expected),
        "in_tms": sum(1 for name in expected if name in in_tms),
        "create_calls": sum(calls.get(name, 0) for name in expected),
        **{key: len(found) for key, found in problems.items()},
        "samples": {key: found[:SAMPLE] for key, found in problems.items() if found},
    }


def _simulator_record(stack):
    """({TMS id: shipment}, [requests]) of the simulator now."""
    http = load.Http(stack.simulator_url)
    record = []
    for path in ("/_control/shipments", "/_control/requests"):
        status, body = http.request("GET", path)
        if status != 200:
            raise RuntimeError("the simulator answered %s to %s" % (status, path))
        record.append(json.loads(body))
    return tuple(record)


def _retried(bench, since):
    """(release messages attempted more than once, most attempts of one)."""
    ((count, most),) = bench.query(
        """SELECT count(*) FILTER (WHERE attempts > 1), coalesce(max(attempts), 0)
             FROM logistics_message
            WHERE id > %s AND flow_code = 'shipment.release'""",
        (since,),
    )
    return count, most


def _outage(bench, rpc, during, outcome):
    """Stop the simulator, release ``during`` while it is down, start it
    again on its port after the outage; return the record it had."""
    stack = bench.stack
    before = _simulator_record(stack)
    port = urlsplit(stack.simulator_url).port
    stack.stop_simulator()
    down = time.monotonic()
    try:
        rpc.execute("logistics.shipment", "action_release", during)
        outcome["released_during_outage_seconds"] = round(time.monotonic() - down, 1)
        time.sleep(max(0.0, bench.sizes.tms_down_seconds - (time.monotonic() - down)))
    finally:
        stack.start_simulator(
            port=port, extra_args=("--id-prefix", "R%d" % int(time.time()))
        )
    outcome["down_seconds"] = round(time.monotonic() - down, 1)
    return before


def scenario_fault_tms_down(bench):
    """2 nodes behind HAProxy; half the shipments released (through HAProxy)
    and sent, the TMS stopped, the other half released while it is down, the
    TMS started again after the outage: every release message done, each
    shipment created once in the TMS, with its reference in Odoo."""
    sizes = bench.sizes
    count = sizes.tms_down_shipments
    outcome = {}
    with single_node_stopped(bench), on_cluster(bench, 2, "tmsdown") as cluster:
        rpc = load.Rpc(cluster.url, bench.stack.db, *ADMIN)
        ids = create_shipments(rpc, bench, bench.ids["endpoint_id"], count)
        first, during = ids[: count // 2], ids[count // 2 :]
        since = bench.max_message_id()
        started = time.monotonic()
        rpc.execute("logistics.shipment", "action_release", first)
        states, finished = wait_released(
            bench, since, len(first), started + sizes.tms_down_drain_bound
        )
        outcome["sent_before_outage"] = states.get("done", 0)
        outcome["outage_at"] = round(time.monotonic() - started, 1)
        before = _outage(bench, rpc, during, outcome)
        up = time.monotonic()
        states, finished = wait_released(
            bench, since, count, up + sizes.tms_down_drain_bound
        )
        drain = time.monotonic() - up
        after = _simulator_record(bench.stack)
        retried, most_attempts = _retried(bench, since)
        waiting = release_states(bench, since)
    expected = dict(
        bench.query(
            "SELECT name, coalesce(tms_reference, '') FROM logistics_shipment "
            "WHERE id = ANY(%s)",
            (ids,),
        )
    )
    record = tms_record(expected, {**before[0], **after[0]}, before[1] + after[1])
    checks = {
        "the TMS was down while shipments were released": retried > 0,
        "every release message done": states.get("done", 0) == count,
        "every shipment in the TMS": record["missing"] == 0,
        "each shipment created once in the TMS": record["created_twice"] == 0,
        "no create sent twice to the TMS": record["sent_twice"] == 0,
        "Odoo holds the TMS's reference": record["mismatch"] == 0,
    }
    return ScenarioResult(
        details={
            "shipments": count,
            "released_before_outage": len(first),
            "released_during_outage": len(during),
            "outage_seconds": sizes.tms_down_seconds,
            "outage": outcome,
            "release_states": waiting,
            "retried_messages": retried,
            "most_attempts": most_attempts,
            "drain_seconds": round(drain, 1),
            "drain_timed_out": finished < count,
            "tms": record,
            "checks": checks,
        }
    )
