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


DEMO_REFUSED_CUSTOMER = "Brasserie Dupont"
DEMO_REFUSED_STEPS = 9  # the simulator's "refused" timeline, A7 last
DEMO_WAIT_TIMEOUT = 180


def _wait(check, timeout=DEMO_WAIT_TIMEOUT, interval=1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise ValueError("timed out")


def _simulator(simulator_url, path, body=None):
    answer = requests.request(
        "POST" if body is not None else "GET",
        simulator_url + "/_control/" + path,
        json=body,
        timeout=REQUEST_TIMEOUT,
    )
    answer.raise_for_status()
    return answer.json()


def demo_refused(odoo_url, customers, db):
    """A refused delivery: order -> release -> picked up (the delivery order is
    validated) -> invoiced -> refused (A7) -> return picking -> received by the
    warehouse -> posted credit note (the customer's credit policy).

    Steps the shipment itself on the simulator that the main warehouse's TMS
    endpoint points at (the other shipments wait meanwhile); turns that
    warehouse's validation to "on pickup" and invoices kegs on delivered
    quantities, so that what comes back is credited.
    """
    name = DEMO_REFUSED_CUSTOMER if DEMO_REFUSED_CUSTOMER in customers else None
    if not (name and db):
        return "skipped (no such customer or no database)"

    def rpc(model, method, *args):
        return _odoo_rpc(odoo_url, db, model, method, *args)

    [warehouse] = rpc(
        "stock.warehouse",
        "search_read",
        [("tms_endpoint_id", "!=", False)],
        ["tms_endpoint_id", "tms_validation_trigger"],
        0,
        1,
    )
    [endpoint] = rpc(
        "logistics.endpoint", "read", [warehouse["tms_endpoint_id"][0]], ["base_url"]
    )
    simulator_url = endpoint["base_url"].rstrip("/").removesuffix("/api/v1")
    try:
        _simulator(simulator_url, "shipments")
    except (requests.RequestException, ValueError):
        return "skipped (the TMS is not the simulator)"
    if warehouse["tms_validation_trigger"] == "warehouse":
        rpc(
            "stock.warehouse",
            "write",
            [warehouse["id"]],
            {"tms_validation_trigger": "pickup"},
        )
    products = rpc("product.product", "search", [("default_code", "=", "KEG30")])
    rpc("product.product", "write", products, {"invoice_policy": "delivery"})
    partners = rpc(
        "res.partner", "search", [("name", "=", name), ("is_company", "=", True)]
    )
    rpc("res.partner", "write", partners, {"logistics_return_credit_policy": "posted"})
    _simulator(simulator_url, "scenario", {"outcome": "refused", "auto_advance": False})
    try:
        return _demo_refused_steps(odoo_url, simulator_url, rpc, customers[name])
    finally:
        _simulator(simulator_url, "scenario", {"auto_advance": True})


def _demo_refused_steps(odoo_url, simulator_url, rpc, customer):
    answer = requests.post(
        odoo_url + "/api/logistics/v1/orders",
        json={
            "customer_reference": "PO-REFUSED-%s" % uuid.uuid4().hex[:6].upper(),
            "lines": [{"product_code": "KEG30", "quantity": 2}],
        },
        headers={
            "X-API-Key": customer["api_key"],
            "Idempotency-Key": uuid.uuid4().hex,
        },
        timeout=REQUEST_TIMEOUT,
    ).json()
    reference = answer.get("reference")
    if not reference:
        return "order not taken: %s" % answer

    def released():
        found = rpc(
            "logistics.shipment",
            "search_read",
            [("sale_order_id.name", "=", reference)],
            ["tms_reference", "picking_ids"],
        )
        return found[0] if found and found[0]["tms_reference"] else None

    shipment = _wait(released)
    advance = {
        "shipment_id": shipment["tms_reference"],
        "steps": DEMO_REFUSED_STEPS - 1,
    }
    _simulator(simulator_url, "advance", advance)  # up to the arrival
    _wait(
        lambda: all(
            picking["state"] == "done"
            for picking in rpc(
                "stock.picking", "read", shipment["picking_ids"], ["state"]
            )
        )
    )
    [order_id] = rpc("sale.order", "search", [("name", "=", reference)])
    wizard = rpc(
        "sale.advance.payment.inv",
        "create",
        {"advance_payment_method": "delivered", "sale_order_ids": [(6, 0, [order_id])]},
    )
    rpc("sale.advance.payment.inv", "create_invoices", [wizard])
    [order] = rpc("sale.order", "read", [order_id], ["invoice_ids"])
    rpc("account.move", "action_post", order["invoice_ids"])
    _simulator(simulator_url, "advance", dict(advance, steps=1))  # refused (A7)
    returns = _wait(
        lambda: rpc(
            "logistics.shipment", "read", [shipment["id"]], ["return_picking_ids"]
        )[0]["return_picking_ids"]
    )
    rpc("stock.picking", "button_validate", returns)  # the warehouse receives it
    [picking] = rpc(
        "stock.picking", "read", returns, ["name", "logistics_credit_note_id"]
    )
    credit_note = picking["logistics_credit_note_id"]
    return "order %s refused, return %s received, credit note %s" % (
        reference,
        picking["name"],
        credit_note[1] if credit_note else "none",
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
    for step in (demo_refused,):
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
        except (requests.RequestException, ValueError) as err:
            print("order %s from %s failed: %s" % (number, name, err), flush=True)
        time.sleep(args.interval)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
