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


class AdminRpc:
    """JSON-RPC as the demo database's administrator (the warehouse, accounting)."""

    def __init__(self, odoo_url, db, login="admin", password="admin"):
        self.url = odoo_url + "/jsonrpc"
        self.db = db
        self.password = password
        self.uid = self._call("common", "login", db, login, password)

    def _call(self, service, method, *args):
        response = requests.post(
            self.url,
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

    def __call__(self, model, method, *args, **kwargs):
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

    def wait(self, check, timeout=180, interval=1.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(interval)
        raise ValueError("timed out")


DEMO_REFUSED_CUSTOMER = "Brasserie Dupont"
DEMO_REFUSED_STEPS = 9  # the simulator's "refused" timeline, A7 last


def _simulator(simulator_url, path, body):
    requests.post(
        simulator_url + "/_control/" + path, json=body, timeout=REQUEST_TIMEOUT
    ).raise_for_status()


def demo_refused(odoo_url, simulator_url, db, customers):
    """A refused delivery: order -> release -> picked up (the delivery order is
    validated) -> invoiced -> refused (A7) -> return picking -> received by the
    warehouse -> posted credit note (the customer's credit policy)."""
    if not (simulator_url and db):
        return "skipped (needs the simulator and --db)"
    name = DEMO_REFUSED_CUSTOMER if DEMO_REFUSED_CUSTOMER in customers else None
    name = name or sorted(customers)[0]
    rpc = AdminRpc(odoo_url, db)
    [warehouse] = rpc(
        "stock.warehouse", "search_read", [], fields=["tms_validation_trigger"], limit=1
    )
    if warehouse["tms_validation_trigger"] == "warehouse":
        # The demo's delivery orders are validated when the carrier picks up.
        rpc(
            "stock.warehouse",
            "write",
            [warehouse["id"]],
            {"tms_validation_trigger": "pickup"},
        )
    # Invoiced on delivered quantities: what comes back is credited.
    product_ids = rpc("product.product", "search", [("default_code", "=", "KEG30")])
    rpc("product.product", "write", product_ids, {"invoice_policy": "delivery"})
    partner_ids = rpc(
        "res.partner", "search", [("name", "=", name), ("is_company", "=", True)]
    )
    rpc(
        "res.partner",
        "write",
        partner_ids,
        {"logistics_return_credit_policy": "posted"},
    )
    # The demo steps the shipment itself (the other shipments wait meanwhile).
    _simulator(simulator_url, "scenario", {"outcome": "refused", "auto_advance": False})
    try:
        return _demo_refused_steps(odoo_url, simulator_url, rpc, customers[name])
    finally:
        _simulator(simulator_url, "scenario", {"auto_advance": True})


def _demo_refused_steps(odoo_url, simulator_url, rpc, customer):
    response = requests.post(
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
    )
    response.raise_for_status()
    reference = response.json()["reference"]

    def released():
        found = rpc(
            "logistics.shipment",
            "search_read",
            [("sale_order_id.name", "=", reference)],
            fields=["tms_reference", "picking_ids"],
        )
        return found[0] if found and found[0]["tms_reference"] else None

    shipment = rpc.wait(released)
    advance = {
        "shipment_id": shipment["tms_reference"],
        "steps": DEMO_REFUSED_STEPS - 1,
    }
    _simulator(simulator_url, "advance", advance)
    rpc.wait(
        lambda: all(
            picking["state"] == "done"
            for picking in rpc(
                "stock.picking", "read", shipment["picking_ids"], fields=["state"]
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
    invoice_ids = rpc("sale.order", "read", [order_id], fields=["invoice_ids"])[0][
        "invoice_ids"
    ]
    rpc("account.move", "action_post", invoice_ids)
    _simulator(simulator_url, "advance", dict(advance, steps=1))  # refused (A7)
    returns = rpc.wait(
        lambda: rpc(
            "logistics.shipment",
            "read",
            [shipment["id"]],
            fields=["return_picking_ids"],
        )[0]["return_picking_ids"]
    )
    rpc("stock.picking", "button_validate", returns)  # the warehouse receives it
    [picking] = rpc(
        "stock.picking", "read", returns, fields=["name", "logistics_credit_note_id"]
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
    parser.add_argument("--db", default="", help="the database (admin steps)")
    args = parser.parse_args(argv)
    with open(args.keys_file) as keys:
        customers = json.load(keys)
    rng = random.Random(args.seed)
    for step in (demo_refused,):
        try:
            said = step(args.odoo_url, args.simulator_url, args.db, customers)
        except (requests.RequestException, ValueError, KeyError) as err:
            said = "failed: %s" % err
        print("%s: %s" % (step.__name__, said), flush=True)
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
