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


ADMIN = ("admin", "admin")  # the demo's administrator, see README


def _jsonrpc(odoo_url, service, method, *args):
    response = requests.post(
        odoo_url + "/jsonrpc",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
        },
        timeout=REQUEST_TIMEOUT,
    )
    body = response.json()
    if body.get("error"):
        raise ValueError(body["error"]["data"]["message"])
    return body.get("result")


def _rpc(odoo_url, db, model, method, *args, **kwargs):
    """JSON-RPC as the demo's administrator."""
    uid = _jsonrpc(odoo_url, "common", "login", db, *ADMIN)
    if not uid:
        raise ValueError("the demo administrator cannot log in")
    return _jsonrpc(
        odoo_url,
        "object",
        "execute_kw",
        db,
        uid,
        ADMIN[1],
        model,
        method,
        list(args),
        kwargs,
    )


def demo_claim(odoo_url, simulator_url, customers, db, timeout=300):
    """A damage claim: the TMS delivers an order with damaged goods (simulator
    option damage_on_delivery), Odoo opens a claim against the carrier; the
    freight manager (admin, by JSON-RPC) submits it, the carrier accepts it,
    and its vendor credit note is made and posted (a database without a chart
    of accounts gets Odoo's generic one first)."""
    customer = customers.get("Brasserie Dupont") or next(iter(customers.values()))
    if not (customer and simulator_url and db):
        return "skipped (no simulator, customer or database name)"
    scenario = simulator_url + "/_control/scenario"
    headers = {"X-API-Key": customer["api_key"]}
    api = odoo_url + "/api/logistics/v1"
    requests.post(
        scenario,
        json={"outcome": "delivered", "damage_on_delivery": True},
        timeout=REQUEST_TIMEOUT,
    ).raise_for_status()
    try:
        response = requests.post(
            api + "/orders",
            json={
                "customer_reference": "PO-CLAIM-%s" % uuid.uuid4().hex[:6].upper(),
                "lines": [{"product_code": "KEG30", "quantity": 2}],
            },
            headers=dict(headers, **{"Idempotency-Key": uuid.uuid4().hex}),
            timeout=REQUEST_TIMEOUT,
        )
        reference = response.json().get("reference")
        if not reference:
            return "order refused: HTTP %s %s" % (response.status_code, response.text)
        deadline = time.monotonic() + timeout
        shipments = []
        while not shipments and time.monotonic() < deadline:
            time.sleep(2)
            shipments = (
                requests.get(
                    "%s/orders/%s" % (api, reference), headers=headers, timeout=30
                )
                .json()
                .get("shipments")
            )
    finally:
        # The orders that follow are delivered in good order.
        requests.post(
            scenario, json={"damage_on_delivery": False}, timeout=REQUEST_TIMEOUT
        )
    claims = []
    while shipments and not claims and time.monotonic() < deadline:
        time.sleep(2)
        claims = _rpc(
            odoo_url,
            db,
            "logistics.claim",
            "search",
            [("shipment_id.name", "=", shipments[0])],
        )
    if not claims:
        return "%s: no claim after %ss" % (reference, timeout)
    if not _rpc(odoo_url, db, "account.journal", "search", [("type", "=", "purchase")]):
        # Credit notes need a purchase journal: Odoo's generic chart of accounts.
        [company] = _rpc(odoo_url, db, "res.company", "search", [], limit=1)
        _rpc(
            odoo_url,
            db,
            "account.chart.template",
            "try_loading",
            [],
            "generic_coa",
            company,
        )
    _rpc(odoo_url, db, "logistics.claim", "action_submit", claims[:1])
    _rpc(odoo_url, db, "logistics.claim", "action_accept", claims[:1])
    [claim] = _rpc(
        odoo_url,
        db,
        "logistics.claim",
        "read",
        claims[:1],
        fields=["name", "amount_accepted", "credit_note_id", "state"],
    )
    move_id = claim["credit_note_id"][0]
    [move] = _rpc(odoo_url, db, "account.move", "read", [move_id], fields=["state"])
    if move["state"] == "draft":
        # Accounting posts it (unless the company posts carrier bills at once).
        _rpc(odoo_url, db, "account.move", "action_post", [move_id])
    [move] = _rpc(
        odoo_url, db, "account.move", "read", [move_id], fields=["name", "state"]
    )
    return "%s delivered damaged: claim %s %s for %s, vendor credit note %s (%s)" % (
        shipments[0],
        claim["name"],
        claim["state"],
        claim["amount_accepted"],
        move["name"],
        move["state"],
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
    try:
        print(
            "demo_claim: %s"
            % demo_claim(args.odoo_url, args.simulator_url, customers, args.db),
            flush=True,
        )
    except (requests.RequestException, ValueError) as err:
        print("demo_claim failed: %s" % err, flush=True)
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
