from odoo import Command
from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import FreightCase


@tagged("post_install", "-at_install")
class TestSettlement(FreightCase):
    """The scheduled run: chunks, carrier bills, rebilling by freight terms."""

    def approved_charges(self, customer=None, lines=None, carrier_scac="SPDF", **kw):
        shipment = self.make_shipment(customer=customer, **kw)
        self.send_charges(
            shipment,
            lines
            or [
                self.charge_line("400", 100.0, expected=100.0),
                self.charge_line("FUE", 18.0, expected=18.0),
            ],
            carrier={"scac": carrier_scac},
        )
        charges = self.charges_of(shipment)
        self.assertEqual(set(charges.mapped("state")), {"approved"})
        return charges

    def order_with_draft_invoice(self, customer):
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.service_product.id,
                            "product_uom_qty": 1,
                            "price_unit": 500.0,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        return order, order._create_invoices()

    def freight_lines(self, invoice):
        return invoice.invoice_line_ids.filtered("freight_charge_id")

    # ------------------------------------------------------------------
    # rebilling by freight terms

    def test_prepaid_and_add_is_added_to_the_orders_draft_invoice(self):
        customer = self.customer_with_terms("prepaid_and_add")
        order, invoice = self.order_with_draft_invoice(customer)
        charges = self.approved_charges(customer, sale_order=order)
        self.settle()
        self.assertEqual(charges.mapped("state"), ["rebilled", "rebilled"])
        self.assertEqual(charges.mapped("freight_terms"), ["prepaid_and_add"] * 2)
        self.assertEqual(charges.customer_invoice_id, invoice)
        self.assertTrue(charges.vendor_bill_id, "the carrier is paid too")
        self.assertRecordValues(
            self.freight_lines(invoice),
            [
                {"price_unit": 100.0, "account_id": self.freight_income.id},
                {"price_unit": 18.0, "account_id": self.freight_income.id},
            ],
        )
        self.assertEqual(invoice.amount_untaxed, 618.0)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(sum(charges.mapped("rebilled_amount_company")), 118.0)

    def test_prepaid_and_add_is_invoiced_separately(self):
        customer = self.customer_with_terms(
            "prepaid_and_add", freight_invoice_separately=True
        )
        order, order_invoice = self.order_with_draft_invoice(customer)
        charges = self.approved_charges(customer, sale_order=order)
        without_order = self.approved_charges(customer)
        self.settle()
        invoice = charges.customer_invoice_id
        self.assertNotEqual(invoice, order_invoice)
        self.assertFalse(self.freight_lines(order_invoice))
        self.assertEqual(without_order.customer_invoice_id, invoice, "one per customer")
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "currency_id": order.currency_id.id,
                    "amount_untaxed": 236.0,
                    "state": "draft",
                }
            ],
        )
        self.assertIn(order.name, invoice.invoice_origin)

    def test_prepaid_and_add_in_another_currency_is_rebilled_converted(self):
        eur = self.setup_other_currency("EUR")
        customer = self.customer_with_terms("prepaid_and_add")
        shipment = self.make_shipment(customer=customer)
        self.send_charges(
            shipment, [self.charge_line("400", 100.0, expected=100.0)], currency=eur
        )
        charge = self.charges_of(shipment)
        self.settle()
        self.assertEqual(charge.vendor_bill_id.currency_id, eur)
        self.assertEqual(charge.customer_invoice_id.currency_id, self.currency)
        self.assertEqual(
            self.freight_lines(charge.customer_invoice_id).price_unit, 50.0
        )

    def test_included_is_billed_and_not_rebilled(self):
        customer = self.customer_with_terms("included")
        charges = self.approved_charges(customer)
        self.settle()
        self.assertEqual(charges.mapped("state"), ["billed", "billed"])
        self.assertFalse(charges.customer_invoice_id)
        self.assertEqual(charges.vendor_bill_id.amount_untaxed, 118.0)

    def test_collect_is_neither_billed_nor_rebilled(self):
        customer = self.customer_with_terms("collect")
        shipment = self.make_shipment(customer=customer)
        self.send_charges(
            shipment,
            [
                self.charge_line("400", 100.0, expected=100.0),
                self.charge_line("FUE", 50.0, expected=18.0),
            ],
        )
        charges = self.charges_of(shipment)
        self.assertEqual(charges.mapped("state"), ["collect", "collect"])
        self.assertFalse(self.dispute_activities(charges), "not ours to dispute")
        self.assertEqual(self.settle()[0], 0)
        self.assertFalse(charges.vendor_bill_id or charges.customer_invoice_id)

    # ------------------------------------------------------------------
    # the run

    def test_run_is_chunked_per_carrier_and_currency(self):
        self.env["ir.config_parameter"].set_param(
            "logistics_freight_settlement.chunk_size", "2"
        )
        speedy = self.approved_charges(
            lines=[self.charge_line("400", 10.0, expected=10.0)]
        )
        for _index in range(2):
            speedy |= self.approved_charges(
                lines=[self.charge_line("400", 10.0, expected=10.0)]
            )
        acme = self.approved_charges(carrier_scac="ACMH")
        with trap_jobs() as trap:
            self.env["logistics.freight.settlement"]._cron_settle()
            self.env["logistics.freight.settlement"]._cron_settle()
            trap.assert_jobs_count(3)  # 3 + 2 charges in chunks of 2; no repeat
            speedy_ids = sorted(speedy.ids)
            self.assertEqual(
                sorted(job.args[0] for job in trap.enqueued_jobs),
                sorted([speedy_ids[:2], speedy_ids[2:], sorted(acme.ids)]),
                "chunks are lists of ids in ascending order",
            )
            trap.perform_enqueued_jobs()
        self.assertEqual(len(speedy.vendor_bill_id), 2)
        self.assertEqual(speedy.vendor_bill_id.partner_id, self.carrier)
        self.assertEqual(len(acme.vendor_bill_id), 1)
        self.assertEqual(acme.vendor_bill_id.partner_id, self.other_carrier)
        self.assertEqual(
            sorted(
                len(bill.invoice_line_ids) for bill in (speedy | acme).vendor_bill_id
            ),
            [1, 2, 2],
        )
        self.assertEqual(set((speedy | acme).mapped("state")), {"billed"})
        self.assertEqual(self.settle()[0], 0)

    def test_cancelled_bill_puts_its_charges_back(self):
        charges = self.approved_charges()
        self.settle()
        bill = charges.vendor_bill_id
        bill.button_cancel()
        self.assertEqual(charges.mapped("state"), ["approved", "approved"])
        self.assertFalse(charges.vendor_bill_id)
        self.settle()
        self.assertTrue(charges.vendor_bill_id)
        self.assertNotEqual(charges.vendor_bill_id, bill)
        charges.vendor_bill_id.unlink()
        self.assertEqual(charges.mapped("state"), ["approved", "approved"])

    def test_posted_bills_tell_the_tms_their_references(self):
        self.company.freight_auto_post_bills = True
        customer = self.customer_with_terms("prepaid_and_add")
        charges = self.approved_charges(customer)
        self.settle()
        bill = charges.vendor_bill_id
        self.assertEqual(bill.state, "posted")
        message = self.env["logistics.message"].search(
            [("flow_code", "=", "freight.invoice_ref")]
        )
        self.assertEqual(len(message), 1)
        shipment = charges.shipment_id
        self.assertEqual(
            message.payload,
            {
                "shipment_id": shipment.tms_reference,
                "external_reference": shipment.name,
                "invoices": [
                    {
                        "kind": "vendor_bill",
                        "number": bill.name,
                        "carrier_invoice": None,
                        "date": str(bill.invoice_date),
                        "currency": self.currency.name,
                        "amount": 118.0,
                        "charges": ["BASE", "FUEL"],
                    }
                ],
            },
        )
        self.assertEqual(
            (message.res_model, message.res_id), (shipment._name, shipment.id)
        )
        self.assertEqual(message.error_kind, "retryable", "the TMS is down: retried")
        # The customer invoice is posted later (the customer API lists it then).
        invoice = charges.customer_invoice_id
        with self.jobs():
            invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        charges = charges.sorted("id")
        self.assertEqual(
            [
                (
                    c.state,
                    c.freight_terms,
                    c.charge_type_id.code,
                    c.rebilled_amount_company,
                    c.customer_invoice_id,
                )
                for c in charges
            ],
            [
                ("rebilled", "prepaid_and_add", "BASE", 100.0, invoice),
                ("rebilled", "prepaid_and_add", "FUEL", 18.0, invoice),
            ],
        )

    # ------------------------------------------------------------------
    # batch files

    def test_rate_card_import_is_a_job_and_gives_expected_amounts(self):
        csv = (
            "charge_code,basis,rate,minimum\n400,per_kg,0.30,45\nLFT,per_shipment,35,\n"
        )
        wizard = self.import_file(
            "rate_card",
            "spdf-2026.csv",
            csv,
            carrier_id=self.carrier.id,
            currency_id=self.currency.id,
            date_from="2026-01-01",
            rate_card_name="SPDF 2026",
        )
        self.assertEqual(wizard.accepted_count, 1)
        card = self.env["logistics.freight.rate.card"].search(
            [("carrier_id", "=", self.carrier.id)]
        )
        self.assertRecordValues(
            card.line_ids,
            [
                {
                    "charge_type_id": self.types["base"].id,
                    "basis": "per_kg",
                    "rate": 0.3,
                },
                {
                    "charge_type_id": self.types["tail_lift"].id,
                    "basis": "per_shipment",
                    "rate": 35.0,
                },
            ],
        )
        self.assertEqual(card.source_message_id.flow_code, "freight.rate_card")
        again = self.import_file(
            "rate_card",
            "spdf-2026.csv",
            csv,
            carrier_id=self.carrier.id,
            currency_id=self.currency.id,
            date_from="2026-01-01",
            rate_card_name="SPDF 2026",
        )
        self.assertEqual(again.refused_count, 1, "the same file twice: a duplicate")
        shipment = self.make_shipment(weight_kg=200.0)
        self.send_charges(
            shipment, [self.charge_line("400", 60.0), self.charge_line("LFT", 40.0)]
        )
        base, tail_lift = self.charges_of(shipment)
        self.assertRecordValues(
            base + tail_lift,
            [
                {
                    "expected_amount": 60.0,
                    "expected_source": "rate_card",
                    "state": "approved",
                },
                {
                    "expected_amount": 35.0,
                    "expected_source": "rate_card",
                    "state": "disputed",
                },
            ],
        )

    def test_settlement_feed_import(self):
        first, second = self.make_shipment(), self.make_shipment()
        csv = (
            "shipment_id;carrier_scac;currency;charge_code;amount;expected_amount\n"
            "%s;SPDF;%s;400;75.50;75.50\n"
            "%s;SPDF;%s;FUE;13.59;13.59\n"
            "%s;SPDF;%s;400;90;90\n"
        ) % (
            first.tms_reference,
            self.currency.name,
            first.tms_reference,
            self.currency.name,
            second.tms_reference,
            self.currency.name,
        )
        wizard = self.import_file(
            "settlement_feed", "feed.csv", csv, endpoint_id=self.endpoint.id
        )
        self.assertEqual(wizard.accepted_count, 2)
        self.assertEqual(len(self.charges_of(first)), 2)
        self.assertEqual(self.charges_of(second).mapped("state"), ["approved"])
        messages = self.charges_of(first).source_message_id
        self.assertEqual(messages.flow_code, "freight.charge")
        again = self.import_file(
            "settlement_feed", "feed.csv", csv, endpoint_id=self.endpoint.id
        )
        self.assertEqual(again.refused_count, 2)
        self.assertEqual(len(self.charges_of(first)), 2)
