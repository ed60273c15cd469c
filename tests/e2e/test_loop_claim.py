"""Delivered with damage reported by the TMS -> claim against the carrier ->
accepted -> vendor credit note posted, over real HTTP.

A real Odoo (threaded, with the queue_job runner) and the TMS simulator
(pushing signed webhooks to Odoo, scenario option `damage_on_delivery`): an
order is confirmed and released, the simulator delivers it with a damage
reason and remarks on the proof of delivery, Odoo opens a damage claim against
the shipment's carrier with the POD as evidence; the claim is submitted and
accepted, and the carrier's credit note for the accepted amount is posted.
The customer, product and endpoint are made here under names of this test
only; the warehouse's and company's settings are put back afterwards (a
database without a chart of accounts gets Odoo's generic one, which stays).
"""

import sys
import uuid
from pathlib import Path

import pytest
import requests

from tests.e2e.helpers import pushing_simulator, wait_for, xml_id

SETUP = Path(__file__).resolve().parents[2] / "setup"
if str(SETUP) not in sys.path:
    sys.path.insert(0, str(SETUP))
from suite import stack  # noqa: E402

REQUEST_TIMEOUT = 30
SIMULATOR_START_TIMEOUT = 30
LOOP_TIMEOUT = 240  # seconds: release, 9 events through the webhook
POLL_INTERVAL = 1.0
ORDERED = 4
UNIT_PRICE = 80.0  # the order price: the value of the goods claimed
WAREHOUSE_FIELDS = ["tms_endpoint_id", "tms_release_trigger"]


def _wait(what, probe, timeout=LOOP_TIMEOUT):
    return wait_for(what, probe, timeout, POLL_INTERVAL)


@pytest.fixture
def loop(odoo_server):
    """The simulator pushing to Odoo and delivering with damage, a TMS
    endpoint, the warehouse released on confirmation, carrier credit notes
    posted at once."""
    tag = uuid.uuid4().hex[:8]
    code = "claim_loop_%s" % tag
    process, simulator_url, api_key, secret = pushing_simulator(
        odoo_server, code, "CLM%s-" % tag, SIMULATOR_START_TIMEOUT
    )
    warehouse_id = xml_id(odoo_server, "stock", "warehouse0")
    before = odoo_server.execute(
        "stock.warehouse", "read", [warehouse_id], fields=WAREHOUSE_FIELDS
    )[0]
    [company] = odoo_server.execute(
        "res.company",
        "search_read",
        [("id", "=", xml_id(odoo_server, "base", "main_company"))],
        fields=["freight_auto_post_bills"],
    )
    endpoint = odoo_server.execute(
        "logistics.endpoint",
        "create",
        {
            "name": "Claim loop TMS %s" % tag,
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
    _ensure_chart_of_accounts(odoo_server, company["id"])
    try:
        odoo_server.execute(
            "stock.warehouse",
            "write",
            [warehouse_id],
            {"tms_endpoint_id": endpoint, "tms_release_trigger": "order_confirmed"},
        )
        odoo_server.execute(
            "res.company", "write", [company["id"]], {"freight_auto_post_bills": True}
        )
        yield {"tag": tag, "simulator_url": simulator_url}
    finally:
        odoo_server.execute(
            "res.company",
            "write",
            [company["id"]],
            {"freight_auto_post_bills": company["freight_auto_post_bills"]},
        )
        odoo_server.execute(
            "stock.warehouse",
            "write",
            [warehouse_id],
            {
                "tms_endpoint_id": before["tms_endpoint_id"]
                and before["tms_endpoint_id"][0],
                "tms_release_trigger": before["tms_release_trigger"],
            },
        )
        secret_ids = odoo_server.execute(
            "logistics.endpoint.secret", "search", [("endpoint_id", "=", endpoint)]
        )
        odoo_server.execute("logistics.endpoint.secret", "unlink", secret_ids)
        stack.stop_process(process)


def _ensure_chart_of_accounts(odoo_server, company_id):
    """Vendor credit notes need a purchase journal: a database without any
    chart of accounts gets Odoo's generic one (once; it stays)."""
    journals = odoo_server.execute(
        "account.journal",
        "search",
        [("type", "=", "purchase"), ("company_id", "=", company_id)],
        limit=1,
    )
    if not journals:
        odoo_server.execute(
            "account.chart.template", "try_loading", [], "generic_coa", company_id
        )


def _confirmed_order(odoo_server, tag):
    product = odoo_server.execute(
        "product.product",
        "create",
        {
            "name": "Keg 30 l (claim loop %s)" % tag,
            "default_code": "KEG-CLM-%s" % tag,
            "is_storable": True,
            "list_price": UNIT_PRICE,
            "weight": 36.5,
        },
    )
    country = odoo_server.execute(
        "res.country", "search", [("code", "=", "BE")], limit=1
    )[0]
    customer = odoo_server.execute(
        "res.partner",
        "create",
        {
            "name": "Claim Loop Customer %s" % tag,
            "is_company": True,
            "country_id": country,
            "street": "Rue de la Gare 3",
            "city": "Leuze",
            "zip": "7904",
        },
    )
    order = odoo_server.execute(
        "sale.order",
        "create",
        {
            "partner_id": customer,
            "client_order_ref": "PO-CLAIM-LOOP",
            "order_line": [(0, 0, {"product_id": product, "product_uom_qty": ORDERED})],
        },
    )
    odoo_server.execute("sale.order", "action_confirm", [order])
    return order


def test_damage_reported_on_delivery_ends_in_a_posted_vendor_credit_note(
    odoo_server, loop
):
    requests.post(
        loop["simulator_url"] + "/_control/scenario",
        json={"damage_on_delivery": True},
        timeout=REQUEST_TIMEOUT,
    ).raise_for_status()
    order = _confirmed_order(odoo_server, loop["tag"])

    # Release, the timeline and the damage claim happen on their own.
    def opened_claim():
        shipments = odoo_server.execute(
            "logistics.shipment",
            "search_read",
            [("sale_order_id", "=", order)],
            fields=["name", "status", "carrier_id", "claim_ids"],
        )
        if shipments and shipments[0]["claim_ids"]:
            return shipments[0]
        return None

    shipment = _wait("the damage claim of order %s" % order, opened_claim)
    assert shipment["status"] == "delivered"
    assert shipment["carrier_id"][1] == "Speedy Freight"
    [claim] = odoo_server.execute(
        "logistics.claim",
        "read",
        shipment["claim_ids"],
        fields=[
            "name",
            "kind",
            "source",
            "state",
            "carrier_id",
            "amount_claimed",
            "description",
            "evidence_count",
            "source_message_id",
        ],
    )
    assert (claim["kind"], claim["source"], claim["state"]) == ("damage", "tms", "open")
    assert claim["carrier_id"] == shipment["carrier_id"]
    assert claim["amount_claimed"] == pytest.approx(ORDERED * UNIT_PRICE)
    assert "Goods damaged in transit" in claim["description"]
    assert "2 cartons crushed" in claim["description"]
    assert claim["evidence_count"] == 1, "the proof of delivery"
    [message] = odoo_server.execute(
        "logistics.message",
        "read",
        [claim["source_message_id"][0]],
        fields=["flow_code", "state", "result"],
    )
    assert (message["flow_code"], message["state"]) == ("tms.event", "done")
    assert message["result"]["claims"] == [claim["name"]]

    # The carrier accepts the claim: its credit note is posted.
    odoo_server.execute("logistics.claim", "action_submit", [claim["id"]])
    odoo_server.execute("logistics.claim", "action_accept", [claim["id"]])
    [decided] = odoo_server.execute(
        "logistics.claim",
        "read",
        [claim["id"]],
        fields=["state", "amount_accepted", "credit_note_id"],
    )
    assert decided["state"] == "accepted"
    assert decided["amount_accepted"] == pytest.approx(ORDERED * UNIT_PRICE)
    [credit_note] = odoo_server.execute(
        "account.move",
        "read",
        [decided["credit_note_id"][0]],
        fields=["move_type", "state", "partner_id", "amount_untaxed", "invoice_origin"],
    )
    assert (credit_note["move_type"], credit_note["state"]) == ("in_refund", "posted")
    assert credit_note["partner_id"] == shipment["carrier_id"]
    assert credit_note["amount_untaxed"] == pytest.approx(ORDERED * UNIT_PRICE)
    assert credit_note["invoice_origin"] == claim["name"]
    audit = odoo_server.execute(
        "logistics.audit.log",
        "search_read",
        [("res_model", "=", "logistics.claim"), ("res_id", "=", claim["id"])],
        fields=["action", "details"],
    )
    assert [a["action"] for a in audit] == ["claim", "claim", "claim"]
