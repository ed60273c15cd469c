"""Customer return through the API → reverse shipment → received.

A real Odoo server, the TMS simulator as a process, everything over HTTP: the
customer asks for a return of a delivered order (POST /returns), the return is
approved under the company's threshold, its reverse shipment is released to the
simulator (a job of the real server), the simulator plays it to delivered and
pushes its events to Odoo's TMS webhook; the return picking is validated and
the return is received, and the customer is told by webhook.
"""

import secrets
import uuid

import pytest
import requests

from tests.e2e.helpers import (
    portal_customer,
    pushing_simulator,
    rest_tms_endpoint,
    wait_for,
    webhook_receiver,
)

from .conftest import stack

WAIT = 90
REQUEST_TIMEOUT = 30
ALL_STEPS = 9
TMS_FLOWS = ["shipment.release", "shipment.amend", "shipment.cancel", "tms.event"]


def _wait(what, probe, timeout=WAIT):
    return wait_for(what, probe, timeout)


@pytest.fixture
def receiver(odoo_server):
    with webhook_receiver(odoo_server) as url_and_received:
        yield url_and_received


@pytest.fixture
def tms(odoo_server):
    """The simulator pushing its events to a TMS endpoint made for this test,
    the warehouse's TMS while the test runs."""
    run = secrets.token_hex(4)
    code = "rma_%s" % run
    process, url, api_key, secret = pushing_simulator(
        odoo_server, code, "RMA%s" % run.upper(), 30, auto_advance=False
    )
    execute = odoo_server.execute
    flows = execute("logistics.flow", "search", [("code", "in", TMS_FLOWS)])
    endpoint = rest_tms_endpoint(
        odoo_server,
        code,
        "Returns TMS %s" % run,
        url,
        api_key=api_key,
        secret=secret,
        flow_ids=[(6, 0, flows)],
    )
    warehouse = execute("stock.warehouse", "search", [], limit=1)
    before = execute("stock.warehouse", "read", warehouse, fields=["tms_endpoint_id"])
    execute("stock.warehouse", "write", warehouse, {"tms_endpoint_id": endpoint})
    company = execute("res.company", "search", [], limit=1)
    thresholds = ["logistics_return_auto_max_qty", "logistics_return_auto_max_value"]
    previous_thresholds = execute("res.company", "read", company, fields=thresholds)[0]
    execute(
        "res.company",
        "write",
        company,
        {"logistics_return_auto_max_qty": 5, "logistics_return_auto_max_value": 0},
    )
    try:
        yield url
    finally:
        execute(
            "res.company",
            "write",
            company,
            {name: previous_thresholds[name] for name in thresholds},
        )
        previous = before[0]["tms_endpoint_id"]
        execute(
            "stock.warehouse",
            "write",
            warehouse,
            {"tms_endpoint_id": previous[0] if previous else False},
        )
        stack.stop_process(process)


def _customer(odoo_server):
    """A customer company, its portal user and an API key: the key."""
    return portal_customer(
        odoo_server,
        "Returning Customer",
        company={"street": "Rue de la Gare 3", "city": "Leuze", "zip": "7904"},
    ).api_key


def _product(odoo_server):
    execute = odoo_server.execute
    code = "RMA-%s" % uuid.uuid4().hex[:6].upper()
    product = execute(
        "product.product",
        "create",
        {
            "name": "Returnable %s" % code,
            "default_code": code,
            "is_storable": True,
            "list_price": 20.0,
            "weight": 2.0,
        },
    )
    location = execute(
        "stock.warehouse",
        "read",
        execute("stock.warehouse", "search", [], limit=1),
        fields=["lot_stock_id"],
    )[0]["lot_stock_id"][0]
    execute(
        "stock.quant",
        "create",
        {"product_id": product, "location_id": location, "inventory_quantity": 20},
    )
    quant = execute("stock.quant", "search", [("product_id", "=", product)])
    execute("stock.quant", "action_apply_inventory", quant)
    return code


def _api(odoo_server, key, method, path, body=None, **headers):
    return requests.request(
        method,
        odoo_server.url + "/api/logistics/v1" + path,
        json=body,
        headers={"X-API-Key": key, **headers},
        timeout=REQUEST_TIMEOUT,
    )


def _deliver(odoo_server, order_reference):
    """The warehouse ships the whole order (validated in Odoo)."""
    execute = odoo_server.execute
    pickings = execute(
        "stock.picking",
        "search",
        [
            ("sale_id.name", "=", order_reference),
            ("picking_type_code", "=", "outgoing"),
        ],
    )
    assert pickings, "the order has its delivery order"
    # Reserved after the order's answer (a job of the server): wait for it.
    _wait(
        "the delivery order reserved",
        lambda: all(
            p["state"] == "assigned"
            for p in execute("stock.picking", "read", pickings, fields=["state"])
        ),
    )
    moves = execute("stock.move", "search", [("picking_id", "in", pickings)])
    execute("stock.move", "write", moves, {"picked": True})
    answer = execute("stock.picking", "button_validate", pickings)
    states = execute("stock.picking", "read", pickings, fields=["state"])
    assert [p["state"] for p in states] == ["done"], answer
    lines = execute(
        "sale.order.line",
        "search_read",
        [("order_id.name", "=", order_reference)],
        fields=["qty_delivered"],
    )
    assert [line["qty_delivered"] for line in lines] == [3]


def test_customer_return_through_the_api_is_received(odoo_server, tms, receiver):
    execute = odoo_server.execute
    receiver_url, received = receiver
    key = _customer(odoo_server)
    code = _product(odoo_server)
    hook = _api(
        odoo_server,
        key,
        "POST",
        "/webhooks",
        {"url": receiver_url, "events": ["return.approved", "return.received"]},
    )
    assert hook.status_code == 201, hook.text
    order = _api(
        odoo_server,
        key,
        "POST",
        "/orders",
        {
            "customer_reference": "PO-RMA",
            "lines": [{"product_code": code, "quantity": 3}],
        },
        **{"Idempotency-Key": uuid.uuid4().hex},
    )
    assert order.status_code == 201, order.text
    reference = order.json()["reference"]
    _deliver(odoo_server, reference)

    # Asked through the API: more than delivered is refused, nothing made.
    too_many = _api(
        odoo_server,
        key,
        "POST",
        "/returns",
        {
            "order_reference": reference,
            "reason": "Wrong colour",
            "lines": [{"product_code": code, "quantity": 4}],
        },
        **{"Idempotency-Key": uuid.uuid4().hex},
    )
    assert too_many.status_code == 422, too_many.text
    assert too_many.json()["error"]["details"][0]["pointer"] == "/lines/0/quantity"
    asked = _api(
        odoo_server,
        key,
        "POST",
        "/returns",
        {
            "order_reference": reference,
            "reason": "Wrong colour",
            "lines": [{"product_code": code, "quantity": 2}],
            "pickup_window": {
                "start": "2030-05-08T08:00:00Z",
                "end": "2030-05-08T12:00:00Z",
            },
        },
        **{"Idempotency-Key": uuid.uuid4().hex},
    )
    assert asked.status_code == 201, asked.text
    customer_return = asked.json()
    assert customer_return["status"] == "approved"
    shipment = customer_return["shipment"]

    # The reverse shipment reaches the TMS (the server's job runner sends it).
    def released():
        rows = execute(
            "logistics.shipment",
            "search_read",
            [("name", "=", shipment)],
            fields=["tms_reference", "direction", "status"],
        )
        return rows and rows[0]["tms_reference"] and rows[0]

    row = _wait("the release of the reverse shipment", released)
    assert row["direction"] == "return"
    requests.post(
        tms + "/_control/advance",
        json={"shipment_id": row["tms_reference"], "steps": ALL_STEPS},
        timeout=10,
    ).raise_for_status()

    def received_return():
        answer = _api(
            odoo_server, key, "GET", "/returns/" + customer_return["reference"]
        )
        body = answer.json()
        return body["status"] == "received" and body

    final = _wait("the return received", received_return)
    assert final["shipment_status"] == "delivered"
    assert final["received_at"]
    # Odoo's books: the return picking is done, delivered quantities went down.
    lines = execute(
        "sale.order.line",
        "search_read",
        [("order_id.name", "=", reference)],
        fields=["qty_delivered"],
    )
    assert [line["qty_delivered"] for line in lines] == [1]
    pickings = execute(
        "stock.picking",
        "search_read",
        [("logistics_return_id.name", "=", customer_return["reference"])],
        fields=["state", "picking_type_code"],
    )
    assert [(p["picking_type_code"], p["state"]) for p in pickings] == [
        ("incoming", "done")
    ]
    # The reverse shipment is the customer's to follow; its milestones too.
    followed = _api(odoo_server, key, "GET", "/shipments/" + shipment).json()
    assert followed["status"] == "delivered"
    assert "D1" in [m["code"] for m in followed["milestones"]]
    # And the customer was told: approved, then received.
    events = _wait(
        "the customer webhooks",
        lambda: len(received) >= 2 and [e["event"] for e in received],
    )
    assert events == ["return.approved", "return.received"]
