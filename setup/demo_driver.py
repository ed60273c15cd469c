#!/usr/bin/env python3
"""The demo's customers at work: orders through the public API, forever.

Every few seconds one of the demo customers places an order through
POST /api/logistics/v1/orders (with its own API key and an Idempotency-Key),
sometimes one that will be held (credit, shortage) or refused (unknown
product), and tells the TMS simulator how the transport will go (delivered,
delayed, refused, declined) so that exceptions happen too. Stops on Ctrl-C.

First, each business loop runs once, scripted (`SCRIPTED_STEPS`): a held
order approved in the back office, an invoice on delivery, ... Each step
plays the customer through the API, the TMS through the simulator's control
calls, and the back office through JSON-RPC as the demo's administrator
(`Demo`), and prints what came of it. Some steps recur among the orders
(`RECURRING_STEPS`).
"""

import argparse
import configparser
import dataclasses
import itertools
import json
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import common  # standard library only

REQUEST_TIMEOUT = 30
PRODUCTS = ["KEG30", "CRATE24", "GLASS6"]
OUTCOMES = ["delivered"] * 7 + ["delay", "refused", "declined"]
SERVICE_REQUEST_EVERY = 5  # orders
REFUSED_STEPS = 9  # the simulator's "refused" timeline, A7 last
DELIVERED_STEPS = 9  # the simulator's "delivered" timeline, D1 last
SERVICE_REQUESTS = [
    ("appointment_change", "Please deliver on Tuesday morning instead."),
    ("special_handling", "The kegs must stay cold: no stop over 2 hours."),
    ("pod_copy", "Our accounting needs a copy of the proof of delivery."),
    ("address_correction", "Deliver to the back entrance, Rue Haute 12."),
]
# The EDI carrier of setup/demo_seed.py: a routing rule sends the shipments of
# this customer (in Luxembourg) to that endpoint.
EDI_CUSTOMER = "Brasserie du Grund"
EDI_ENDPOINT = "edi_carrier"
EDI_STATUSES = ["TA", "AF", "X1", "D1"]  # the 990, then the 214's statuses
SETTLED_INVOICE_STATES = ("approved", "billed")


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


@dataclasses.dataclass
class Demo:
    """What every demo step works with: the running stack and the customers."""

    odoo_url: str
    simulator_url: str
    customers: dict
    db: str
    rng: random.Random

    def api(self, method, path, customer, **kwargs):
        """A call of the customer API as `customer` (its name in the keys file)."""
        headers = dict(kwargs.pop("headers", {}))
        headers["X-API-Key"] = self.customers[customer]["api_key"]
        return requests.request(
            method,
            self.odoo_url + "/api/logistics/v1" + path,
            headers=headers,
            timeout=REQUEST_TIMEOUT,
            **kwargs,
        )

    def rpc(self, model, method, *args, **kwargs):
        """One JSON-RPC call as the demo's administrator (the back office)."""
        uid = self._jsonrpc(
            "common", "login", self.db, common.ADMIN_LOGIN, common.ADMIN_PASSWORD
        )
        return self._jsonrpc(
            "object",
            "execute_kw",
            self.db,
            uid,
            common.ADMIN_PASSWORD,
            model,
            method,
            list(args),
            kwargs,
        )

    def _jsonrpc(self, service, method, *args):
        answer = requests.post(
            self.odoo_url + "/jsonrpc",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"service": service, "method": method, "args": args},
            },
            timeout=REQUEST_TIMEOUT,
        ).json()
        if answer.get("error"):
            raise ValueError(answer["error"]["data"]["message"])
        return answer.get("result")

    def scenario(self, **options):
        """Tell the TMS simulator how the next transports go."""
        return self.simulator("scenario", options)

    def simulator(self, path, body=None):
        """A control call of the TMS simulator (GET without a body)."""
        answer = requests.request(
            "POST" if body is not None else "GET",
            self.simulator_url + "/_control/" + path,
            json=body,
            timeout=REQUEST_TIMEOUT,
        )
        answer.raise_for_status()
        return answer.json()


def _run_database():
    """The database of `setup/run` (its Odoo configuration), if there is one."""
    parser = configparser.ConfigParser()
    parser.read(common.RUN_DIR / "odoo.conf")
    return parser.get("options", "db_name", fallback=None)


def _new_reference(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:6].upper())


def _order(demo, customer, lines, reference=None, **fields):
    """Place an order as `customer` (its PO `reference`): the API's answer."""
    return demo.api(
        "POST",
        "/orders",
        customer,
        json={
            "customer_reference": reference or _new_reference("PO"),
            "lines": lines,
            **fields,
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    ).json()


def _wait_for(check, timeout, poll=2):
    """`check()` until it returns something true, or None after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(poll)
    return None


def _released_shipment(demo, order_reference, fields, timeout):
    """The shipment of an order once the TMS answered its release (`fields`
    read), or None after `timeout` s."""
    found = _wait_for(
        lambda: demo.rpc(
            "logistics.shipment",
            "search_read",
            [
                ("sale_order_id.name", "=", order_reference),
                ("tms_reference", "!=", False),
            ],
            fields=fields,
        ),
        timeout,
    )
    return found[0] if found else None


def demo_held_order(demo):
    """A held order approved in Odoo: the customer's view follows.

    Hotel Astoria (short orders held for review) orders the mixed pallet, out
    of stock: the API answers `held`. The back office approves it (the form's
    "Approve held order" button, here over JSON-RPC as the administrator): the
    order is confirmed, the API shows it `accepted` and subscribers get the
    `order.accepted` webhook.
    """
    customer = "Hotel Astoria"
    answer = _order(
        demo,
        customer,
        [{"product_code": "PALLET", "quantity": 1}],
        service_preferences={
            "service_level": "express",
            "tail_lift": True,
            "delivery_instructions": "Kitchen entrance, rue Neuve side.",
        },
    )
    if answer.get("status") != "held":
        return "order %s not held: %s" % (answer.get("reference"), answer)
    [order_id] = demo.rpc("sale.order", "search", [("name", "=", answer["reference"])])
    demo.rpc("sale.order", "action_portal_approve", [order_id])
    status = demo.api("GET", "/orders/" + answer["reference"], customer).json()
    return "order %s held, approved in Odoo, now %s" % (
        answer["reference"],
        status["status"],
    )


def demo_invoice(demo, timeout=300):
    """Invoice on delivery: Brasserie Dupont (invoiced on delivery, see
    demo_seed.py) orders 4 kegs, the carrier picks up 3 (a partial pickup),
    the delivery order is validated with 3 and backordered with 1, and the
    invoice of the 3 delivered kegs is posted when the TMS reports the
    delivery; its number shows on the order and the shipment (API)."""
    customer = "Brasserie Dupont"
    demo.scenario(outcome="delivered", pickup_ratio=0.75)
    try:
        answer = _order(demo, customer, [{"product_code": "KEG30", "quantity": 4}])
        reference = answer.get("reference")
        if not reference:
            return "order refused: %s" % answer
        order = _wait_for(
            lambda: (
                (found := demo.api("GET", "/orders/" + reference, customer).json())
                and found.get("invoices")
                and found
            ),
            timeout,
        )
        if not order:
            return "%s: no invoice after %ss" % (reference, timeout)
        shipment = demo.api("GET", "/shipments/" + order["shipments"][0], customer)
        return "%s delivered (%s), invoiced on delivery: %s" % (
            reference,
            shipment.json().get("status"),
            ", ".join(order["invoices"]),
        )
    finally:
        demo.scenario(pickup_ratio=None)  # the orders that follow: picked up whole


def demo_service_request(demo):
    """A customer asks about its latest shipment through the API; the customer
    care team answers in Odoo (the Answer wizard); the customer reads the
    answer back (as its portal page and webhooks show it)."""
    for customer in demo.rng.sample(sorted(demo.customers), len(demo.customers)):
        shipments = demo.api("GET", "/shipments?limit=1", customer).json()
        if shipments.get("items"):
            break
    else:
        return "no shipment to ask about yet"
    kind, text = demo.rng.choice(SERVICE_REQUESTS)
    created = demo.api(
        "POST",
        "/service-requests",
        customer,
        json={
            "type": kind,
            "shipment": shipments["items"][0]["reference"],
            "description": text,
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    if created.status_code != 201:
        return "refused: HTTP %s %s" % (created.status_code, created.text[:200])
    reference = created.json()["reference"]
    [request_id] = demo.rpc(
        "logistics.service.request", "search", [("name", "=", reference)]
    )
    wizard = demo.rpc(
        "logistics.service.request.answer",
        "create",
        {
            "request_id": request_id,
            "status": "answered",
            "answer": "Done: we arranged it with the carrier.",
        },
    )
    demo.rpc("logistics.service.request.answer", "action_confirm", [wizard])
    answered = demo.api("GET", "/service-requests/" + reference, customer).json()
    return "%s (%s): %s, answer: %s" % (
        reference,
        kind,
        answered.get("status"),
        answered.get("answer"),
    )


def _shipment_of(demo, client_order_ref, predicate, timeout):
    """The shipment of the order `client_order_ref` once `predicate` holds."""
    found = _wait_for(
        lambda: [
            shipment
            for shipment in demo.rpc(
                "logistics.shipment",
                "search_read",
                [("sale_order_id.client_order_ref", "=", client_order_ref)],
                fields=["name", "status", "exception_type"],
                limit=1,
            )
            if predicate(shipment)
        ],
        timeout,
    )
    if not found:
        raise ValueError("%s: still waiting after %ss" % (client_order_ref, timeout))
    return found[0]


def demo_recover(demo, timeout=300):
    """Exception recovery: an order whose delivery is attempted (nobody home,
    ``AH``), the redelivery requested in Odoo (the shipment's *Request
    redelivery*, a new window tomorrow morning), then delivered (``D1``)."""
    demo.scenario(outcome="attempted", redelivery_outcome="delivered")
    customer = sorted(demo.customers)[0]
    reference = _new_reference("PO-RECOVER")
    answer = _order(
        demo, customer, [{"product_code": "KEG30", "quantity": 2}], reference
    )
    if not answer.get("reference"):
        return "order refused: %s" % answer
    attempted = _shipment_of(
        demo, reference, lambda s: s["exception_type"] == "failed_delivery", timeout
    )
    tomorrow = datetime.now(timezone.utc).replace(
        hour=8, minute=0, second=0, microsecond=0
    ) + timedelta(days=1)
    demo.rpc(
        "logistics.shipment",
        "action_request_redelivery",
        [attempted["id"]],
        delivery_start=tomorrow.strftime("%Y-%m-%d %H:%M:%S"),
        delivery_end=(tomorrow + timedelta(hours=4)).strftime("%Y-%m-%d %H:%M:%S"),
        note="Consignee at home tomorrow morning",
    )
    delivered = _shipment_of(
        demo, reference, lambda s: s["status"] == "delivered", timeout
    )
    return "%s: delivery attempted, redelivery requested, %s" % (
        delivered["name"],
        delivered["status"],
    )


def demo_claim(demo, timeout=300):
    """A damage claim: the TMS delivers an order with damaged goods (simulator
    option damage_on_delivery), Odoo opens a claim against the carrier; the
    freight manager submits it, the carrier accepts it, and its vendor credit
    note is made and posted."""
    customer = "Brasserie Dupont"
    demo.scenario(outcome="delivered", damage_on_delivery=True)
    try:
        answer = _order(demo, customer, [{"product_code": "KEG30", "quantity": 2}])
        reference = answer.get("reference")
        if not reference:
            return "order refused: %s" % answer
        # Tendered (the TMS answered), not only made: the simulator takes the
        # option when the tender comes, which a job sends after the order.
        released = _released_shipment(demo, reference, ["name"], timeout)
        shipments = [released["name"]] if released else None
    finally:
        demo.scenario(damage_on_delivery=False)  # the next ones arrive whole
    claims = shipments and _wait_for(
        lambda: demo.rpc(
            "logistics.claim", "search", [("shipment_id.name", "=", shipments[0])]
        ),
        timeout,
    )
    if not claims:
        return "%s: no claim after %ss" % (reference, timeout)
    demo.rpc("logistics.claim", "action_submit", claims[:1])
    demo.rpc("logistics.claim", "action_accept", claims[:1])
    [claim] = demo.rpc(
        "logistics.claim",
        "read",
        claims[:1],
        fields=["name", "amount_accepted", "credit_note_id", "state"],
    )
    move_id = claim["credit_note_id"][0]
    [move] = demo.rpc("account.move", "read", [move_id], fields=["state"])
    if move["state"] == "draft":
        # Accounting posts it (unless the company posts carrier bills at once).
        demo.rpc("account.move", "action_post", [move_id])
    [move] = demo.rpc("account.move", "read", [move_id], fields=["name", "state"])
    return "%s delivered damaged: claim %s %s for %s, vendor credit note %s (%s)" % (
        shipments[0],
        claim["name"],
        claim["state"],
        claim["amount_accepted"],
        move["name"],
        move["state"],
    )


def demo_refused(demo, timeout=300):
    """A refused delivery: order -> release -> picked up (the delivery order is
    validated) -> invoiced -> refused (``A7``) -> return picking -> received
    by the warehouse -> posted credit note (the customer's credit policy, see
    demo_seed.py). The simulator plays this shipment step by step."""
    customer = "Brasserie Dupont"
    demo.scenario(outcome="refused", auto_advance=False)
    try:
        answer = _order(demo, customer, [{"product_code": "KEG30", "quantity": 2}])
        reference = answer.get("reference")
        if not reference:
            return "order refused: %s" % answer
        shipment = _released_shipment(
            demo, reference, ["tms_reference", "picking_ids"], timeout
        )
        if not shipment:
            return "%s: not released after %ss" % (reference, timeout)
        advance = {"shipment_id": shipment["tms_reference"], "steps": REFUSED_STEPS - 1}
        demo.simulator("advance", advance)  # up to the arrival at the consignee
        _wait_for(
            lambda: all(
                picking["state"] == "done"
                for picking in demo.rpc(
                    "stock.picking", "read", shipment["picking_ids"], ["state"]
                )
            ),
            timeout,
        )
        [order_id] = demo.rpc("sale.order", "search", [("name", "=", reference)])
        wizard = demo.rpc(
            "sale.advance.payment.inv",
            "create",
            {
                "advance_payment_method": "delivered",
                "sale_order_ids": [(6, 0, [order_id])],
            },
        )
        demo.rpc("sale.advance.payment.inv", "create_invoices", [wizard])
        [order] = demo.rpc("sale.order", "read", [order_id], ["invoice_ids"])
        demo.rpc("account.move", "action_post", order["invoice_ids"])
        demo.simulator("advance", dict(advance, steps=1))  # refused (A7)
        returns = _wait_for(
            lambda: demo.rpc(
                "logistics.shipment", "read", [shipment["id"]], ["return_picking_ids"]
            )[0]["return_picking_ids"],
            timeout,
        )
    finally:
        demo.scenario(auto_advance=True)
    if not returns:
        return "%s: no return picking after %ss" % (reference, timeout)
    demo.rpc("stock.picking", "button_validate", returns)  # the warehouse receives
    [picking] = demo.rpc(
        "stock.picking", "read", returns, ["name", "logistics_credit_note_id"]
    )
    credit_note = picking["logistics_credit_note_id"]
    return "order %s refused, return %s received, credit note %s" % (
        reference,
        picking["name"],
        credit_note[1] if credit_note else "none",
    )


def demo_customer_return(demo, timeout=300):
    """A customer sends one unit of a delivered order back: POST /returns.

    Approved at once under the demo company's thresholds (setup/demo_seed.py),
    the return gets Odoo's return picking and a reverse shipment released to
    the TMS (pickup at the customer, delivery to the warehouse); the simulator
    plays it to delivered and the return is received.
    """
    customer = "Brasserie Dupont"  # its orders of the steps before were delivered
    orders = demo.api("GET", "/orders?limit=30", customer).json().get("items", [])
    for order in orders:
        delivered = [
            reference
            for reference in order.get("shipments") or []
            if demo.api("GET", "/shipments/" + reference, customer).json().get("status")
            == "delivered"
        ]
        lines = [line for line in order["lines"] if line.get("product_code")]
        if delivered and lines:
            break
    else:
        return "no delivered order to return yet"
    demo.scenario(outcome="delivered")  # the reverse shipment goes well
    created = demo.api(
        "POST",
        "/returns",
        customer,
        json={
            "order_reference": order["reference"],
            "lines": [{"product_code": lines[0]["product_code"], "quantity": 1}],
            "reason": "Damaged on arrival",
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    if created.status_code != 201:
        return "refused: HTTP %s %s" % (created.status_code, created.text[:200])
    reference = created.json()["reference"]
    received = _wait_for(
        lambda: (
            demo.api("GET", "/returns/" + reference, customer).json().get("status")
            == "received"
        ),
        timeout,
    )
    return "return %s of order %s: %s" % (
        reference,
        order["reference"],
        "received" if received else "not received after %ss" % timeout,
    )


def demo_appointment(demo, timeout=300):
    """A delivery appointment: Brasserie Dupont asks for a slot two days away
    (POST /shipments/{ref}/appointment, dock and booking reference), the TMS
    confirms it, the carrier delivers today: outside the slot, a *missed
    appointment* exception, which the customer reads back (GET /shipments)
    and is pushed as `appointment.*` webhooks. The simulator plays this
    shipment step by step."""
    customer = "Brasserie Dupont"
    demo.scenario(
        outcome="delivered", appointment_outcome="confirm", auto_advance=False
    )
    try:
        answer = _order(demo, customer, [{"product_code": "KEG30", "quantity": 1}])
        reference = answer.get("reference")
        if not reference:
            return "order refused: %s" % answer
        shipment = _released_shipment(
            demo, reference, ["name", "tms_reference"], timeout
        )
        if not shipment:
            return "%s: not released after %ss" % (reference, timeout)
        start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=2)
        asked = demo.api(
            "POST",
            "/shipments/%s/appointment" % shipment["name"],
            customer,
            json={
                "window": {
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=2)).isoformat(),
                },
                "dock": "Dock 2",
                "reference": _new_reference("BK"),
            },
        )
        if asked.status_code != 200:
            return "refused: HTTP %s %s" % (asked.status_code, asked.text[:200])
        path = "/shipments/" + shipment["name"]
        confirmed = _wait_for(
            lambda: (
                (demo.api("GET", path, customer).json().get("appointment") or {}).get(
                    "state"
                )
                == "confirmed"
            ),
            timeout,
        )
        if not confirmed:
            return "%s: appointment not confirmed after %ss" % (
                shipment["name"],
                timeout,
            )
        demo.simulator(
            "advance",
            {"shipment_id": shipment["tms_reference"], "steps": DELIVERED_STEPS},
        )
        missed = _wait_for(
            lambda: (
                (found := demo.api("GET", path, customer).json())
                and (found.get("appointment") or {}).get("state") == "missed"
                and found
            ),
            timeout,
        )
    finally:
        demo.scenario(auto_advance=True)
    if not missed:
        return "%s: delivered in the slot, or not delivered yet" % shipment["name"]
    return "%s: appointment confirmed, delivered outside it (%s): %s" % (
        shipment["name"],
        missed["status"],
        missed["exception"],
    )


def demo_foreign_tms(demo, timeout=300):
    """A TMS of another JSON dialect, connected by configuration only: Grand
    Café Amsterdam's order is routed to it by the rule for the Netherlands
    (demo_seed.py), tendered as a load through the Generic JSON TMS
    template's mappings (OAuth2, its own paths and names), and its tracking
    feed (numeric codes, epoch times, pages by token) is polled until the
    shipment is delivered."""
    customer = "Grand Café Amsterdam"
    if customer not in demo.customers:
        return "no foreign-dialect TMS in this run"
    answer = _order(demo, customer, [{"product_code": "CRATE24", "quantity": 2}])
    reference = answer.get("reference")
    if not reference:
        return "order refused: %s" % answer
    fields = ["id", "name", "tms_reference", "endpoint_id", "routing_rule_id"]
    shipment = _released_shipment(demo, reference, fields, timeout)
    if not shipment:
        return "%s: not released to a TMS after %ss" % (reference, timeout)
    endpoint_id = shipment["endpoint_id"][0]

    def delivered():
        # Read the feed now rather than at the next scheduled poll.
        demo.rpc("logistics.endpoint", "action_poll_tms_events", [endpoint_id])
        found = demo.rpc(
            "logistics.shipment",
            "search_read",
            [("id", "=", shipment["id"]), ("status", "=", "delivered")],
            fields=["milestone_ids"],
        )
        return found and found[0]

    done = _wait_for(delivered, timeout, poll=5)
    if not done:
        return "%s: released as %s to %s, not delivered after %ss" % (
            shipment["name"],
            shipment["tms_reference"],
            shipment["endpoint_id"][1],
            timeout,
        )
    return "%s routed by rule %r to %s as load %s: delivered, %s milestones polled" % (
        shipment["name"],
        (shipment["routing_rule_id"] or [None, "-"])[1],
        shipment["endpoint_id"][1],
        shipment["tms_reference"],
        len(done["milestone_ids"]),
    )


def _wait_or_raise(what, check, timeout):
    """`check()` until it is true; a ValueError saying `what` did not come."""
    found = _wait_for(check, timeout)
    if not found:
        raise ValueError("%s: not after %ss" % (what, timeout))
    return found


def demo_edi_carrier(demo, timeout=300):
    """An EDI carrier beside the REST and SOAP TMS: Brasserie du Grund, in
    Luxembourg, orders; a routing rule sends its shipment to the endpoint
    "EDI carrier (X12)". Odoo writes the 204 tender in the carrier's drop
    folder; the EDI partner simulator answers with a 997, a 990 (accepted), a
    214 (picked up, arrived, delivered) and a 210 freight invoice, which the
    EDI cron picks up (every minute); settlement checks the 210 against the
    carrier's rate card. Each state is waited for in Odoo (JSON-RPC)."""
    answer = _order(demo, EDI_CUSTOMER, [{"product_code": "CRATE24", "quantity": 2}])
    reference = answer.get("reference")
    if not reference:
        return "order refused: %s" % answer
    shipment_fields = ["name", "endpoint_id", "routing_rule_id", "status"]
    [shipment] = _wait_or_raise(
        "%s: no shipment" % reference,
        lambda: demo.rpc(
            "logistics.shipment",
            "search_read",
            [("sale_order_id.name", "=", reference)],
            fields=shipment_fields,
        ),
        timeout,
    )
    [endpoint] = demo.rpc(
        "logistics.endpoint", "read", [shipment["endpoint_id"][0]], ["code", "name"]
    )
    if endpoint["code"] != EDI_ENDPOINT or not shipment["routing_rule_id"]:
        raise ValueError(
            "%s went to %s (rule %s), not to the EDI carrier"
            % (shipment["name"], endpoint["name"], shipment["routing_rule_id"])
        )
    release_domain = [
        ("res_model", "=", "logistics.shipment"),
        ("res_id", "=", shipment["id"]),
        ("flow_code", "=", "shipment.release"),
    ]
    [release] = _wait_or_raise(
        "%s: the 204 tender not written" % shipment["name"],
        lambda: demo.rpc(
            "logistics.message",
            "search_read",
            [*release_domain, ("state", "=", "done")],
            fields=["result"],
        ),
        timeout,
    )
    delivered = _wait_or_raise(
        "%s: not delivered by the EDI carrier's 990 and 214" % shipment["name"],
        lambda: demo.rpc(
            "logistics.shipment",
            "search_read",
            [("id", "=", shipment["id"]), ("status", "=", "delivered")],
            fields=shipment_fields,
        ),
        timeout,
    )[0]
    codes = [
        milestone["code"]
        for milestone in demo.rpc(
            "logistics.shipment.milestone",
            "search_read",
            [("shipment_id", "=", shipment["id"])],
            fields=["code"],
            order="id",
        )
    ]
    if codes != EDI_STATUSES:
        raise ValueError("%s: milestones %s, not %s" % (reference, codes, EDI_STATUSES))
    _wait_or_raise(
        "%s: the 204 not acknowledged by a 997" % shipment["name"],
        lambda: demo.rpc(
            "logistics.message",
            "search",
            [*release_domain, ("edi_acknowledgement", "=", "accepted")],
        ),
        timeout,
    )
    [invoice] = _wait_or_raise(
        "%s: no 210 freight invoice settled" % shipment["name"],
        lambda: demo.rpc(
            "logistics.carrier.invoice",
            "search_read",
            [
                ("line_ids.shipment_id", "=", shipment["id"]),
                ("state", "in", SETTLED_INVOICE_STATES),
            ],
            fields=["name", "state", "amount_total", "currency_id"],
        ),
        timeout,
    )
    return (
        "%s (shipment %s) routed to %s by rule %s: 204 sent (%s), 997 "
        "acknowledged it, 990 accepted, 214 statuses %s applied, %s; 210 freight "
        "invoice %s (%.2f %s) checked against the carrier's rate card: %s"
        % (
            reference,
            shipment["name"],
            endpoint["name"],
            shipment["routing_rule_id"][1],
            release["result"]["edi_file"],
            ", ".join(codes[1:]),
            delivered["status"],
            invoice["name"],
            invoice["amount_total"],
            invoice["currency_id"][1],
            invoice["state"],
        )
    )


# Each business loop once, when the driver starts (setup/run's demo).
SCRIPTED_STEPS = (
    demo_held_order,
    demo_edi_carrier,
    demo_invoice,
    demo_recover,
    demo_refused,
    demo_claim,
    demo_customer_return,
    demo_appointment,
    demo_foreign_tms,
)
# Then, among the orders: every N orders, this step.
RECURRING_STEPS = ((SERVICE_REQUEST_EVERY, demo_service_request),)


def run_step(step, demo):
    try:
        outcome = step(demo)
    except (requests.RequestException, ValueError, KeyError) as err:
        outcome = "failed: %s" % err
    print("%s: %s" % (step.__name__, outcome), flush=True)


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
    demo = Demo(
        args.odoo_url, args.simulator_url, customers, args.db or _run_database(), rng
    )
    if demo.db and demo.simulator_url:
        for step in SCRIPTED_STEPS:
            run_step(step, demo)
    for number in itertools.count(1):
        name = rng.choice(sorted(customers))
        try:
            if name == EDI_CUSTOMER:
                outcome = "EDI carrier"  # routed there, not to the simulator
            else:
                outcome = choose_outcome(args.simulator_url, rng)
            status, answer = place_order(args.odoo_url, customers[name], rng)
            print(
                "order %s from %s: HTTP %s %s (transport: %s)"
                % (number, name, status, answer, outcome),
                flush=True,
            )
        except (requests.RequestException, ValueError) as err:
            print("order %s from %s failed: %s" % (number, name, err), flush=True)
        for every, step in RECURRING_STEPS:
            if demo.db and number % every == 0:
                run_step(step, demo)
        time.sleep(args.interval)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
