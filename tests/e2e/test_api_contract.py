"""Property-based contract test: the served openapi.json is what the server does.

Schemathesis reads the description from a real running Odoo, generates valid and
invalid requests for every operation (examples, coverage, fuzzing phases) and
follows the links from POST /orders to the order's routes (stateful phase),
with every check it has: no 5xx, documented status codes, content types,
headers and answer schemas, invalid data refused, valid data accepted, missing
auth refused, unsupported methods answered 405...

The customer, its portal user, its API key (every scope), a draft shipment of
the customer and the product of the description's order example are made here,
under names of this test only (setup/test runs it on a copy of its database).
Bounded: a fixed seed, deterministic generation and few examples per operation.
"""

import json
import subprocess
import sys
import uuid
from pathlib import Path
from xml.etree import ElementTree

import schemathesis

from logistics_portal_api.lib import api_keys, openapi, throttle
from tests.e2e.helpers import portal_customer

API = "/api/logistics/v1"
CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20261129
MAX_EXAMPLES = 12
TIME_LIMIT = 600  # seconds; the run takes a few minutes on two cores
REQUEST_TIMEOUT = 30
STOCK = 1_000_000
RATE_LIMIT = 1_000_000  # the throttle has its own test; here it would only hide


def _seed_customer(odoo_server):
    """A customer company, its portal user and an API key with every scope."""
    country = odoo_server.execute(
        "res.country", "search", [("code", "=", "BE")], limit=1
    )[0]
    customer = portal_customer(
        odoo_server,
        "Contract Test",
        company={
            "country_id": country,
            "street": "Rue de la Gare 3",
            "city": "Leuze",
            "zip": "7904",
        },
        scopes=" ".join(api_keys.SCOPES),
        key={"rate_limit_per_minute": RATE_LIMIT},
    )
    return customer.company_id, customer.api_key


def _seed_shipment(odoo_server, customer):
    """A draft shipment of the customer (never sent: its TMS is not reachable)."""
    tag = uuid.uuid4().hex[:8]
    endpoint = odoo_server.execute(
        "logistics.endpoint",
        "create",
        {
            "name": "Contract test TMS %s" % tag,
            "code": "contract-test-%s" % tag,
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
    odoo_server.execute(
        "logistics.shipment",
        "create",
        {
            "endpoint_id": endpoint,
            "partner_id": customer,
            "shipper_id": shipper,
            "consignee_id": customer,
            "customer_po": "PO-4711",
        },
    )


def _seed_product(odoo_server):
    """The product of the description's order example, in stock."""
    code = openapi.EXAMPLE_PRODUCT_CODE
    found = odoo_server.execute(
        "product.product", "search", [("default_code", "=", code)]
    )
    product = (
        found[0]
        if found
        else odoo_server.execute(
            "product.product",
            "create",
            {
                "name": "Sample pallet (contract test)",
                "default_code": code,
                "list_price": 40.0,
                "is_storable": True,
                "weight": 20,
            },
        )
    )
    warehouse = odoo_server.execute(
        "stock.warehouse", "search_read", [], fields=["lot_stock_id"], limit=1
    )[0]
    quant = odoo_server.execute(
        "stock.quant",
        "create",
        {
            "product_id": product,
            "location_id": warehouse["lot_stock_id"][0],
            "inventory_quantity": STOCK,
        },
        context={"inventory_mode": True},
    )
    odoo_server.execute("stock.quant", "action_apply_inventory", [quant])


def _failures(report):
    """(test case name, message) of each failed JUnit test case."""
    root = ElementTree.parse(report).getroot()
    return [
        (case.get("name"), (problem.get("message") or problem.text or "")[:2000])
        for case in root.iter("testcase")
        for problem in (*case.findall("failure"), *case.findall("error"))
    ]


def _lift_failure_throttle(odoo_server):
    """Schemathesis refuses its own credentials on purpose, hundreds of times a
    minute from one address: the throttle of refusals (tested on its own in
    logistics_portal_api) would turn the rest of the run into 429s."""
    for kind in throttle.DEFAULT_LIMITS:
        odoo_server.execute(
            "ir.config_parameter",
            "set_param",
            "logistics_portal_api.limit.%s" % kind,
            str(RATE_LIMIT),
        )


def test_served_description_holds_for_every_operation(odoo_server, tmp_path):
    _lift_failure_throttle(odoo_server)
    customer, key = _seed_customer(odoo_server)
    _seed_product(odoo_server)
    _seed_shipment(odoo_server, customer)
    report = tmp_path / "junit.xml"
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{odoo_server.url}{API}/openapi.json",
        "--url",
        f"{odoo_server.url}{API}",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--workers",
        "1",
        "--request-timeout",
        str(REQUEST_TIMEOUT),
        "--header",
        f"X-API-Key: {key}",
        "--continue-on-failure",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    proc = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=tmp_path,  # its cache and reports stay out of the checkout
        timeout=TIME_LIMIT,
        check=False,
    )
    output = proc.stdout[-20000:] + proc.stderr[-5000:]
    (tmp_path / "schemathesis.log").write_text(proc.stdout + proc.stderr)
    failures = _failures(report) if report.is_file() else []
    assert proc.returncode == 0 and not failures, (
        output + "\n" + json.dumps(failures, indent=1)
    )


# What the linked routes need besides the reference: a body, in the order the
# links are walked (cancel last: it ends the order's life).
LINK_ORDER = ("GetOrder", "AmendOrder", "UploadDocument", "CancelOrder")
LINK_BODIES = {
    "AmendOrder": (openapi.REQUEST_EXAMPLES["OrderAmendment"], "application/json"),
    "UploadDocument": (
        {"file": b"%PDF-1.4\n% contract test\n%%EOF\n"},
        "multipart/form-data",
    ),
}


def _resolve(expression, answer):
    """`$response.body#/pointer` of an OpenAPI link, on a JSON answer."""
    prefix = "$response.body#"
    assert expression.startswith(prefix), expression
    value = answer
    for part in expression[len(prefix) :].strip("/").split("/"):
        value = value[part]
    return value


def test_links_of_a_new_order_lead_to_its_routes(odoo_server):
    """The stateful part, walked on purpose: the CLI's stateful phase draws
    random order bodies, which name products nobody stocks, so it seldom gets
    an order to follow. Here the description's own example order is placed
    (its product is seeded), then every link of its 201 answer is followed,
    each call checked by Schemathesis against the description."""
    _lift_failure_throttle(odoo_server)
    _customer, key = _seed_customer(odoo_server)
    _seed_product(odoo_server)
    base_url = f"{odoo_server.url}{API}"
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    headers = {"X-API-Key": key}
    create = schema.find_operation_by_id("post_orders")
    order = create.Case(
        body=openapi.REQUEST_EXAMPLES["OrderSubmission"],
        headers={"Idempotency-Key": uuid.uuid4().hex},
        media_type="application/json",
    ).call_and_validate(base_url=base_url, headers=headers)
    assert order.status_code == 201, order.text
    links = create.definition.raw["responses"]["201"]["links"]
    assert sorted(links) == sorted(LINK_ORDER)
    for name in LINK_ORDER:
        link = links[name]
        operation = schema.find_operation_by_id(link["operationId"])
        body, media_type = LINK_BODIES.get(name, (None, None))
        case_kwargs = {"body": body, "media_type": media_type} if body else {}
        answer = operation.Case(
            path_parameters={
                argument: _resolve(expression, order.json())
                for argument, expression in link["parameters"].items()
            },
            **case_kwargs,
        ).call_and_validate(base_url=base_url, headers=headers)
        assert answer.status_code < 300, (name, answer.status_code, answer.text)
