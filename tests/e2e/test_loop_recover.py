"""Attempted delivery -> redelivery -> delivered, over real HTTP.

A real Odoo server (with its job runner) releases an order's delivery to the
TMS simulator, which attempts the delivery (``AH``) and reports it by signed
webhooks: the shipment is in exception. The redelivery is requested in Odoo
(the shipment's action, over JSON-RPC): an outbound message asks the simulator
for a new delivery run in a new window, which ends delivered (``D1``). The
request and its outcome are in the audit log, the exception activity is closed.
"""

import secrets
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from tests.e2e.helpers import wait_for

SETUP = Path(__file__).resolve().parents[2] / "setup"
if str(SETUP) not in sys.path:
    sys.path.insert(0, str(SETUP))
from suite import stack  # noqa: E402

WAIT_TIMEOUT = 90
POLL_EVERY = 0.3
STEP_DELAY = "0.1"
SIMULATOR_START_TIMEOUT = 20
CONTROL_TIMEOUT = 10
ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"


class Simulator:
    def __init__(self, url, api_key):
        self.url = url
        self.api_key = api_key

    def control(self, path, body=None):
        method = requests.post if body is not None else requests.get
        response = method(
            f"{self.url}/_control/{path}",
            timeout=CONTROL_TIMEOUT,
            **({"json": body} if body is not None else {}),
        )
        response.raise_for_status()
        return response.json()


@pytest.fixture
def recovery_stack(odoo_server, tmp_path):
    """The simulator pushing signed webhooks to a TMS endpoint of its own,
    the warehouse releasing to it; put back as it was afterwards."""
    run = secrets.token_hex(3)
    api_key, hmac_secret = secrets.token_urlsafe(16), secrets.token_urlsafe(24)
    code = f"e2e_recover_{run}"
    with (tmp_path / "simulator.log").open("w") as log:
        process, url = stack.start_simulator(
            [
                "--port",
                "0",
                f"--api-key={api_key}",
                "--webhook-url",
                f"{odoo_server.url}/logistics/tms/{code}/events",
                f"--webhook-secret={hmac_secret}",
                "--step-delay",
                STEP_DELAY,
                "--id-prefix",
                f"R{run}-",
            ],
            stderr=log,
            timeout=SIMULATOR_START_TIMEOUT,
        )
    execute = odoo_server.execute
    endpoint_id = execute(
        "logistics.endpoint",
        "create",
        {
            "name": f"Recovery TMS {run}",
            "code": code,
            "system": "tms",
            "protocol": "rest",
            "base_url": f"{url}/api/v1/",
            "auth_method": "api_key",
            "api_key_header": "X-API-Key",
            "backoff_schedule": "1,2",
            "max_attempts": 3,
        },
    )
    execute(
        "logistics.endpoint.secret",
        "create",
        [
            {"endpoint_id": endpoint_id, "kind": "api_key", "value": api_key},
            {"endpoint_id": endpoint_id, "kind": "hmac", "value": hmac_secret},
        ],
    )
    [warehouse] = execute(
        "stock.warehouse",
        "search_read",
        [("code", "=", "WH")],
        fields=["tms_endpoint_id"],
        limit=1,
    )
    before = warehouse["tms_endpoint_id"] and warehouse["tms_endpoint_id"][0]
    execute(
        "stock.warehouse", "write", [warehouse["id"]], {"tms_endpoint_id": endpoint_id}
    )
    try:
        yield Simulator(url, api_key), endpoint_id
    finally:
        execute(
            "stock.warehouse", "write", [warehouse["id"]], {"tms_endpoint_id": before}
        )
        stack.stop_process(process)


def _order(odoo_server, run):
    execute = odoo_server.execute
    partner_id = execute(
        "res.partner",
        "create",
        {"name": f"Recovery customer {run}", "city": "Ghent", "zip": "9000"},
    )
    product_id = execute(
        "product.product",
        "create",
        {
            "name": f"Recovery keg {run}",
            "default_code": f"RECOVER-{run}",
            "is_storable": True,
            "weight": 36.5,
            "list_price": 80,
        },
    )
    order_id = execute(
        "sale.order",
        "create",
        {
            "partner_id": partner_id,
            "client_order_ref": f"PO-RECOVER-{run}",
            "order_line": [(0, 0, {"product_id": product_id, "product_uom_qty": 2})],
        },
    )
    execute("sale.order", "action_confirm", [order_id])
    [order] = execute("sale.order", "read", [order_id], fields=["picking_ids"])
    return order["picking_ids"]


def _shipment(odoo_server, picking_ids):
    found = odoo_server.execute(
        "logistics.shipment",
        "search_read",
        [("picking_ids", "in", picking_ids)],
        fields=["status", "exception_type", "tms_reference", "activity_ids"],
    )
    return found[0] if found else None


def _wait_for(odoo_server, picking_ids, predicate, what):
    def reached():
        shipment = _shipment(odoo_server, picking_ids)
        return shipment if shipment and predicate(shipment) else None

    return wait_for(what, reached, WAIT_TIMEOUT, POLL_EVERY)


def test_attempted_delivery_then_redelivery_then_delivered(odoo_server, recovery_stack):
    simulator, _endpoint_id = recovery_stack
    execute = odoo_server.execute
    simulator.control(
        "scenario", {"outcome": "attempted", "redelivery_outcome": "delivered"}
    )
    picking_ids = _order(odoo_server, secrets.token_hex(3))
    execute("stock.picking", "action_logistics_release", picking_ids)

    attempted = _wait_for(
        odoo_server,
        picking_ids,
        lambda s: s["status"] == "exception",
        "the attempted delivery",
    )
    assert attempted["exception_type"] == "failed_delivery"
    assert attempted["activity_ids"], "an activity to work the exception"
    reference = attempted["tms_reference"]
    assert simulator.control("shipments")[reference]["status"] == "delivery_attempted"

    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    end = start + timedelta(hours=4)
    execute(
        "logistics.shipment",
        "action_request_redelivery",
        [attempted["id"]],
        delivery_start=start.strftime(ODOO_DATETIME),
        delivery_end=end.strftime(ODOO_DATETIME),
        note="Consignee at home tomorrow morning",
    )
    requested = _shipment(odoo_server, picking_ids)
    assert requested["status"] in ("in_transit", "out_for_delivery", "delivered")
    assert not requested["exception_type"]
    assert not requested["activity_ids"], "the exception activity is closed"

    delivered = _wait_for(
        odoo_server,
        picking_ids,
        lambda s: s["status"] == "delivered",
        "the redelivery",
    )
    assert not delivered["exception_type"]

    tms_side = simulator.control("shipments")[reference]
    assert tms_side["status"] == "delivered"
    assert tms_side["redeliveries"] == 1
    assert tms_side["payload"]["deliveryWindow"]["start"].startswith(
        start.strftime("%Y-%m-%d")
    )
    calls = [
        call
        for call in simulator.control("requests")
        if call["path"].endswith("/redelivery")
    ]
    assert len(calls) == 1
    assert calls[0]["headers"].get("Idempotency-Key")

    [message] = execute(
        "logistics.message",
        "search_read",
        [
            ("flow_code", "=", "shipment.redeliver"),
            ("res_model", "=", "logistics.shipment"),
            ("res_id", "=", attempted["id"]),
        ],
        fields=["state"],
    )
    assert message["state"] == "done"
    [audit] = execute(
        "logistics.audit.log",
        "search_read",
        [
            ("action", "=", "exception_redelivery"),
            ("res_model", "=", "logistics.shipment"),
            ("res_id", "=", attempted["id"]),
        ],
        fields=["outcome", "details"],
    )
    assert audit["outcome"] == "success"
    assert "Failed delivery attempt" in audit["details"]
    milestones = execute(
        "logistics.shipment.milestone",
        "search_read",
        [("shipment_id", "=", attempted["id"])],
        fields=["code"],
        order="event_time, id",
    )
    codes = [m["code"] for m in milestones]
    assert codes[-4:] == ["AH", "OD", "X1", "D1"]
