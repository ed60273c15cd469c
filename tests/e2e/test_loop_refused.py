"""Refused delivery, end to end: order -> release -> the TMS simulator plays a
refusal (A7) -> a return picking in Odoo -> the warehouse receives it -> a
posted customer credit note (the customer's credit policy), over real HTTP.

A real Odoo server (conftest) with its job runner, and the TMS simulator as a
process sending its signed webhooks to that server.
"""

import secrets
import sys

import pytest
import requests
from suite import stack

from tests.e2e.helpers import wait_for

API_KEY = "e2e-refused-api-key"
WAIT_TIMEOUT = 90
POLL_INTERVAL = 0.5
REQUEST_TIMEOUT = 10
ORDERED = 4
PRICE = 80.0
STEPS_BEFORE_REFUSAL = 8  # TA, CR, X3, AF, X6, AG, OD, X1


def _wait(what, check, timeout=WAIT_TIMEOUT):
    return wait_for(what, check, timeout, POLL_INTERVAL)


@pytest.fixture(scope="module")
def refused_stack(odoo_server):
    """A TMS endpoint on a simulator that posts its events to the server; the
    main warehouse released to it, delivery orders validated on pickup."""
    run = secrets.token_hex(4)
    code = f"e2e_refused_{run}"
    webhook_secret = secrets.token_urlsafe(24)
    process, url = stack.start_simulator(
        [
            "--port",
            "0",
            f"--api-key={API_KEY}",
            "--webhook-url",
            f"{odoo_server.url}/logistics/tms/{code}/events",
            f"--webhook-secret={webhook_secret}",
            "--no-auto-advance",
            "--id-prefix",
            f"REF{run}-",
        ],
        python=sys.executable,
        timeout=30,
    )
    execute = odoo_server.execute
    endpoint_id = execute(
        "logistics.endpoint",
        "create",
        {
            "name": f"Refusals TMS {run}",
            "code": code,
            "system": "tms",
            "protocol": "rest",
            "base_url": f"{url}/api/v1/",
            "auth_method": "api_key",
            "api_key_header": "X-API-Key",
            "backoff_schedule": "2,4",
            "max_attempts": 3,
        },
    )
    execute(
        "logistics.endpoint.secret",
        "create",
        [
            {"endpoint_id": endpoint_id, "kind": "api_key", "value": API_KEY},
            {"endpoint_id": endpoint_id, "kind": "hmac", "value": webhook_secret},
        ],
    )
    [warehouse] = execute(
        "stock.warehouse",
        "search_read",
        [("company_id", "=", 1)],
        fields=["tms_endpoint_id", "tms_release_trigger", "tms_validation_trigger"],
        limit=1,
    )
    execute(
        "stock.warehouse",
        "write",
        [warehouse["id"]],
        {
            "tms_endpoint_id": endpoint_id,
            "tms_release_trigger": "manual",
            "tms_validation_trigger": "pickup",
        },
    )
    try:
        yield {"url": url, "run": run, "warehouse": warehouse}
    finally:
        execute(
            "stock.warehouse",
            "write",
            [warehouse["id"]],
            {
                "tms_endpoint_id": warehouse["tms_endpoint_id"]
                and warehouse["tms_endpoint_id"][0],
                "tms_release_trigger": warehouse["tms_release_trigger"],
                "tms_validation_trigger": warehouse["tms_validation_trigger"],
            },
        )
        secret_ids = execute(
            "logistics.endpoint.secret", "search", [("endpoint_id", "=", endpoint_id)]
        )
        execute("logistics.endpoint.secret", "unlink", secret_ids)
        execute("logistics.endpoint", "write", [endpoint_id], {"active": False})
        stack.stop_process(process)


def _control(simulator_url, path, body):
    response = requests.post(
        f"{simulator_url}/_control/{path}", json=body, timeout=REQUEST_TIMEOUT
    )
    response.raise_for_status()
    return response.json()


def _confirmed_order(execute, run, warehouse_id):
    product_id = execute(
        "product.product",
        "create",
        {
            "name": f"Keg 30 l ({run})",
            "default_code": f"KEG-{run}",
            "is_storable": True,
            "invoice_policy": "delivery",
            "list_price": PRICE,
            "weight": 36.5,
        },
    )
    [stock] = execute(
        "stock.warehouse", "read", [warehouse_id], fields=["lot_stock_id"]
    )
    quant_id = execute(
        "stock.quant",
        "create",
        {
            "product_id": product_id,
            "location_id": stock["lot_stock_id"][0],
            "inventory_quantity": 50,
        },
        context={"inventory_mode": True},
    )
    execute(
        "stock.quant",
        "action_apply_inventory",
        [quant_id],
        context={"inventory_mode": True},
    )
    customer_id = execute(
        "res.partner",
        "create",
        {
            "name": f"Refusing customer {run}",
            "is_company": True,
            "street": "Korenmarkt 1",
            "city": "Ghent",
            "zip": "9000",
            "logistics_return_credit_policy": "posted",
        },
    )
    order_id = execute(
        "sale.order",
        "create",
        {
            "partner_id": customer_id,
            "warehouse_id": warehouse_id,
            "order_line": [
                (0, 0, {"product_id": product_id, "product_uom_qty": ORDERED})
            ],
        },
    )
    execute("sale.order", "action_confirm", [order_id])
    return order_id, customer_id


def _read(execute, model, record_id, fields):
    return execute(model, "read", [record_id], fields=fields)[0]


def _release(execute, order_id, delivery_id):
    """Release the delivery order; wait for the TMS's reference."""
    execute("stock.picking", "action_logistics_release", [delivery_id])

    def released():
        shipment_ids = execute(
            "logistics.shipment", "search", [("sale_order_id", "=", order_id)]
        )
        if not shipment_ids:
            return None
        shipment = _read(
            execute, "logistics.shipment", shipment_ids[0], ["tms_reference"]
        )
        return shipment if shipment["tms_reference"] else None

    shipment = _wait("the release", released)
    return shipment["id"], shipment["tms_reference"]


def _invoice(execute, order_id):
    """Odoo's invoicing of the delivered quantities, posted."""
    wizard_id = execute(
        "sale.advance.payment.inv",
        "create",
        {"advance_payment_method": "delivered", "sale_order_ids": [(6, 0, [order_id])]},
    )
    execute("sale.advance.payment.inv", "create_invoices", [wizard_id])
    [invoice_id] = _read(execute, "sale.order", order_id, ["invoice_ids"])[
        "invoice_ids"
    ]
    execute("account.move", "action_post", [invoice_id])
    invoice = _read(execute, "account.move", invoice_id, ["state", "amount_total"])
    assert invoice["state"] == "posted"
    return invoice


def _refused_return(execute, shipment_id, delivery_id):
    """The return picking the refusal created, checked."""

    def returned():
        values = _read(
            execute,
            "logistics.shipment",
            shipment_id,
            ["status", "exception_type", "return_picking_ids", "return_picking_count"],
        )
        return values if values["return_picking_ids"] else None

    shipment = _wait("the return picking", returned)
    assert shipment["status"] == "exception"
    assert shipment["exception_type"] == "refused"
    assert shipment["return_picking_count"] == 1
    [return_id] = shipment["return_picking_ids"]
    return_picking = _read(
        execute,
        "stock.picking",
        return_id,
        ["picking_type_code", "return_id", "state", "move_ids"],
    )
    assert return_picking["picking_type_code"] == "incoming"
    assert return_picking["return_id"][0] == delivery_id
    assert return_picking["state"] != "done", "the warehouse receives it"
    [move] = execute(
        "stock.move",
        "read",
        return_picking["move_ids"],
        fields=["product_uom_qty", "to_refund"],
    )
    assert move["product_uom_qty"] == ORDERED
    assert move["to_refund"] is True
    return return_id


def test_refused_delivery_comes_back_and_is_credited(odoo_server, refused_stack):
    execute = odoo_server.execute
    simulator = refused_stack["url"]
    warehouse_id = refused_stack["warehouse"]["id"]
    _control(simulator, "scenario", {"outcome": "refused", "auto_advance": False})
    order_id, customer_id = _confirmed_order(
        execute, refused_stack["run"], warehouse_id
    )
    [delivery_id] = _read(execute, "sale.order", order_id, ["picking_ids"])[
        "picking_ids"
    ]
    shipment_id, tms_reference = _release(execute, order_id, delivery_id)

    # Picked up: the delivery order is validated; the order is invoiced.
    _control(
        simulator,
        "advance",
        {"shipment_id": tms_reference, "steps": STEPS_BEFORE_REFUSAL},
    )
    _wait(
        "the delivery order validated on pickup",
        lambda: (
            _read(execute, "stock.picking", delivery_id, ["state"])["state"] == "done"
        ),
    )
    invoice = _invoice(execute, order_id)

    # Refused by the consignee: the goods come back in a return picking.
    _control(simulator, "advance", {"shipment_id": tms_reference, "steps": 1})
    return_id = _refused_return(execute, shipment_id, delivery_id)

    # The warehouse receives it: stock back, credit note posted.
    execute("stock.picking", "button_validate", [return_id])
    picking = _read(
        execute, "stock.picking", return_id, ["state", "logistics_credit_note_id"]
    )
    assert picking["state"] == "done"
    assert picking["logistics_credit_note_id"], "a credit note per the policy"
    credit_note = _read(
        execute,
        "account.move",
        picking["logistics_credit_note_id"][0],
        ["move_type", "state", "amount_total", "partner_id"],
    )
    assert credit_note["move_type"] == "out_refund"
    assert credit_note["state"] == "posted"
    assert credit_note["partner_id"][0] == customer_id
    assert credit_note["amount_total"] == pytest.approx(invoice["amount_total"])
    [line] = execute(
        "sale.order.line",
        "search_read",
        [("order_id", "=", order_id)],
        fields=["qty_delivered", "qty_invoiced"],
    )
    assert line["qty_delivered"] == 0
    assert line["qty_invoiced"] == 0
    shipment = _read(
        execute, "logistics.shipment", shipment_id, ["return_credit_note_count"]
    )
    assert shipment["return_credit_note_count"] == 1
    # The audit log says both steps.
    audits = execute(
        "logistics.audit.log",
        "search_read",
        [("res_model", "=", "logistics.shipment"), ("res_id", "=", shipment_id)],
        fields=["action", "outcome"],
    )
    actions = {(a["action"], a["outcome"]) for a in audits}
    assert {("return_created", "success"), ("return_credit", "success")} <= actions
