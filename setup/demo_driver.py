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
RETURN_EVERY = 5  # orders between two customer returns
API = "/api/logistics/v1"


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


def demo_customer_return(odoo_url, simulator_url, customer, rng):
    """A customer sends one unit of a delivered order back: POST /returns.

    Approved at once under the demo company's thresholds (setup/demo_seed.py),
    the return gets Odoo's return picking and a reverse shipment released to
    the TMS; the simulator plays it to delivered and the return is received.
    Returns (HTTP status, return reference and status or error code).
    """
    headers = {"X-API-Key": customer["api_key"]}
    orders = requests.get(
        odoo_url + API + "/orders",
        params={"limit": 30},
        headers=headers,
        timeout=REQUEST_TIMEOUT,
    ).json()
    for order in rng.sample(orders.get("items", []), len(orders.get("items", []))):
        delivered = [
            reference
            for reference in order.get("shipments") or []
            if requests.get(
                odoo_url + API + "/shipments/" + reference,
                headers=headers,
                timeout=REQUEST_TIMEOUT,
            )
            .json()
            .get("status")
            == "delivered"
        ]
        lines = [line for line in order["lines"] if line.get("product_code")]
        if not (delivered and lines):
            continue
        if simulator_url:  # the reverse shipment goes well
            requests.post(
                simulator_url + "/_control/scenario",
                json={"outcome": "delivered"},
                timeout=REQUEST_TIMEOUT,
            ).raise_for_status()
        response = requests.post(
            odoo_url + API + "/returns",
            json={
                "order_reference": order["reference"],
                "lines": [{"product_code": lines[0]["product_code"], "quantity": 1}],
                "reason": rng.choice(
                    ["Damaged on arrival", "Wrong product", "Too many"]
                ),
            },
            headers=dict(headers, **{"Idempotency-Key": uuid.uuid4().hex}),
            timeout=REQUEST_TIMEOUT,
        )
        body = response.json()
        if response.status_code == 201:
            return 201, "%s %s" % (body["reference"], body["status"])
        if response.status_code != 422:  # 422: all of it returned already
            return response.status_code, body.get("error", {}).get("code")
    return None, "no delivered order to return yet"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--odoo-url", required=True)
    parser.add_argument("--simulator-url", default="")
    parser.add_argument("--keys-file", required=True)
    parser.add_argument("--interval", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    with open(args.keys_file) as keys:
        customers = json.load(keys)
    rng = random.Random(args.seed)
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
        if number % RETURN_EVERY == 0:
            try:
                status, answer = demo_customer_return(
                    args.odoo_url, args.simulator_url, customers[name], rng
                )
                print("return from %s: HTTP %s %s" % (name, status, answer), flush=True)
            except (requests.RequestException, ValueError, KeyError) as err:
                print("return from %s failed: %s" % (name, err), flush=True)
        time.sleep(args.interval)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
