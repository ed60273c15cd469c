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
        time.sleep(args.interval)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
