"""Seed a benchmark database; run by ``odoo shell`` (stdin), never imported.

Reads BENCH_PARAMS (JSON) and prints ``BENCH_RESULT <json>`` with the ids and
credentials the scenarios need. Bulk shipments are inserted later with SQL
(``harness/seed.py``): this script makes what must go through the ORM.
"""

import json
import os
from datetime import datetime, timedelta

from odoo import Command

PORTAL_SCOPES = ["orders:write", "orders:read", "shipments:read", "documents:read"]
# The customer API counts every call against the key: the benchmark must not
# be throttled (429) by the default 120 calls a minute.
BENCH_RATE_LIMIT = 10_000_000
STOCK_QUANTITY = 10_000_000
PRODUCT_CODE = "BENCH-PALLET"
PORTAL_LOGIN = "bench-portal@example.com"
PORTAL_TMS_REFERENCE = "BENCH-PORTAL-0001"
MILESTONE_CODES = ["TA", "CR", "X3", "AF", "X6", "AG", "SD", "AG", "X6", "AG"]


def endpoint(env, code, protocol, base_url, params):
    Endpoint = env["logistics.endpoint"]
    record = Endpoint.create(
        {
            "name": "Bench TMS (%s)" % protocol.upper(),
            "code": code,
            "system": "tms",
            "protocol": protocol,
            "base_url": base_url,
            "auth_method": "api_key",
            "api_key_header": "X-API-Key",
        }
    )
    env["logistics.endpoint.secret"].create(
        [
            {"endpoint_id": record.id, "kind": "api_key", "value": params["api_key"]},
            {
                "endpoint_id": record.id,
                "kind": "hmac",
                "value": params["webhook_secret"],
            },
        ]
    )
    return record


def customer(env):
    country = env.ref("base.be")
    company = env["res.partner"].create(
        {
            "name": "Bench Customer BV",
            "is_company": True,
            "street": "Kouter 1",
            "city": "Ghent",
            "zip": "9000",
            "country_id": country.id,
            "email": "orders@bench-customer.example.com",
        }
    )
    contact = env["res.partner"].create(
        {
            "name": "Bench Buyer",
            "parent_id": company.id,
            "email": PORTAL_LOGIN,
        }
    )
    user = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": contact.name,
                "login": PORTAL_LOGIN,
                "partner_id": contact.id,
                "groups_id": [Command.set([env.ref("base.group_portal").id])],
            }
        )
    )
    key, full_key = env["logistics.api.key"]._issue(user, PORTAL_SCOPES, "Bench")
    key.rate_limit_per_minute = BENCH_RATE_LIMIT
    return company, full_key


def product(env):
    tax = env["account.tax"].search(
        [("type_tax_use", "=", "sale"), ("company_id", "=", env.company.id)], limit=1
    )
    record = env["product.product"].create(
        {
            "name": "Bench pallet",
            "default_code": PRODUCT_CODE,
            "type": "consu",
            "is_storable": True,
            "sale_ok": True,
            "list_price": 100.0,
            "weight": 12.5,
            "taxes_id": [Command.set(tax.ids)],
        }
    )
    warehouse = env.ref("stock.warehouse0")
    env["stock.quant"]._update_available_quantity(
        record, warehouse.lot_stock_id, STOCK_QUANTITY
    )
    return record


def portal_shipment(env, tms, partner, milestones):
    """A shipment of the API customer with a timeline of ``milestones`` steps."""
    now = datetime.now().replace(microsecond=0)
    shipment = env["logistics.shipment"].create(
        {
            "endpoint_id": tms.id,
            "partner_id": partner.id,
            "shipper_id": env.company.partner_id.id,
            "consignee_id": partner.id,
            "status": "in_transit",
            "tms_reference": PORTAL_TMS_REFERENCE,
            "eta": now + timedelta(days=1),
        }
    )
    env["logistics.shipment.milestone"].create(
        [
            {
                "shipment_id": shipment.id,
                "code": MILESTONE_CODES[n % len(MILESTONE_CODES)],
                "tms_code": "BENCH",
                "event_time": now - timedelta(hours=milestones - n),
                "location": "Hub %s, Antwerp, BE" % n,
            }
            for n in range(milestones)
        ]
    )
    return shipment


def rpc_baseline_access(env):
    """Let the JSON-RPC baseline client (admin) write milestones itself.

    The suite writes milestones only from integration code (no group may
    create them); the baseline plays a client that writes them directly.
    """
    env["ir.model.access"].create(
        {
            "name": "bench: JSON-RPC baseline writes milestones",
            "model_id": env["ir.model"]._get_id("logistics.shipment.milestone"),
            "group_id": env.ref("base.group_system").id,
            "perm_read": True,
            "perm_write": True,
            "perm_create": True,
            "perm_unlink": False,
        }
    )


def seed(env, params):
    rest = endpoint(env, "bench", "rest", params["simulator_url"] + "/api/v1/", params)
    soap = endpoint(
        env, "bench_soap", "soap", params["simulator_url"] + "/soap", params
    )
    partner, api_key = customer(env)
    item = product(env)
    warehouse = env.ref("stock.warehouse0")
    warehouse.write(
        {"tms_endpoint_id": rest.id, "tms_release_trigger": "order_confirmed"}
    )
    shipment = portal_shipment(env, rest, partner, params["portal_milestones"])
    rpc_baseline_access(env)
    flow = env["logistics.flow"]._get_by_code("tms.event")
    env.cr.commit()  # the shell rolls back otherwise
    return {
        "company_id": env.company.id,
        "company_partner_id": env.company.partner_id.id,
        "endpoint_id": rest.id,
        "soap_endpoint_id": soap.id,
        "customer_id": partner.id,
        "api_key": api_key,
        "product_code": item.default_code,
        "product_id": item.id,
        "product_uom_id": item.uom_id.id,
        "portal_shipment": shipment.name,
        "tms_event_flow_id": flow.id,
        "admin_uid": env.ref("base.user_admin").id,
    }


if "env" in globals():
    result = seed(globals()["env"], json.loads(os.environ["BENCH_PARAMS"]))
    print("BENCH_RESULT " + json.dumps(result), flush=True)
