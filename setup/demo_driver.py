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


def demo_invoice(odoo_url, simulator_url, customers, timeout=300):
    """Invoice on delivery: Brasserie Dupont (invoiced on delivery, see
    demo_seed.py) orders 4 kegs, the carrier picks up 3 (a partial pickup),
    the delivery order is validated with 3 and backordered with 1, and the
    invoice of the 3 delivered kegs is posted when the TMS reports the
    delivery; its number shows on the order and the shipment (API)."""
    customer = customers.get("Brasserie Dupont")
    if not (customer and simulator_url):
        return "skipped (no simulator or no Brasserie Dupont)"
    scenario = simulator_url + "/_control/scenario"
    requests.post(
        scenario,
        json={"outcome": "delivered", "pickup_ratio": 0.75},
        timeout=REQUEST_TIMEOUT,
    ).raise_for_status()
    headers = {"X-API-Key": customer["api_key"]}
    api = odoo_url + "/api/logistics/v1"
    try:
        response = requests.post(
            api + "/orders",
            json={
                "customer_reference": "PO-INVOICE-%s" % uuid.uuid4().hex[:6].upper(),
                "lines": [{"product_code": "KEG30", "quantity": 4}],
            },
            headers=dict(headers, **{"Idempotency-Key": uuid.uuid4().hex}),
            timeout=REQUEST_TIMEOUT,
        )
        reference = response.json().get("reference")
        if not reference:
            return "order refused: HTTP %s %s" % (response.status_code, response.text)
        deadline = time.monotonic() + timeout
        order = {}
        while time.monotonic() < deadline:
            order = requests.get(
                "%s/orders/%s" % (api, reference),
                headers=headers,
                timeout=REQUEST_TIMEOUT,
            ).json()
            if order.get("invoices"):
                shipment = requests.get(
                    "%s/shipments/%s" % (api, order["shipments"][0]),
                    headers=headers,
                    timeout=REQUEST_TIMEOUT,
                ).json()
                return "%s delivered (%s), invoiced on delivery: %s" % (
                    reference,
                    shipment.get("status"),
                    ", ".join(order["invoices"]),
                )
            time.sleep(2)
        return "%s: no invoice after %ss (status %s)" % (
            reference,
            timeout,
            order.get("status"),
        )
    finally:
        # The orders that follow are picked up whole.
        requests.post(scenario, json={"pickup_ratio": None}, timeout=REQUEST_TIMEOUT)


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
    try:
        print(
            "demo_invoice: %s"
            % demo_invoice(args.odoo_url, args.simulator_url, customers),
            flush=True,
        )
    except (requests.RequestException, ValueError) as err:
        print("demo_invoice failed: %s" % err, flush=True)
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
