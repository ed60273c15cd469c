"""Order (API) -> release -> pickup validates the delivery order -> delivered
-> invoice on the delivered quantities posted, over real HTTP.

A real Odoo (threaded, with the queue_job runner) and the TMS simulator
(pushing signed webhooks to Odoo): the customer orders 4 kegs through the
public API, the carrier picks up 3 (the simulator's partial pickup), Odoo
validates the delivery order with 3 and backorders 1, the delivery is
reported, and the customer, invoiced on delivery, gets an invoice of 3 kegs,
posted, with the proof of delivery; the invoice number reaches the API and
the TMS (settlement references). The customer, product, endpoint and API key
are made here under names of this test only; the warehouse's TMS settings are
put back afterwards.
"""

import sys
import uuid
from pathlib import Path

import pytest
import requests

SETUP = Path(__file__).resolve().parents[2] / "setup"
if str(SETUP) not in sys.path:
    sys.path.insert(0, str(SETUP))
from suite import stack  # noqa: E402

from logistics_portal_api.lib import api_keys  # noqa: E402
from tests.e2e.helpers import pushing_simulator, wait_for, xml_id  # noqa: E402

API = "/api/logistics/v1"
REQUEST_TIMEOUT = 30
SIMULATOR_START_TIMEOUT = 30
LOOP_TIMEOUT = 240  # seconds: release, 9 events, validation, invoice job
POLL_INTERVAL = 1.0
ORDERED = 4
PICKED_UP = 3  # pickup_ratio 0.75 of 4, rounded down
WAREHOUSE_FIELDS = [
    "tms_endpoint_id",
    "tms_release_trigger",
    "tms_validation_trigger",
]


def _wait(what, probe, timeout=LOOP_TIMEOUT):
    return wait_for(what, probe, timeout, POLL_INTERVAL)


@pytest.fixture
def loop(odoo_server):
    """The simulator pushing to Odoo, a TMS endpoint, the warehouse released
    on confirmation and validated on pickup, a stocked product invoiced on
    delivered quantities, a customer invoiced on delivery and its API key."""
    tag = uuid.uuid4().hex[:8]
    code = "invoice_loop_%s" % tag
    process, simulator_url, api_key, secret = pushing_simulator(
        odoo_server, code, "INV%s-" % tag, SIMULATOR_START_TIMEOUT
    )
    warehouse_id = xml_id(odoo_server, "stock", "warehouse0")
    before = odoo_server.execute(
        "stock.warehouse", "read", [warehouse_id], fields=WAREHOUSE_FIELDS
    )[0]
    endpoint = odoo_server.execute(
        "logistics.endpoint",
        "create",
        {
            "name": "Invoice loop TMS %s" % tag,
            "code": code,
            "system": "tms",
            "protocol": "rest",
            "environment": "test",
            "base_url": simulator_url + "/api/v1/",
            "auth_method": "api_key",
            "api_key_header": "X-API-Key",
        },
    )
    odoo_server.execute(
        "logistics.endpoint.secret",
        "create",
        [
            {"endpoint_id": endpoint, "kind": "api_key", "value": api_key},
            {"endpoint_id": endpoint, "kind": "hmac", "value": secret},
        ],
    )
    try:
        odoo_server.execute(
            "stock.warehouse",
            "write",
            [warehouse_id],
            {
                "tms_endpoint_id": endpoint,
                "tms_release_trigger": "order_confirmed",
                "tms_validation_trigger": "pickup",
            },
        )
        yield _seed(odoo_server, tag, simulator_url, api_key)
    finally:
        odoo_server.execute(
            "stock.warehouse",
            "write",
            [warehouse_id],
            {
                "tms_endpoint_id": before["tms_endpoint_id"]
                and before["tms_endpoint_id"][0],
                "tms_release_trigger": before["tms_release_trigger"],
                "tms_validation_trigger": before["tms_validation_trigger"],
            },
        )
        secret_ids = odoo_server.execute(
            "logistics.endpoint.secret", "search", [("endpoint_id", "=", endpoint)]
        )
        odoo_server.execute("logistics.endpoint.secret", "unlink", secret_ids)
        stack.stop_process(process)


def _seed(odoo_server, tag, simulator_url, tms_api_key):
    product_code = "KEG-INV-%s" % tag
    product = odoo_server.execute(
        "product.product",
        "create",
        {
            "name": "Keg 30 l (invoice loop %s)" % tag,
            "default_code": product_code,
            "is_storable": True,
            "list_price": 80.0,
            "weight": 36.5,
            "invoice_policy": "delivery",
        },
    )
    stock = xml_id(odoo_server, "stock", "stock_location_stock")
    quant = odoo_server.execute(
        "stock.quant",
        "create",
        {"product_id": product, "location_id": stock, "inventory_quantity": 50},
    )
    odoo_server.execute("stock.quant", "action_apply_inventory", [quant])
    country = odoo_server.execute(
        "res.country", "search", [("code", "=", "BE")], limit=1
    )[0]
    company = odoo_server.execute(
        "res.partner",
        "create",
        {
            "name": "Invoice Loop Customer %s" % tag,
            "is_company": True,
            "country_id": country,
            "street": "Rue de la Gare 3",
            "city": "Leuze",
            "zip": "7904",
            "logistics_invoice_on_delivery": True,
        },
    )
    user = odoo_server.execute(
        "res.users",
        "create",
        {
            "name": "Invoice Loop Buyer %s" % tag,
            "login": "invoice-loop-%s" % tag,
            "groups_id": [(6, 0, [xml_id(odoo_server, "base", "group_portal")])],
        },
    )
    partner = odoo_server.execute("res.users", "read", [user], fields=["partner_id"])
    odoo_server.execute(
        "res.partner", "write", [partner[0]["partner_id"][0]], {"parent_id": company}
    )
    key = odoo_server.execute(
        "logistics.api.key",
        "create",
        {
            "name": "Invoice loop %s" % tag,
            "user_id": user,
            "scopes": " ".join(api_keys.SCOPES),
        },
    )
    action = odoo_server.execute("logistics.api.key", "action_generate", [key])
    return {
        "product_code": product_code,
        "company": company,
        "api_key": action["context"]["default_api_key"],
        "simulator_url": simulator_url,
        "tms_api_key": tms_api_key,
    }


class Client:
    def __init__(self, odoo_server, api_key):
        self.base = odoo_server.url + API
        self.session = requests.Session()
        self.session.headers["X-API-Key"] = api_key

    def get(self, path):
        response = self.session.get(self.base + path, timeout=REQUEST_TIMEOUT)
        assert response.status_code == 200, (path, response.text[:500])
        return response.json()

    def post(self, path, body, **headers):
        return self.session.post(
            self.base + path, json=body, headers=headers, timeout=REQUEST_TIMEOUT
        )


def test_order_to_invoice_on_delivered_quantities(odoo_server, loop):
    requests.post(
        loop["simulator_url"] + "/_control/scenario",
        json={"pickup_ratio": 0.75},
        timeout=REQUEST_TIMEOUT,
    ).raise_for_status()
    client = Client(odoo_server, loop["api_key"])
    answer = client.post(
        "/orders",
        {
            "customer_reference": "PO-INVOICE-LOOP",
            "lines": [{"product_code": loop["product_code"], "quantity": ORDERED}],
        },
        **{"Idempotency-Key": uuid.uuid4().hex},
    )
    assert answer.status_code in (200, 201), answer.text[:500]
    reference = answer.json()["reference"]

    # The whole loop runs on its own: release, events, validation, invoice.
    def invoiced_order():
        order = client.get("/orders/%s" % reference)
        return order if order["invoices"] else None

    order = _wait("the invoice of %s" % reference, invoiced_order)
    [invoice_number] = order["invoices"]
    [shipment_ref] = order["shipments"]

    shipment = client.get("/shipments/%s" % shipment_ref)
    assert shipment["status"] == "delivered"
    assert shipment["invoices"] == [invoice_number]
    codes = [m["code"] for m in shipment["milestones"]]
    assert codes[-1] == "D1" and "AF" in codes
    invoices = client.get("/invoices")["items"]
    [listed] = [i for i in invoices if i["number"] == invoice_number]
    assert listed["type"] == "invoice"
    assert listed["orders"] == [reference]
    assert listed["amount_untaxed"] == pytest.approx(PICKED_UP * 80.0)

    # In the database: the delivery order, its backorder and the invoice.
    [sale] = odoo_server.execute(
        "sale.order",
        "search_read",
        [("name", "=", reference)],
        fields=["order_line", "picking_ids", "invoice_ids"],
    )
    [line] = odoo_server.execute(
        "sale.order.line",
        "read",
        sale["order_line"],
        fields=["qty_delivered", "qty_invoiced", "product_uom_qty"],
    )
    assert (line["product_uom_qty"], line["qty_delivered"], line["qty_invoiced"]) == (
        ORDERED,
        PICKED_UP,
        PICKED_UP,
    )
    pickings = odoo_server.execute(
        "stock.picking",
        "read",
        sale["picking_ids"],
        fields=["state", "backorder_id", "logistics_validated_by"],
    )
    done = [p for p in pickings if p["state"] == "done"]
    rest = [p for p in pickings if p["backorder_id"]]
    assert len(done) == 1 and done[0]["logistics_validated_by"] == "tms"
    assert len(rest) == 1 and rest[0]["state"] != "done", "the rest is backordered"
    [move] = odoo_server.execute(
        "account.move",
        "search_read",
        [("id", "in", sale["invoice_ids"])],
        fields=["name", "state", "move_type", "logistics_shipment_id"],
    )
    assert (move["name"], move["state"], move["move_type"]) == (
        invoice_number,
        "posted",
        "out_invoice",
    )
    assert move["logistics_shipment_id"][1] == shipment_ref
    pod_on_invoice = odoo_server.execute(
        "ir.attachment",
        "search_read",
        [("res_model", "=", "account.move"), ("res_id", "=", move["id"])],
        fields=["name", "logistics_portal_kind"],
    )
    assert [a["logistics_portal_kind"] for a in pod_on_invoice] == ["pod"]
    messages = odoo_server.execute(
        "logistics.message",
        "search_read",
        [("flow_code", "=", "tms.invoice_on_delivery"), ("res_id", "!=", False)],
        fields=["state", "result", "payload"],
    )
    [message] = [m for m in messages if m["payload"]["order"] == reference]
    assert message["state"] == "done"
    assert message["result"]["invoices"] == [invoice_number]

    # The customer downloads the proof of delivery from the invoice.
    document = client.session.get(
        "%s/documents/%s" % (client.base, pod_on_invoice[0]["id"]),
        timeout=REQUEST_TIMEOUT,
    )
    assert document.status_code == 200
    assert document.content.startswith(b"%PDF")

    # The TMS hears of the invoice (settlement references).
    [tms_id] = odoo_server.execute(
        "logistics.shipment",
        "search_read",
        [("name", "=", shipment_ref)],
        fields=["tms_reference"],
    )
    settlement_url = "%s/api/v1/shipments/%s/settlement" % (
        loop["simulator_url"],
        tms_id["tms_reference"],
    )

    def recorded():
        answer = requests.get(
            settlement_url,
            headers={"X-API-Key": loop["tms_api_key"]},
            timeout=REQUEST_TIMEOUT,
        )
        return [
            i
            for i in answer.json().get("invoices", [])
            if i["number"] == invoice_number
        ]

    [sent] = _wait("the invoice reference at the TMS", recorded)
    assert sent["kind"] == "customer_invoice"
    assert sent["amount"] == pytest.approx(PICKED_UP * 80.0)
