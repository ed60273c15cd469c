"""Delivery appointment: asked by the customer over the API → confirmed by the
TMS → delivered outside the slot → "missed appointment" exception → the
customer is told by webhook.

A real Odoo server (with the queue_job runner), the TMS simulator as a
process pushing signed events to Odoo's TMS webhook, everything over HTTP: an
order of the customer is confirmed and released; the customer asks for a
delivery appointment two days away (POST /shipments/{ref}/appointment); the
request goes to the simulator as an amendment (a job), which confirms the
slot with a `shipment.appointment` event; the carrier then delivers today,
outside the slot: the shipment is delivered, in a `missed_appointment`
exception, and the customer's receiver gets `appointment.requested`,
`appointment.confirmed` and `appointment.missed`.
"""

import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.e2e.helpers import (
    portal_customer,
    pushing_simulator,
    rest_tms_endpoint,
    wait_for,
    webhook_receiver,
    xml_id,
)

from .conftest import stack

WAIT = 120
REQUEST_TIMEOUT = 30
ALL_STEPS = 9
WAREHOUSE_FIELDS = ["tms_endpoint_id", "tms_release_trigger"]
EVENTS = [
    "appointment.requested",
    "appointment.confirmed",
    "appointment.missed",
    "shipment.exception",
]


def _wait(what, probe, timeout=WAIT):
    return wait_for(what, probe, timeout)


@pytest.fixture
def receiver(odoo_server):
    with webhook_receiver(odoo_server) as url_and_received:
        yield url_and_received


@pytest.fixture
def tms(odoo_server):
    """The simulator (advanced by the test) pushing its events to a TMS
    endpoint made for this test: the warehouse's TMS, releasing on order
    confirmation, while the test runs."""
    run = secrets.token_hex(4)
    code = "appt_%s" % run
    process, url, api_key, secret = pushing_simulator(
        odoo_server, code, "APT%s" % run.upper(), 30, auto_advance=False
    )
    execute = odoo_server.execute
    endpoint = rest_tms_endpoint(
        odoo_server,
        code,
        "Appointments TMS %s" % run,
        url,
        api_key=api_key,
        secret=secret,
    )
    warehouse = xml_id(odoo_server, "stock", "warehouse0")
    before = execute("stock.warehouse", "read", [warehouse], fields=WAREHOUSE_FIELDS)
    execute(
        "stock.warehouse",
        "write",
        [warehouse],
        {"tms_endpoint_id": endpoint, "tms_release_trigger": "order_confirmed"},
    )
    try:
        yield url
    finally:
        previous = before[0]
        execute(
            "stock.warehouse",
            "write",
            [warehouse],
            {
                "tms_endpoint_id": previous["tms_endpoint_id"]
                and previous["tms_endpoint_id"][0],
                "tms_release_trigger": previous["tms_release_trigger"],
            },
        )
        stack.stop_process(process)


def _api(odoo_server, key, method, path, body=None):
    return requests.request(
        method,
        odoo_server.url + "/api/logistics/v1" + path,
        json=body,
        headers={"X-API-Key": key},
        timeout=REQUEST_TIMEOUT,
    )


def _confirmed_order(odoo_server, company_id):
    execute = odoo_server.execute
    tag = uuid.uuid4().hex[:6].upper()
    product = execute(
        "product.product",
        "create",
        {
            "name": "Pallet (appointment loop %s)" % tag,
            "default_code": "APPT-%s" % tag,
            "is_storable": True,
            "list_price": 50.0,
            "weight": 120.0,
        },
    )
    order = execute(
        "sale.order",
        "create",
        {
            "partner_id": company_id,
            "client_order_ref": "PO-APPT-%s" % tag,
            "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 2})],
        },
    )
    execute("sale.order", "action_confirm", [order])
    return order


def _shipment(odoo_server, order):
    rows = odoo_server.execute(
        "logistics.shipment",
        "search_read",
        [("sale_order_id", "=", order)],
        fields=[
            "name",
            "status",
            "tms_reference",
            "exception_type",
            "exception_note",
            "appointment_state",
            "appointment_slot_start",
            "appointment_missed_cause",
        ],
    )
    return rows[0] if rows else None


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _moment(text):
    """An aware datetime of RFC 3339 text (``Z`` or an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_appointment_requested_confirmed_then_missed(odoo_server, tms, receiver):
    receiver_url, received = receiver
    customer = portal_customer(
        odoo_server,
        "Appointment Customer",
        company={"street": "Rue de la Gare 3", "city": "Leuze", "zip": "7904"},
    )
    subscribed = _api(
        odoo_server,
        customer.api_key,
        "POST",
        "/webhooks",
        {"url": receiver_url, "events": EVENTS},
    )
    assert subscribed.status_code == 201, subscribed.text
    order = _confirmed_order(odoo_server, customer.company_id)
    shipment = _wait(
        "the release answered by the TMS",
        lambda: (s := _shipment(odoo_server, order)) and s["tms_reference"] and s,
    )

    # The customer asks for a slot two days away, over the API.
    start = datetime.now(UTC).replace(microsecond=0, tzinfo=None) + timedelta(days=2)
    window = {"start": _iso(start), "end": _iso(start + timedelta(hours=2))}
    asked = _api(
        odoo_server,
        customer.api_key,
        "POST",
        "/shipments/%s/appointment" % shipment["name"],
        {"window": window, "dock": "Dock 4", "reference": "BK-LOOP"},
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["appointment"]["state"] == "requested"
    # Another customer does not see the shipment.
    other = portal_customer(odoo_server, "Other Customer")
    refused = _api(
        odoo_server,
        other.api_key,
        "POST",
        "/shipments/%s/appointment" % shipment["name"],
        {"window": window},
    )
    assert refused.status_code == 404, refused.text

    # The request reaches the TMS (a job), which confirms the slot by event.
    confirmed = _wait(
        "the appointment confirmed by the TMS",
        lambda: (
            (s := _shipment(odoo_server, order))
            and s["appointment_state"] == "confirmed"
            and s
        ),
    )
    assert confirmed["appointment_slot_start"] == start.strftime("%Y-%m-%d %H:%M:%S")
    tms_requests = requests.get(
        tms + "/_control/requests", timeout=REQUEST_TIMEOUT
    ).json()
    [call] = [r for r in tms_requests if r["path"].endswith("/appointment")]
    sent = json.loads(call["body"])["window"]
    assert {key: _moment(sent[key]) for key in window} == {
        key: _moment(window[key]) for key in window
    }
    shown = _api(
        odoo_server, customer.api_key, "GET", "/shipments/%s" % shipment["name"]
    ).json()
    assert shown["appointment"]["slot"] == window
    assert {"YR", "AB"} <= {m["code"] for m in shown["milestones"]}

    # The carrier delivers today: outside the slot two days away.
    requests.post(
        tms + "/_control/advance",
        json={"shipment_id": shipment["tms_reference"], "steps": ALL_STEPS},
        timeout=REQUEST_TIMEOUT,
    ).raise_for_status()
    missed = _wait(
        "the missed appointment",
        lambda: (
            (s := _shipment(odoo_server, order))
            and s["exception_type"] == "missed_appointment"
            and s
        ),
    )
    assert missed["status"] == "delivered"
    assert missed["appointment_state"] == "missed"
    assert missed["appointment_missed_cause"] == "outside_window"
    assert "Delivered outside the confirmed window" in missed["exception_note"]

    # The customer was told each step, by signed webhook (jobs of the server).
    def events():
        names = [delivery["event"] for delivery in received]
        return set(EVENTS) <= set(names) and names

    names = _wait("the webhooks", events)
    appointment_events = [n for n in names if n.startswith("appointment.")]
    assert appointment_events == [
        "appointment.requested",
        "appointment.confirmed",
        "appointment.missed",
    ]
    [missed_event] = [d for d in received if d["event"] == "appointment.missed"]
    assert missed_event["data"]["reference"] == shipment["name"]
    assert missed_event["data"]["appointment"]["missed_cause"] == "outside_window"
