# Demo data of the run command, run inside `odoo shell` (where `env` exists).
# Idempotent: re-running updates what is there. Reads its settings from the
# environment (set by setup/suite/serve.py):
#   LOGISTICS_DEMO_TMS_URL         base URL of the TMS (simulator or real)
#   LOGISTICS_DEMO_TMS_API_KEY     the TMS's API key
#   LOGISTICS_DEMO_WEBHOOK_SECRET  HMAC secret of the TMS's webhooks
#   LOGISTICS_DEMO_SOAP            "1": also a SOAP endpoint on the simulator
#   LOGISTICS_DEMO_KEYS_FILE       where the customers' API keys are written
#   LOGISTICS_DEMO_FOREIGN_TMS_URL, _CLIENT_ID, _SECRET
#                                  the foreign-dialect TMS, if started
#   LOGISTICS_DEMO_EDI_ROOT        the EDI carrier simulator's folder, if started
# ruff: noqa: F821 - `env` is given by odoo shell
import json
import os
from pathlib import Path

TMS_URL = os.environ["LOGISTICS_DEMO_TMS_URL"].rstrip("/")
KEYS_FILE = Path(os.environ["LOGISTICS_DEMO_KEYS_FILE"])
SCOPES = [
    "orders:write",
    "orders:read",
    "shipments:read",
    "documents:read",
    "invoices:read",
    "webhooks:manage",
]
CUSTOMERS = [
    # name, city, country, credit limit, shortage policy
    ("Brasserie Dupont", "Leuze", "be", 0.0, "backorder"),
    ("Café Central", "Ghent", "be", 600.0, "backorder"),
    ("Hotel Astoria", "Brussels", "be", 0.0, "hold"),
    # Routed to the foreign-dialect TMS when it runs (foreign_tms_endpoint).
    ("Grand Café Amsterdam", "Amsterdam", "nl", 0.0, "backorder"),
    # Routed to the EDI carrier when it runs (edi_carrier).
    ("Brasserie du Grund", "Luxembourg", "lu", 0.0, "backorder"),
]
PRODUCTS = [
    # code, name, price, weight kg, stock
    ("KEG30", "Keg 30 l", 80.0, 36.5, 500),
    ("CRATE24", "Crate of 24 bottles", 30.0, 14.0, 800),
    ("GLASS6", "Tasting glasses (6)", 18.0, 2.0, 40),
    ("PALLET", "Mixed pallet", 950.0, 450.0, 0),
]
CARRIERS = [("Speedy Freight", "SPDF"), ("Northern Haulage", "NHLG")]


def upsert(model, domain, values):
    record = env[model].with_context(active_test=False).search(domain, limit=1)
    if record:
        record.write(values)
        return record
    return env[model].create(values)


def endpoint(code, name, protocol, base_url):
    record = upsert(
        "logistics.endpoint",
        [("code", "=", code)],
        {
            "name": name,
            "code": code,
            "system": "tms",
            "protocol": protocol,
            "base_url": base_url,
            "auth_method": "api_key",
            "api_key_header": "X-API-Key",
            "active": True,
            "purpose": "Demo TMS: plans and executes the shipments.",
            "owner_id": env.ref("base.user_admin").id,
            "dependencies": "The TMS simulator started by setup/run.",
        },
    )
    record.secret_ids.unlink()
    env["logistics.endpoint.secret"].create(
        [
            {"endpoint_id": record.id, "kind": kind, "value": value}
            for kind, value in (
                ("api_key", os.environ["LOGISTICS_DEMO_TMS_API_KEY"]),
                ("hmac", os.environ["LOGISTICS_DEMO_WEBHOOK_SECRET"]),
            )
        ]
    )
    record.flow_ids = env["logistics.flow"].search(
        [
            (
                "code",
                "in",
                [
                    "shipment.release",
                    "shipment.amend",
                    "shipment.cancel",
                    "shipment.redeliver",
                    "tms.event",
                    "freight.charge",
                ],
            )
        ]
    )
    return record


rest = endpoint("simulator", "TMS simulator (REST)", "rest", TMS_URL + "/api/v1/")
if os.environ.get("LOGISTICS_DEMO_SOAP") == "1":
    endpoint("simulator_soap", "TMS simulator (SOAP)", "soap", TMS_URL + "/soap")


def foreign_tms_endpoint():
    """The foreign-dialect TMS, connected by the shipped partner template
    (no code of its own), and the routing rule sending it the orders to the
    Netherlands; None when setup/run did not start it."""
    url = os.environ.get("LOGISTICS_DEMO_FOREIGN_TMS_URL")
    if not url:
        return None
    base = url.rstrip("/") + "/"
    client_id = os.environ["LOGISTICS_DEMO_FOREIGN_TMS_CLIENT_ID"]
    secret = os.environ["LOGISTICS_DEMO_FOREIGN_TMS_SECRET"]
    record = (
        env["logistics.endpoint"]
        .with_context(active_test=False)
        .search([("code", "=", "foreign_tms")], limit=1)
    )
    if not record:
        action = (
            env["logistics.endpoint.template.wizard"]
            .create(
                {
                    "template": "generic_json_tms",
                    "name": "Foreign TMS (Generic JSON template)",
                    "code": "foreign_tms",
                    "base_url": base,
                    "oauth_client_id": client_id,
                    "client_secret": secret,
                }
            )
            .action_create()
        )
        record = env["logistics.endpoint"].browse(action["res_id"])
    else:
        # A new process: another port, another secret, its feed from the start.
        record.write(
            {
                "active": True,
                "base_url": base,
                "oauth_token_url": base + "oauth/token",
                "oauth_client_id": client_id,
                "tms_poll_cursor": False,
            }
        )
        record.secret_ids.unlink()
        env["logistics.endpoint.secret"].create(
            {"endpoint_id": record.id, "kind": "client_secret", "value": secret}
        )
    record.write(
        {
            "purpose": "Demo TMS of another JSON dialect, connected by the "
            "shipped Generic JSON TMS template: shipments to the Netherlands.",
            "owner_id": env.ref("base.user_admin").id,
            "dependencies": "The foreign TMS process started by setup/run.",
        }
    )
    upsert(
        "logistics.routing.rule",
        [("name", "=", "Netherlands: foreign-dialect TMS")],
        {
            "name": "Netherlands: foreign-dialect TMS",
            "sequence": 20,
            "endpoint_id": record.id,
            "country_ids": [(6, 0, [env.ref("base.nl").id])],
            "active": True,
        },
    )
    return record


foreign_tms_endpoint()
warehouse = env.ref("stock.warehouse0")
warehouse.write(
    {
        "tms_endpoint_id": rest.id,
        "tms_release_trigger": "order_confirmed",
        # The carrier's pickup validates the delivery order (demo_invoice).
        "tms_validation_trigger": "pickup",
    }
)
# Customer returns (demo_customer_return): small returns approved at once.
warehouse.company_id.write(
    {"logistics_return_auto_max_qty": 2, "logistics_return_auto_max_value": 500}
)

eur = env.ref("base.EUR")
eur.active = True
# Invoices on delivery, credit notes and claims' vendor credit notes need
# journals: a company without a chart of accounts gets Odoo's generic one.
if not env.company.chart_template:
    env["account.chart.template"].try_loading(
        "generic_coa", env.company, install_demo=False
    )
stock = env.ref("stock.stock_location_stock")
for code, name, price, weight, quantity in PRODUCTS:
    product = upsert(
        "product.product",
        [("default_code", "=", code)],
        {
            "name": name,
            "default_code": code,
            "list_price": price,
            "weight": weight,
            "is_storable": True,
            "sale_ok": True,
            "invoice_policy": "delivery",
        },
    )
    missing = quantity - product.qty_available
    if missing > 0:
        env["stock.quant"]._update_available_quantity(product, stock, missing)

pricelist = upsert(
    "product.pricelist",
    [("name", "=", "Horeca prices")],
    {
        "name": "Horeca prices",
        "item_ids": [
            (5, 0, 0),
            (
                0,
                0,
                {
                    "applied_on": "3_global",
                    "compute_price": "percentage",
                    "percent_price": 5.0,
                },
            ),
        ],
    },
)
RATES = (
    # charge type, basis, rate, minimum: what the carriers agreed to charge
    ("base", "per_kg", 0.35, 45.0),
    ("tail_lift", "per_shipment", 35.0, 0.0),
)


def carrier_with_rate_card(name, scac, lines):
    """The carrier (by its SCAC) and its 2026 rate card, whose lines are
    (charge type code, basis, rate, minimum amount)."""
    carrier = upsert(
        "res.partner",
        [("scac_code", "=", scac)],
        {"name": name, "scac_code": scac, "is_company": True},
    )
    upsert(
        "logistics.freight.rate.card",
        [("carrier_id", "=", carrier.id), ("name", "=", "%s 2026" % scac)],
        {
            "name": "%s 2026" % scac,
            "carrier_id": carrier.id,
            "currency_id": eur.id,
            "date_from": "2026-01-01",
            "line_ids": [(5, 0, 0)]
            + [
                (
                    0,
                    0,
                    {
                        "charge_type_id": env.ref(
                            "logistics_freight_settlement.charge_type_%s" % code
                        ).id,
                        "basis": basis,
                        "rate": rate,
                        "minimum_amount": minimum,
                    },
                )
                for code, basis, rate, minimum in lines
            ],
        },
    )
    return carrier


for name, scac in CARRIERS:
    carrier_with_rate_card(name, scac, RATES)

keys = {}
for name, city, country, credit_limit, policy in CUSTOMERS:
    customer = upsert(
        "res.partner",
        [("name", "=", name), ("is_company", "=", True)],
        {
            "name": name,
            "is_company": True,
            "city": city,
            "country_id": env.ref("base.%s" % country).id,
            "credit_limit": credit_limit,
            "portal_shortage_policy": policy,
            "freight_terms": "prepaid_and_add",
            "property_product_pricelist": pricelist.id,
        },
    )
    login = name.lower().replace(" ", ".").replace("é", "e") + "@demo.invalid"
    user = (
        env["res.users"].with_context(active_test=False).search([("login", "=", login)])
    )
    if not user:
        user = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": name + " (portal)",
                    "login": login,
                    "password": login,
                    "groups_id": [(6, 0, [env.ref("base.group_portal").id])],
                }
            )
        )
        user.partner_id.parent_id = customer
    env["logistics.api.key"].search([("user_id", "=", user.id)]).action_revoke()
    _key, full_key = env["logistics.api.key"]._issue(user, SCOPES, "Demo driver")
    _key.rate_limit_per_minute = 600
    keys[name] = {"login": login, "password": login, "api_key": full_key}

# One customer is invoiced when the TMS reports the delivery (demo_invoice),
# and credited when a refused delivery comes back (demo_refused).
env["res.partner"].search(
    [("name", "=", "Brasserie Dupont"), ("is_company", "=", True)]
).write(
    {"logistics_invoice_on_delivery": True, "logistics_return_credit_policy": "posted"}
)

# Settle freight every few minutes in the demo (daily in production).
settlement = env.ref("logistics_freight_settlement.ir_cron_freight_settlement")
settlement.write({"interval_number": 5, "interval_type": "minutes"})


def edi_carrier():
    """An EDI carrier (X12 files in the drop folder answered by the EDI partner
    simulator started by setup/run), the rate card its 210s are checked
    against, and the routing rule sending it the shipments to Luxembourg;
    None when setup/run did not start it."""
    root = os.environ.get("LOGISTICS_DEMO_EDI_ROOT")
    if not root:
        return None
    carrier_with_rate_card(
        "Lowlands Express",
        EDI_SCAC,
        [(code, "per_shipment", rate, 0.0) for code, rate in EDI_RATES],
    )
    flows = env["logistics.flow"].search([("code", "in", EDI_FLOWS)])
    record = upsert(
        "logistics.endpoint",
        [("code", "=", "edi_carrier")],
        {
            "name": "EDI carrier (X12)",
            "code": "edi_carrier",
            "system": "tms",
            "protocol": "folder",
            "file_directory": str(Path(root) / "to_partner"),
            "edi_inbound_directory": str(Path(root) / "from_partner"),
            "edi_standard": "x12",
            "edi_interchange_id": "DEMOODOO",
            "edi_partner_interchange_id": EDI_SCAC,
            "edi_scac": EDI_SCAC,
            "active": True,
            "purpose": "Demo EDI carrier: 204 tenders out; 990, 214, 210, 997 in.",
            "owner_id": env.ref("base.user_admin").id,
            "dependencies": "The EDI partner simulator started by setup/run, "
            "answering in a drop folder under .run/ (the server option "
            "logistics_file_roots allows it).",
            "flow_ids": [(6, 0, flows.ids)],
        },
    )
    upsert(
        "logistics.routing.rule",
        [("name", "=", EDI_RULE)],
        {
            "name": EDI_RULE,
            "sequence": 10,
            "active": True,
            "endpoint_id": record.id,
            "country_ids": [(6, 0, [env.ref("base.lu").id])],
        },
    )
    return record


EDI_SCAC = "LWLX"  # setup/suite/edi_partner.py starts the simulator with it
EDI_RATES = (("base", 140.0), ("fuel", 12.5))  # what the simulator's 210s charge
EDI_RULE = "Luxembourg: EDI carrier (X12)"
EDI_FLOWS = [
    "shipment.release",
    "shipment.amend",
    "shipment.cancel",
    "tms.event",
    "freight.invoice",
    "edi.acknowledgement",
    "edi.acknowledgement.send",
]
edi_carrier()
env.cr.commit()  # odoo shell does not commit by itself
KEYS_FILE.write_text(json.dumps(keys, indent=2))
KEYS_FILE.chmod(0o600)
print("demo data ready: %s customers, keys in %s" % (len(keys), KEYS_FILE))
