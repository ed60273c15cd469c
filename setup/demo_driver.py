#!/usr/bin/env python3
"""The demo's customers at work: orders through the public API, forever.

Every few seconds one of the demo customers places an order through
POST /api/logistics/v1/orders (with its own API key and an Idempotency-Key),
sometimes one that will be held (credit, shortage) or refused (unknown
product), and tells the TMS simulator how the transport will go (delivered,
delayed, refused, declined) so that exceptions happen too. Stops on Ctrl-C.
"""

import argparse
import configparser
import itertools
import json
import random
import sys
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import common  # standard library only

REQUEST_TIMEOUT = 30
PRODUCTS = ["KEG30", "CRATE24", "GLASS6"]
OUTCOMES = ["delivered"] * 7 + ["delay", "refused", "declined"]
SERVICE_REQUEST_EVERY = 5  # orders
SERVICE_REQUESTS = [
    ("appointment_change", "Please deliver on Tuesday morning instead."),
    ("special_handling", "The kegs must stay cold: no stop over 2 hours."),
    ("pod_copy", "Our accounting needs a copy of the proof of delivery."),
    ("address_correction", "Deliver to the back entrance, Rue Haute 12."),
]


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


def _odoo_rpc(odoo_url, db, model, method, *args):
    """One JSON-RPC call as the demo's administrator (the back office)."""

    def call(service, rpc_method, *rpc_args):
        answer = requests.post(
            odoo_url + "/jsonrpc",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"service": service, "method": rpc_method, "args": rpc_args},
            },
            timeout=REQUEST_TIMEOUT,
        ).json()
        if answer.get("error"):
            raise ValueError(answer["error"]["data"]["message"])
        return answer.get("result")

    uid = call("common", "login", db, common.ADMIN_LOGIN, common.ADMIN_PASSWORD)
    return call(
        "object", "execute_kw", db, uid, common.ADMIN_PASSWORD, model, method, args
    )


def _run_database():
    """The database of `setup/run` (its Odoo configuration), if there is one."""
    parser = configparser.ConfigParser()
    parser.read(common.RUN_DIR / "odoo.conf")
    return parser.get("options", "db_name", fallback=None)


def demo_held_order(odoo_url, customers, db):
    """A held order approved in Odoo: the customer's view follows.

    Hotel Astoria (short orders held for review) orders the mixed pallet, out
    of stock: the API answers `held`. The back office approves it (the form's
    "Approve held order" button, here over JSON-RPC as the administrator): the
    order is confirmed, the API shows it `accepted` and subscribers get the
    `order.accepted` webhook.
    """
    customer = customers.get("Hotel Astoria")
    if not (customer and db):
        return "skipped (no hold customer or no database)"
    headers = {"X-API-Key": customer["api_key"]}
    answer = requests.post(
        odoo_url + "/api/logistics/v1/orders",
        json={
            "customer_reference": "PO-HELD-%s" % uuid.uuid4().hex[:6].upper(),
            "lines": [{"product_code": "PALLET", "quantity": 1}],
            "service_preferences": {
                "service_level": "express",
                "tail_lift": True,
                "delivery_instructions": "Kitchen entrance, rue Neuve side.",
            },
        },
        headers=dict(headers, **{"Idempotency-Key": uuid.uuid4().hex}),
        timeout=REQUEST_TIMEOUT,
    ).json()
    if answer.get("status") != "held":
        return "order %s not held: %s" % (answer.get("reference"), answer)
    [order_id] = _odoo_rpc(
        odoo_url, db, "sale.order", "search", [("name", "=", answer["reference"])]
    )
    _odoo_rpc(odoo_url, db, "sale.order", "action_portal_approve", [order_id])
    status = requests.get(
        odoo_url + "/api/logistics/v1/orders/" + answer["reference"],
        headers=headers,
        timeout=REQUEST_TIMEOUT,
    ).json()["status"]
    return "order %s held, approved in Odoo, now %s" % (answer["reference"], status)


def demo_service_request(odoo_url, customers, db, rng):
    """A customer asks about its latest shipment through the API; the customer
    care team answers in Odoo (the Answer wizard); the customer reads the
    answer back (as its portal page and webhooks show it)."""
    customer = customers[rng.choice(sorted(customers))]
    headers = {"X-API-Key": customer["api_key"]}
    shipments = requests.get(
        odoo_url + "/api/logistics/v1/shipments?limit=1",
        headers=headers,
        timeout=REQUEST_TIMEOUT,
    ).json()
    if not shipments.get("items"):
        return "no shipment to ask about yet"
    kind, text = rng.choice(SERVICE_REQUESTS)
    created = requests.post(
        odoo_url + "/api/logistics/v1/service-requests",
        json={
            "type": kind,
            "shipment": shipments["items"][0]["reference"],
            "description": text,
        },
        headers=dict(headers, **{"Idempotency-Key": uuid.uuid4().hex}),
        timeout=REQUEST_TIMEOUT,
    )
    if created.status_code != 201:
        return "refused: HTTP %s %s" % (created.status_code, created.text[:200])
    reference = created.json()["reference"]
    [request_id] = _odoo_rpc(
        odoo_url, db, "logistics.service.request", "search", [("name", "=", reference)]
    )
    wizard = _odoo_rpc(
        odoo_url,
        db,
        "logistics.service.request.answer",
        "create",
        {
            "request_id": request_id,
            "status": "answered",
            "answer": "Done: we arranged it with the carrier.",
        },
    )
    _odoo_rpc(
        odoo_url, db, "logistics.service.request.answer", "action_confirm", [wizard]
    )
    answered = requests.get(
        odoo_url + "/api/logistics/v1/service-requests/" + reference,
        headers=headers,
        timeout=REQUEST_TIMEOUT,
    ).json()
    return "%s (%s): %s, answer: %s" % (
        reference,
        kind,
        answered.get("status"),
        answered.get("answer"),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--odoo-url", required=True)
    parser.add_argument("--simulator-url", default="")
    parser.add_argument("--keys-file", required=True)
    parser.add_argument("--interval", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--db", default=None, help="Odoo database (default: the one of setup/run)"
    )
    args = parser.parse_args(argv)
    with open(args.keys_file) as keys:
        customers = json.load(keys)
    rng = random.Random(args.seed)
    db = args.db or _run_database()
    for step in (demo_held_order,):
        try:
            outcome = step(args.odoo_url, customers, db)
            print("%s: %s" % (step.__name__, outcome), flush=True)
        except (requests.RequestException, ValueError) as err:
            print("%s failed: %s" % (step.__name__, err), flush=True)
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
            if db and number % SERVICE_REQUEST_EVERY == 0:
                print(
                    "service request: %s"
                    % demo_service_request(args.odoo_url, customers, db, rng),
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
