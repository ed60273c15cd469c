"""Release of shipments to the TMS (REST and SOAP)."""

import time
from datetime import datetime, timedelta

from .common import FINISHED, POLL, _rate
from .result import ScenarioResult


def scenario_release(bench):
    sizes = bench.sizes
    by_protocol = {}
    for protocol, endpoint_id in (
        ("REST", bench.ids["endpoint_id"]),
        ("SOAP", bench.ids["soap_endpoint_id"]),
    ):
        by_protocol[protocol] = _release(bench, endpoint_id, sizes.release_shipments)
        bench.settle()
    return ScenarioResult(
        details=by_protocol,
    )


def _release(bench, endpoint_id, count):
    ids = create_shipments(bench.rpc, bench, endpoint_id, count)
    since = bench.max_message_id()
    started = time.monotonic()
    bench.rpc.execute("logistics.shipment", "action_release", ids)
    released_at = time.monotonic()
    states, finished = wait_released(
        bench, since, count, started + bench.sizes.release_bound
    )
    seconds = time.monotonic() - started
    referenced = bench.query(
        "SELECT count(*) FROM logistics_shipment WHERE id IN %s "
        "AND tms_reference IS NOT NULL",
        (tuple(ids),),
    )[0][0]
    return {
        "shipments": count,
        "states": states,
        "with_tms_reference": referenced,
        "release_call_seconds": round(released_at - started, 2),
        "seconds": round(seconds, 2),
        "shipments_per_second": _rate(states.get("done", 0), seconds),
        "timed_out": finished < count,
    }


def create_shipments(rpc, bench, endpoint_id, count):
    """``count`` draft shipments of ``endpoint_id`` for tomorrow, created
    through ``rpc`` (JSON-RPC) 100 at a time; their ids."""
    ids = []
    tomorrow = datetime.now().replace(microsecond=0) + timedelta(days=1)
    windows = {
        name: (tomorrow + timedelta(hours=hours)).isoformat(sep=" ")
        for name, hours in (
            ("requested_pickup_start", 8),
            ("requested_pickup_end", 12),
            ("requested_delivery_start", 32),
            ("requested_delivery_end", 41),
        )
    }
    chunk = 100
    for start in range(0, count, chunk):
        ids += rpc.execute(
            "logistics.shipment",
            "create",
            [
                {
                    "endpoint_id": endpoint_id,
                    "partner_id": bench.ids["customer_id"],
                    "shipper_id": bench.ids["company_partner_id"],
                    "consignee_id": bench.ids["customer_id"],
                    **windows,
                    "line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": bench.ids["product_id"],
                                "uom_id": bench.ids["product_uom_id"],
                                "quantity": 2,
                                "weight_kg": 25.0,
                            },
                        )
                    ],
                }
                for _n in range(start, min(start + chunk, count))
            ],
        )
    return ids


def release_states(bench, since):
    """{state: count} of the release messages logged after message ``since``."""
    return dict(
        bench.query(
            """SELECT state, count(*) FROM logistics_message
                WHERE id > %s AND flow_code = 'shipment.release'
                GROUP BY state""",
            (since,),
        )
    )


def wait_released(bench, since, count, deadline):
    """Poll until ``count`` release messages logged after ``since`` finished,
    or the monotonic ``deadline``: ({state: count}, how many finished)."""
    while True:
        states = release_states(bench, since)
        finished = sum(states.get(s, 0) for s in FINISHED)
        if finished >= count or time.monotonic() > deadline:
            return states, finished
        time.sleep(POLL)
