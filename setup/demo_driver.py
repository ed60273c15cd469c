#!/usr/bin/env python3
"""The demo's customers at work: orders through the public API, forever.

Every few seconds one of the demo customers places an order through
POST /api/logistics/v1/orders (with its own API key and an Idempotency-Key),
sometimes one that will be held (credit, shortage) or refused (unknown
product), and tells the TMS simulator how the transport will go (delivered,
delayed, refused, declined) so that exceptions happen too. Stops on Ctrl-C.
"""

import argparse
import itertools
import json
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

import requests

REQUEST_TIMEOUT = 30
PRODUCTS = ["KEG30", "CRATE24", "GLASS6"]
OUTCOMES = ["delivered"] * 7 + ["delay", "refused", "declined"]


def place_order(odoo_url, customer, rng):
    lines = [
        {"product_code": code, "quantity": rng.randint(1, 6)}
        for code in rng.sample(PRODUCTS, rng.randint(1, 2))
    ]
    if rng.random() < 0.1:
        lines.append({"product_code": "NOPE-%s" % rng.randint(1, 99), "quantity": 1})
    if rng.random() < 0.1:
        lines.append({"product_code": "PALLET", "quantity": 1})  # out of stock
    response = requests.post(
        odoo_url + "/api/logistics/v1/orders",
        json={
            "customer_reference": "PO-%s" % uuid.uuid4().hex[:8].upper(),
            "lines": lines,
            "service_preferences": {"service_level": "standard"},
        },
        headers={"X-API-Key": customer["api_key"], "Idempotency-Key": uuid.uuid4().hex},
        timeout=REQUEST_TIMEOUT,
    )
    body = response.json()
    return response.status_code, body.get("status") or body.get("error", {}).get("code")


def choose_outcome(simulator_url, rng):
    if not simulator_url:
        return "-"
    outcome = rng.choice(OUTCOMES)
    requests.post(
        simulator_url + "/_control/scenario",
        json={"outcome": outcome, "charges_event": True},
        timeout=REQUEST_TIMEOUT,
    ).raise_for_status()
    return outcome


class OdooRpc:
    """Odoo's JSON-RPC as an employee (the demo's admin): the actions people
    take in Odoo's screens."""

    def __init__(self, url, db, login, password):
        self.url, self.db, self.password = url, db, password
        self.uid = self._call("common", "login", db, login, password)

    def _call(self, service, method, *args):
        response = requests.post(
            self.url + "/jsonrpc",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"service": service, "method": method, "args": args},
            },
            timeout=REQUEST_TIMEOUT,
        )
        response.raise_for_status()
        body = response.json()
        if body.get("error"):
            raise ValueError(body["error"]["data"]["message"])
        return body.get("result")

    def execute(self, model, method, *args, **kwargs):
        return self._call(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
        )


def _wait_for_shipment(odoo, reference, predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = odoo.execute(
            "logistics.shipment",
            "search_read",
            [("sale_order_id.client_order_ref", "=", reference)],
            fields=["name", "status", "exception_type"],
            limit=1,
        )
        if found and predicate(found[0]):
            return found[0]
        time.sleep(2)
    raise ValueError("shipment of %s: still waiting after %ss" % (reference, timeout))


def demo_recover(odoo_url, simulator_url, customer, odoo, timeout=300):
    """Exception recovery: an order whose delivery is attempted (nobody home,
    ``AH``), the redelivery requested in Odoo (the shipment's *Request
    redelivery*, a new window tomorrow morning), then delivered (``D1``)."""
    if not (simulator_url and odoo):
        return "skipped (needs the simulator and Odoo's admin login)"
    requests.post(
        simulator_url + "/_control/scenario",
        json={"outcome": "attempted", "redelivery_outcome": "delivered"},
        timeout=REQUEST_TIMEOUT,
    ).raise_for_status()
    reference = "PO-RECOVER-%s" % uuid.uuid4().hex[:6].upper()
    response = requests.post(
        odoo_url + "/api/logistics/v1/orders",
        json={
            "customer_reference": reference,
            "lines": [{"product_code": "KEG30", "quantity": 2}],
        },
        headers={"X-API-Key": customer["api_key"], "Idempotency-Key": uuid.uuid4().hex},
        timeout=REQUEST_TIMEOUT,
    )
    response.raise_for_status()
    attempted = _wait_for_shipment(
        odoo, reference, lambda s: s["exception_type"] == "failed_delivery", timeout
    )
    tomorrow = datetime.now(timezone.utc).replace(
        hour=8, minute=0, second=0, microsecond=0
    ) + timedelta(days=1)
    odoo.execute(
        "logistics.shipment",
        "action_request_redelivery",
        [attempted["id"]],
        delivery_start=tomorrow.strftime("%Y-%m-%d %H:%M:%S"),
        delivery_end=(tomorrow + timedelta(hours=4)).strftime("%Y-%m-%d %H:%M:%S"),
        note="Consignee at home tomorrow morning",
    )
    delivered = _wait_for_shipment(
        odoo, reference, lambda s: s["status"] == "delivered", timeout
    )
    return "%s: delivery attempted, redelivery requested, %s" % (
        delivered["name"],
        delivered["status"],
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--odoo-url", required=True)
    parser.add_argument("--simulator-url", default="")
    parser.add_argument("--keys-file", required=True)
    parser.add_argument("--interval", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--db", default="logistics")
    parser.add_argument("--admin-login", default="admin")
    parser.add_argument("--admin-password", default="admin")
    args = parser.parse_args(argv)
    with open(args.keys_file) as keys:
        customers = json.load(keys)
    rng = random.Random(args.seed)
    try:
        odoo = OdooRpc(args.odoo_url, args.db, args.admin_login, args.admin_password)
    except (requests.RequestException, ValueError) as err:
        print("no admin login (%s): the Odoo-side demos are skipped" % err, flush=True)
        odoo = None
    first = customers[sorted(customers)[0]]
    for name, demo in (("recover", demo_recover),):
        try:
            result = demo(args.odoo_url, args.simulator_url, first, odoo)
        except (requests.RequestException, ValueError) as err:
            result = "failed: %s" % err
        print("demo %s: %s" % (name, result), flush=True)
    for number in itertools.count(1):
        name = rng.choice(sorted(customers))
        try:
            outcome = choose_outcome(args.simulator_url, rng)
            status, answer = place_order(args.odoo_url, customers[name], rng)
            print(
                "order %s from %s: HTTP %s %s (transport: %s)"
                % (number, name, status, answer, outcome),
                flush=True,
            )
        except (requests.RequestException, ValueError) as err:
            print("order %s from %s failed: %s" % (number, name, err), flush=True)
        time.sleep(args.interval)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
