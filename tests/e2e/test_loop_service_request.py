"""A service request answered, end to end over real HTTP.

The customer asks through the API for a new delivery appointment of its
shipment; the responsible gets an activity in Odoo and answers there (the
"Answer" wizard, over JSON-RPC as a user would); the answer then shows in the
API, on the customer's portal page, and reaches the customer's webhook
receiver (a local HTTP server), signed, through the queue job runner.
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from logistics_integration_base.lib import signature
from tests.e2e.helpers import portal_customer

from .conftest import free_port

API = "/api/logistics/v1"
REQUEST_TIMEOUT = 30
DELIVERY_TIMEOUT = 90
ALLOW_LIST_PARAM = "logistics_integration_base.outbound_allow_list"
ANSWER = "New slot booked: Tuesday 08:00-10:00."


class Receiver(BaseHTTPRequestHandler):
    """The customer's webhook receiver: keeps what it is sent."""

    received = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.received.append({"headers": dict(self.headers), "body": body})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args):
        pass


def _customer(odoo_server, tag):
    """A customer company, its portal user (with a password) and an API key."""
    customer = portal_customer(odoo_server, "Service Request %s" % tag, password=True)
    return customer.company_id, customer.login, customer.api_key


def _shipment(odoo_server, customer, tag):
    endpoint = odoo_server.execute(
        "logistics.endpoint",
        "create",
        {
            "name": "Service request e2e TMS %s" % tag,
            "code": "sr-e2e-%s" % tag,
            "system": "tms",
            "protocol": "rest",
            "environment": "test",
            "base_url": "https://tms.invalid",
            "auth_method": "none",
        },
    )
    shipper = odoo_server.execute(
        "res.company", "search_read", [], fields=["partner_id"], limit=1
    )[0]["partner_id"][0]
    shipment = odoo_server.execute(
        "logistics.shipment",
        "create",
        {
            "endpoint_id": endpoint,
            "partner_id": customer,
            "shipper_id": shipper,
            "consignee_id": customer,
        },
    )
    return odoo_server.execute("logistics.shipment", "read", [shipment], ["name"])[0][
        "name"
    ]


def _api(odoo_server, key, method, path, body=None, **headers):
    return requests.request(
        method,
        odoo_server.url + API + path,
        json=body,
        headers={"X-API-Key": key, **headers},
        timeout=REQUEST_TIMEOUT,
    )


def _portal_page(odoo_server, login, path):
    """The HTML of a portal page, as the customer's portal user."""
    portal = requests.Session()
    logged_in = portal.post(
        odoo_server.url + "/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "params": {"db": odoo_server.db, "login": login, "password": login + "-pw"},
        },
        timeout=REQUEST_TIMEOUT,
    )
    assert logged_in.json().get("result"), logged_in.text
    page = portal.get(odoo_server.url + path, timeout=REQUEST_TIMEOUT)
    assert page.status_code == 200
    return page.text


def _delivered(secret):
    """The one event the receiver got (waited for), its signature checked."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while not Receiver.received and time.monotonic() < deadline:
        time.sleep(0.5)
    assert Receiver.received, "the webhook was not delivered"
    [delivery] = Receiver.received
    headers = {k.lower(): v for k, v in delivery["headers"].items()}
    signature.verify(
        [secret],
        headers[signature.TIMESTAMP_HEADER.lower()],
        headers[signature.SIGNATURE_HEADER.lower()],
        delivery["body"],
    )
    return json.loads(delivery["body"])


def test_service_request_answered_in_odoo_reaches_api_portal_and_webhook(
    odoo_server,
):
    tag = uuid.uuid4().hex[:8]
    customer, login, key = _customer(odoo_server, tag)
    shipment = _shipment(odoo_server, customer, tag)
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", int(port)), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Receiver.received = []
    previous_allow_list = odoo_server.execute(
        "ir.config_parameter", "get_param", ALLOW_LIST_PARAM
    )
    odoo_server.execute(
        "ir.config_parameter", "set_param", ALLOW_LIST_PARAM, "127.0.0.1"
    )
    try:
        subscribed = _api(
            odoo_server,
            key,
            "POST",
            "/webhooks",
            {
                "url": "http://127.0.0.1:%s/hooks" % port,
                "events": ["service_request.answered"],
            },
        )
        assert subscribed.status_code == 201, subscribed.text
        secret = subscribed.json()["secret"]

        # 1. The customer asks through the API (the message log answers).
        body = {
            "type": "appointment_change",
            "shipment": shipment,
            "description": "Please deliver on Tuesday morning instead.",
        }
        created = _api(
            odoo_server,
            key,
            "POST",
            "/service-requests",
            body,
            **{"Idempotency-Key": "sr-" + tag},
        )
        assert created.status_code == 201, created.text
        reference = created.json()["reference"]
        assert created.json()["status"] == "new"
        replay = _api(
            odoo_server,
            key,
            "POST",
            "/service-requests",
            body,
            **{"Idempotency-Key": "sr-" + tag},
        )
        assert replay.json()["reference"] == reference

        # 2. Odoo: a to-do for the responsible; answered with the wizard.
        [record] = odoo_server.execute(
            "logistics.service.request",
            "search_read",
            [("name", "=", reference)],
            fields=["status", "activity_ids", "user_id"],
        )
        assert record["status"] == "new"
        assert record["activity_ids"], "no activity for the responsible team"
        wizard = odoo_server.execute(
            "logistics.service.request.answer",
            "create",
            {"request_id": record["id"], "status": "answered", "answer": ANSWER},
        )
        odoo_server.execute(
            "logistics.service.request.answer", "action_confirm", [wizard]
        )

        # 3. The API shows the answer.
        answered = _api(odoo_server, key, "GET", "/service-requests/" + reference)
        assert answered.status_code == 200
        assert answered.json()["status"] == "answered"
        assert answered.json()["answer"] == ANSWER

        # 4. The portal page shows it to the customer's user.
        page = _portal_page(odoo_server, login, "/my/service-requests")
        assert reference in page
        assert ANSWER in page

        # 5. The webhook reaches the receiver, signed, through the job runner.
        sent = _delivered(secret)
        assert sent["event"] == "service_request.answered"
        assert sent["data"]["reference"] == reference
        assert sent["data"]["answer"] == ANSWER
    finally:
        odoo_server.execute(
            "ir.config_parameter",
            "set_param",
            ALLOW_LIST_PARAM,
            previous_allow_list or "",
        )
        server.shutdown()
