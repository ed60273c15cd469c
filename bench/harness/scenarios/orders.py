"""Portal orders through the API, against the RPC baseline."""

import json

from .. import load
from .common import API, _open
from .result import ScenarioResult


def scenario_orders(bench):
    sizes = bench.sizes
    rate, seconds = sizes.orders_rate, sizes.orders_seconds
    tag = bench.factory.run_tag
    body_lines = [{"product_code": bench.ids["product_code"], "quantity": 2}]

    def submit(number):
        body = json.dumps(
            {"customer_reference": "%s-PO-%s" % (tag, number), "lines": body_lines}
        ).encode()
        status, _answer = bench.http.request(
            "POST",
            API + "/orders",
            body,
            {
                "Content-Type": "application/json",
                "X-API-Key": bench.ids["api_key"],
                "Idempotency-Key": "%s-order-%s" % (tag, number),
            },
        )
        return status

    ours = load.latency_summary(_open(bench, rate, seconds, submit), ok=(201,))
    bench.settle()
    rpc = bench.rpc

    def rpc_order(number):
        try:
            order_id = rpc.execute(
                "sale.order",
                "create",
                {
                    "partner_id": bench.ids["customer_id"],
                    "client_order_ref": "%s-RPC-%s" % (tag, number),
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": bench.ids["product_id"],
                                "product_uom_qty": 2,
                            },
                        )
                    ],
                },
            )
            rpc.execute("sale.order", "action_confirm", [order_id])
        except load.RpcError:
            return 500
        return 200

    baseline = load.latency_summary(_open(bench, rate, seconds, rpc_order))
    return ScenarioResult(
        details={
            "rate": rate,
            "seconds": seconds,
            "ours": ours,
            "baseline": baseline,
        },
    )
