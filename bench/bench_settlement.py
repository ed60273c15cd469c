"""Benchmark: the scheduled freight settlement run over 10,000 approved charges.

Run it against a database where ``logistics_freight_settlement`` is installed,
either as a small command line::

    .venv/bin/python bench/bench_settlement.py -c /tmp/freight.conf \\
        -d logistics_freight_dev [--charges 10000] [--carriers 10] \\
        [--chunk-size 500] [--rebill-share 0.25]

or through Odoo's shell (defaults only)::

    .venv/bin/python -m odoo shell -c /tmp/freight.conf -d logistics_freight_dev \\
        < bench/bench_settlement.py

What it does, in one transaction that is rolled back at the end (the database
is left as it was):

1. creates ``--carriers`` carriers, two customers (freight terms *included*
   and *prepaid and add*), and shipments with two approved charges each (base
   freight and fuel surcharge, in the company currency) until there are
   ``--charges`` charges; ``--rebill-share`` of the shipments belong to the
   prepaid-and-add customer, so the run also rebills them;
2. runs the scheduled settlement (``logistics.freight.settlement._cron_settle``):
   it enqueues real ``queue_job`` jobs (stored in ``queue_job``), which are then
   loaded and performed one after the other **in this process** (the job runner
   is not involved: no HTTP round trip, no parallel workers);
3. measures wall time (set-up, enqueue, jobs), counts vendor bills, bill lines
   and customer invoices, checks every charge ended billed or rebilled;
4. writes ``bench/results/settlement.json`` and ``settlement.md`` (git-ignored)
   and prints the Markdown table.
"""

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry

TARGET_SECONDS = 60.0
DEFAULT_CHARGES = 10_000
DEFAULT_CARRIERS = 10
DEFAULT_CHUNK_SIZE = 500
DEFAULT_REBILL_SHARE = 0.25
CHARGES_PER_SHIPMENT = 2
SHIPMENT_BATCH = 500
BASE_AMOUNT = 120.0
FUEL_AMOUNT = 21.6
# In `odoo shell`, the script is exec'd without __file__: run it from the repository.
HERE = Path(globals().get("__file__") or "bench/bench_settlement.py").resolve().parent
RESULTS = HERE / "results"
CHUNK_PARAM = "logistics_freight_settlement.chunk_size"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration")
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--charges", type=int, default=DEFAULT_CHARGES)
    parser.add_argument("--carriers", type=int, default=DEFAULT_CARRIERS)
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)
    parser.add_argument("--rebill-share", type=float, default=DEFAULT_REBILL_SHARE)
    return parser.parse_args(argv)


class Timer:
    def __init__(self):
        self.started = time.perf_counter()

    def lap(self):
        now = time.perf_counter()
        elapsed, self.started = now - self.started, now
        return round(elapsed, 2)


# --- set-up -----------------------------------------------------------------


def setup(env, options):
    """Carriers, customers, shipments and their approved charges."""
    company = env.company
    quiet = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
    Partner = env["res.partner"].with_context(**quiet)
    carriers = Partner.create(
        [
            {
                "name": "Bench carrier %s" % n,
                "scac_code": "BENCH%s" % n,
                "is_company": True,
            }
            for n in range(options.carriers)
        ]
    )
    included = Partner.create(
        {
            "name": "Bench customer (included)",
            "is_company": True,
            "freight_terms": "included",
        }
    )
    prepaid = Partner.create(
        {
            "name": "Bench customer (prepaid and add)",
            "is_company": True,
            "freight_terms": "prepaid_and_add",
        }
    )
    endpoint = env["logistics.endpoint"].create(
        {
            "name": "Bench TMS",
            "code": "bench_tms_%s" % int(time.time()),
            "system": "tms",
            "base_url": "http://127.0.0.1:9/api/v1/",
        }
    )
    product = env.ref("logistics_freight_settlement.product_product_freight")
    base = env.ref("logistics_freight_settlement.charge_type_base")
    fuel = env.ref("logistics_freight_settlement.charge_type_fuel")
    shipments_needed = -(-options.charges // CHARGES_PER_SHIPMENT)
    rebill_every = round(1 / options.rebill_share) if options.rebill_share else 0
    Shipment = env["logistics.shipment"].with_context(**quiet)
    Charge = env["logistics.freight.charge"].with_context(**quiet)
    created = 0
    for start in range(0, shipments_needed, SHIPMENT_BATCH):
        numbers = range(start, min(start + SHIPMENT_BATCH, shipments_needed))
        shipments = Shipment.create(
            [
                {
                    "endpoint_id": endpoint.id,
                    "partner_id": _customer(n, rebill_every, included, prepaid).id,
                    "shipper_id": company.partner_id.id,
                    "consignee_id": included.id,
                    "tms_reference": "BENCH-%06d" % n,
                    "status": "delivered",
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "uom_id": product.uom_id.id,
                                "quantity": 1,
                                "weight_kg": 100.0,
                            }
                        )
                    ],
                }
                for n in numbers
            ]
        )
        vals_list = []
        for n, shipment in zip(numbers, shipments, strict=True):
            customer = _customer(n, rebill_every, included, prepaid)
            carrier = carriers[n % len(carriers)]
            for charge_type, amount in ((base, BASE_AMOUNT), (fuel, FUEL_AMOUNT)):
                if created + len(vals_list) >= options.charges:
                    break
                vals_list.append(
                    {
                        "shipment_id": shipment.id,
                        "carrier_id": carrier.id,
                        "charge_type_id": charge_type.id,
                        "currency_id": company.currency_id.id,
                        "expected_amount": amount,
                        "expected_source": "tender",
                        "tms_amount": amount,
                        "tms_reported_at": datetime.now(timezone.utc).replace(
                            tzinfo=None
                        ),
                        "approved_amount": amount,
                        "decision": "match",
                        "freight_terms": customer.freight_terms,
                        "state": "approved",
                    }
                )
        Charge.create(vals_list)
        created += len(vals_list)
    env.flush_all()
    return carriers, prepaid


def _customer(number, rebill_every, included, prepaid):
    return prepaid if rebill_every and number % rebill_every == 0 else included


# --- the run ----------------------------------------------------------------


def run_jobs(env, since_id):
    """Perform, in this process, the jobs enqueued since ``since_id``."""
    # Addons import once the configuration gave Odoo its addons path.
    from odoo.addons.queue_job.job import Job  # noqa: PLC0415

    performed = 0
    for _round in range(10):  # jobs may enqueue jobs; bounded
        records = env["queue.job"].search(
            [("id", ">", since_id), ("state", "=", "pending")], order="id"
        )
        if not records:
            break
        for uuid in records.mapped("uuid"):
            job = Job.load(env, uuid)
            job.set_started()
            job.set_done(result=job.perform())
            job.store()
            performed += 1
    return performed


def bench(env, options):
    env["ir.config_parameter"].sudo().set_param(CHUNK_PARAM, str(options.chunk_size))
    timer = Timer()
    carriers, prepaid = setup(env, options)
    setup_seconds = timer.lap()
    Charge = env["logistics.freight.charge"]
    charges = Charge.search([("carrier_id", "in", carriers.ids)])
    last_job = env["queue.job"].search([], order="id desc", limit=1).id or 0
    queued = env["logistics.freight.settlement"]._cron_settle()
    env.flush_all()
    enqueue_seconds = timer.lap()
    performed = run_jobs(env, last_job)
    env.flush_all()
    jobs_seconds = timer.lap()
    charges.invalidate_recordset()
    states = {state: len(group) for state, group in charges.grouped("state").items()}
    bills = charges.vendor_bill_id
    invoices = charges.customer_invoice_id
    settlement_seconds = round(enqueue_seconds + jobs_seconds, 2)
    return {
        "benchmark": "freight settlement run",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "database": env.cr.dbname,
        "mode": "queue_job jobs stored, then performed one by one in this process "
        "(no job runner, no parallel workers)",
        "charges": len(charges),
        "carriers": len(carriers),
        "chunk_size": options.chunk_size,
        "rebill_share": options.rebill_share,
        "jobs_queued": queued,
        "jobs_performed": performed,
        "vendor_bills": len(bills),
        "vendor_bill_lines": len(bills.invoice_line_ids),
        "customer_invoices": len(invoices),
        "rebilled_charges": states.get("rebilled", 0),
        "final_states": states,
        "all_settled": set(states) <= {"billed", "rebilled"},
        "rebill_customer_charges": len(
            charges.filtered(lambda c: c.customer_id == prepaid)
        ),
        "setup_seconds": setup_seconds,
        "enqueue_seconds": enqueue_seconds,
        "jobs_seconds": jobs_seconds,
        "settlement_seconds": settlement_seconds,
        "charges_per_second": round(len(charges) / settlement_seconds, 1)
        if settlement_seconds
        else None,
        "target_seconds": TARGET_SECONDS,
        "target_met": settlement_seconds < TARGET_SECONDS,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


def markdown(result):
    rows = [
        ("charges", result["charges"]),
        ("carriers", result["carriers"]),
        ("chunk size", result["chunk_size"]),
        (
            "jobs queued / performed",
            "%s / %s" % (result["jobs_queued"], result["jobs_performed"]),
        ),
        (
            "vendor bills (lines)",
            "%s (%s)" % (result["vendor_bills"], result["vendor_bill_lines"]),
        ),
        (
            "customer invoices (rebilled charges)",
            "%s (%s)" % (result["customer_invoices"], result["rebilled_charges"]),
        ),
        ("every charge billed or rebilled", "yes" if result["all_settled"] else "NO"),
        ("set-up (not measured)", "%.2f s" % result["setup_seconds"]),
        ("enqueue (scheduled run)", "%.2f s" % result["enqueue_seconds"]),
        ("jobs performed", "%.2f s" % result["jobs_seconds"]),
        ("**settlement wall time**", "**%.2f s**" % result["settlement_seconds"]),
        ("charges per second", result["charges_per_second"]),
        (
            "target < %d s" % result["target_seconds"],
            "met" if result["target_met"] else "MISSED",
        ),
    ]
    lines = [
        "# Freight settlement benchmark",
        "",
        "%s, database `%s`, %s CPU(s), Python %s. Mode: %s."
        % (
            result["date"],
            result["database"],
            result["cpus"],
            result["python"],
            result["mode"],
        ),
        "",
        "| measure | value |",
        "|---|---|",
        *("| %s | %s |" % row for row in rows),
        "",
    ]
    return "\n".join(lines)


def write(result):
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "settlement.json").write_text(json.dumps(result, indent=2) + "\n")
    table = markdown(result)
    (RESULTS / "settlement.md").write_text(table)
    sys.stdout.write(table)


def run_in(env, options):
    """Benchmark in ``env``'s transaction, then roll everything back."""
    try:
        result = bench(env, options)
    finally:
        env.cr.rollback()
        env.invalidate_all()
    write(result)
    return result


def main(argv=None):
    options = parse_args(argv)
    odoo.tools.config.parse_config(["-c", options.config, "-d", options.database])
    registry = Registry(options.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        run_in(env, options)


if "env" in globals():  # odoo shell < bench/bench_settlement.py (also "__main__")
    run_in(
        globals()["env"],
        argparse.Namespace(
            charges=DEFAULT_CHARGES,
            carriers=DEFAULT_CARRIERS,
            chunk_size=DEFAULT_CHUNK_SIZE,
            rebill_share=DEFAULT_REBILL_SHARE,
        ),
    )
elif __name__ == "__main__":
    main()
