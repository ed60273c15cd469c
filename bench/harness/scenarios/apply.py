"""TMS events applied (sustained), against the RPC and one-job-per-event baselines."""

import time

from .. import load
from ..events import client_changes
from .common import SENDERS, _lazy_batches, _rate, send_batches
from .result import ScenarioResult


def applied_through_webhooks(bench, total, tag, bound):
    since = bench.max_message_id()
    started = time.monotonic()
    sent = send_batches(
        bench, _lazy_batches(bench, total, bench.sizes.apply_batch, tag), 2, bound
    )
    waited = bench.wait_tms(since, sent["accepted"], bound)
    states = waited["states"]
    seconds = waited["finished_at"] - started
    milestones = bench.query(
        "SELECT count(*) FROM logistics_shipment_milestone WHERE message_id > %s",
        (since,),
    )[0][0]
    return {
        "events": total,
        "accepted": sent["accepted"],
        "accept_seconds": round(sent["seconds"], 2),
        "done": states.get("done", 0),
        "states": states,
        "milestones_created": milestones,
        "seconds": round(seconds, 2),
        "applied_per_second": _rate(states.get("done", 0), seconds),
        "timed_out": waited["timed_out"],
    }


def baseline_rpc(bench):
    """(a) An external client writes milestone + status + ETA, one call per event."""
    sizes = bench.sizes
    ids = dict(
        bench.query(
            "SELECT tms_reference, id FROM logistics_shipment WHERE endpoint_id = %s",
            (bench.ids["endpoint_id"],),
        )
    )
    events = bench.factory.batch(sizes.apply_rpc_events, "rpc")
    rpc = bench.rpc
    # The client writes the TMS-owned `eta` and the Odoo-owned `status` in one
    # call. No context key lets a client pass the ownership guard: for the
    # baseline, the administrator hands `eta` to Odoo in the matrix (through
    # the ORM, which clears every worker's ownership cache) and gives it back.
    eta_rows = rpc.execute(
        "logistics.field.ownership",
        "search_read",
        [("model_name", "=", "logistics.shipment"), ("field_name", "=", "eta")],
        ["owner"],
    )
    rpc.execute(
        "logistics.field.ownership",
        "write",
        [r["id"] for r in eta_rows],
        {"owner": "odoo"},
    )

    def task(event):
        vals, milestone = client_changes(event)
        vals["milestone_ids"] = [(0, 0, milestone)]
        try:
            rpc.execute(
                "logistics.shipment",
                "write",
                [ids[event["aggregate"]["id"]]],
                vals,
            )
        except load.RpcError as err:
            return {"ok": False, "error": str(err)[:200]}
        return {"ok": True}

    try:
        results, elapsed = load.closed_loop(
            SENDERS,
            (lambda event=event: task(event) for event in events),
            sizes.apply_rpc_seconds,
        )
    finally:
        for row in eta_rows:
            rpc.execute(
                "logistics.field.ownership",
                "write",
                [row["id"]],
                {"owner": row["owner"]},
            )
    ok = sum(r["ok"] for r in results)
    errors = [r["error"] for r in results if not r["ok"]][:3]
    return {
        "events": len(results),
        "ok": ok,
        "errors": errors,
        "clients": SENDERS,
        "seconds": round(elapsed, 2),
        "applied_per_second": _rate(ok, elapsed),
    }


def baseline_single_jobs(bench):
    """(b) The same webhooks, with the flow switched to one queue job per event."""
    sizes = bench.sizes
    bench.execute(
        "UPDATE logistics_flow SET processing_mode = 'single' WHERE id = %s",
        (bench.flow_id,),
    )
    try:
        return applied_through_webhooks(
            bench, sizes.apply_single_events, "single", sizes.apply_bound
        )
    finally:
        bench.execute(
            "UPDATE logistics_flow SET processing_mode = 'batch' WHERE id = %s",
            (bench.flow_id,),
        )


def scenario_apply(bench):
    sizes = bench.sizes
    ours = applied_through_webhooks(
        bench, sizes.apply_events, "apply", sizes.apply_bound
    )
    bench.settle()
    rpc = baseline_rpc(bench)
    bench.settle()
    single = baseline_single_jobs(bench)
    return ScenarioResult(
        details={"ours": ours, "baseline_rpc": rpc, "baseline_single_job": single}
    )
