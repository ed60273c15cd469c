"""Held order approved in Odoo → `order.accepted` webhook, over real HTTP.

A customer whose short orders are held for review orders a product out of
stock through the API: the answer is `held`. A sales user approves it in Odoo
(JSON-RPC, as the form's "Approve held order" button does); the queue job
runner of the real server delivers the signed `order.accepted` webhook to a
receiver this test listens with, and the API shows the order accepted.
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from logistics_integration_base.lib import signature
from logistics_portal_api.lib import api_keys
from tests.e2e.helpers import portal_customer

API = "/api/logistics/v1"
ALLOW_LIST_PARAM = "logistics_integration_base.outbound_allow_list"
DELIVERY_TIMEOUT = 90  # seconds: the job runner picks the delivery up
REQUEST_TIMEOUT = 30


class Receiver:
    """A customer's webhook receiver on loopback: records what it is sent."""

    def __init__(self):
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%s/hooks" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def events(self):
        return [json.loads(r["body"]) for r in self.received]


@pytest.fixture
def loopback_webhooks(odoo_server):
    """Customer webhooks may call 127.0.0.1 during the test (an on-premise
    receiver's setting), as before afterwards."""
    before = odoo_server.execute("ir.config_parameter", "get_param", ALLOW_LIST_PARAM)
    odoo_server.execute(
        "ir.config_parameter", "set_param", ALLOW_LIST_PARAM, "127.0.0.1"
    )
    yield
    odoo_server.execute(
        "ir.config_parameter", "set_param", ALLOW_LIST_PARAM, before or ""
    )


@pytest.fixture
def hold_customer(odoo_server):
    """(API key, product code): a customer whose short orders are held, and a
    product with no stock."""
    tag = uuid.uuid4().hex[:8]
    country = odoo_server.execute(
        "res.country", "search", [("code", "=", "BE")], limit=1
    )[0]
    customer = portal_customer(
        odoo_server,
        "Held Order",
        company={
            "country_id": country,
            "street": "Rue de la Gare 3",
            "city": "Leuze",
            "zip": "7904",
            "portal_shortage_policy": "hold",
        },
        scopes=" ".join(api_keys.SCOPES),
    )
    code = "HELD-%s" % tag
    odoo_server.execute(
        "product.product",
        "create",
        {
            "name": "Pallet out of stock %s" % tag,
            "default_code": code,
            "is_storable": True,
            "list_price": 95.0,
            "sale_ok": True,
        },
    )
    yield customer.api_key, code
    odoo_server.execute("logistics.api.key", "action_revoke", [customer.key_id])


def _call(odoo_server, key, method, path, body=None):
    headers = {"X-API-Key": key}
    if method == "POST":
        headers["Idempotency-Key"] = uuid.uuid4().hex
    return requests.request(
        method,
        odoo_server.url + API + path,
        json=body,
        headers=headers,
        timeout=REQUEST_TIMEOUT,
    )


def test_held_order_approved_in_odoo_fires_order_accepted(
    odoo_server, loopback_webhooks, hold_customer
):
    key, code = hold_customer
    with Receiver() as receiver:
        subscribed = _call(
            odoo_server,
            key,
            "POST",
            "/webhooks",
            {"url": receiver.url, "events": ["order.accepted"]},
        )
        assert subscribed.status_code == 201, subscribed.text
        secret = subscribed.json()["secret"]

        submitted = _call(
            odoo_server,
            key,
            "POST",
            "/orders",
            {
                "customer_reference": "PO-HELD-%s" % uuid.uuid4().hex[:6],
                "lines": [{"product_code": code, "quantity": 2}],
            },
        )
        assert submitted.status_code == 201, submitted.text
        answer = submitted.json()
        assert answer["status"] == "held"
        assert answer["reasons"][0]["pointer"] == "/lines/0/quantity"
        reference = answer["reference"]
        [order_id] = odoo_server.execute(
            "sale.order", "search", [("name", "=", reference)]
        )
        assert (
            odoo_server.execute("sale.order", "read", [order_id], ["state"])[0]["state"]
            == "draft"
        )

        odoo_server.execute("sale.order", "action_portal_approve", [order_id])

        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.5)
        assert receiver.received, "no order.accepted webhook within the time"
        [delivery] = receiver.received
        signature.verify(
            [secret],
            delivery["headers"][signature.TIMESTAMP_HEADER],
            delivery["headers"][signature.SIGNATURE_HEADER],
            delivery["body"],
        )
        event = json.loads(delivery["body"])
        assert event["event"] == "order.accepted"
        assert event["data"]["reference"] == reference
        assert event["data"]["status"] == "accepted"
        assert event["data"]["state"] == "sale"

    read = _call(odoo_server, key, "GET", "/orders/%s" % reference)
    assert read.status_code == 200, read.text
    assert read.json()["status"] == "accepted"
    assert read.json()["hold_reasons"] == []
    messages = odoo_server.execute(
        "logistics.message",
        "search_read",
        [
            ("flow_code", "=", "customer.notify"),
            ("res_model", "=", "sale.order"),
            ("res_id", "=", order_id),
        ],
        fields=["state", "payload"],
    )
    assert [(m["payload"]["event"], m["state"]) for m in messages] == [
        ("order.accepted", "done")
    ]
