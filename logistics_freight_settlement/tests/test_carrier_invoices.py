import json

from odoo.tests import tagged

from .common import FreightCase

HEADER = (
    "invoice_number,invoice_date,carrier_scac,carrier_name,currency,"
    "shipment_reference,charge_code,description,amount,quantity\n"
)


@tagged("post_install", "-at_install")
class TestCarrierInvoices(FreightCase):
    """Carrier invoice files: matching, duplicates, refusals that change nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carrier.freight_invoice_required = True

    def invoice_csv(self, number, rows, date="2026-11-30"):
        return HEADER + "".join(
            "%s,%s,SPDF,Speedy Freight,%s,%s,%s,,%s,1\n"
            % (number, date, self.currency.name, reference, code, amount)
            for reference, code, amount in rows
        )

    def invoice_messages(self):
        return self.env["logistics.message"].search(
            [("flow_code", "=", "freight.invoice")], order="id"
        )

    def test_invoice_matches_charges_and_is_billed_under_its_number(self):
        shipment = self.make_shipment()
        self.send_charges(
            shipment,
            [
                self.charge_line("400", 100.0, expected=100.0),
                self.charge_line("FUE", 18.0, expected=18.0),
            ],
        )
        base, fuel = self.charges_of(shipment)
        self.assertEqual((base.state, fuel.state), ("actual", "actual"))
        self.assertEqual(self.settle()[0], 0, "waiting for the carrier's invoice")
        wizard = self.import_file(
            "carrier_invoice",
            "spdf-nov.csv",
            self.invoice_csv(
                "SPDF-1001",
                [
                    (shipment.name, "FUE", "18.00"),
                    (shipment.tms_reference, "400", "100"),
                ],
            ),
        )
        self.assertEqual((wizard.accepted_count, wizard.refused_count), (1, 0))
        invoice = self.env["logistics.carrier.invoice"].search(
            [("name", "=", "SPDF-1001")]
        )
        self.assertRecordValues(
            invoice,
            [
                {
                    "carrier_id": self.carrier.id,
                    "amount_total": 118.0,
                    "state": "approved",
                    "source_message_id": self.invoice_messages().id,
                }
            ],
        )
        self.assertEqual(invoice.line_ids.mapped("match_state"), ["matched", "matched"])
        self.assertEqual(invoice.line_ids.charge_id, fuel + base)
        self.assertRecordValues(
            base,
            [
                {
                    "state": "approved",
                    "actual_source": "carrier_invoice",
                    "carrier_invoice_id": invoice.id,
                }
            ],
        )
        self.settle()
        bill = base.vendor_bill_id
        self.assertRecordValues(
            bill,
            [
                {
                    "ref": "SPDF-1001",
                    "invoice_date": invoice.date,
                    "partner_id": self.carrier.id,
                    "amount_untaxed": 118.0,
                }
            ],
        )
        self.assertEqual(invoice.state, "billed")
        self.assertEqual(invoice.vendor_bill_ids, bill)

    def test_invoice_line_nobody_expected_is_a_new_disputed_charge(self):
        shipment = self.make_shipment()
        self.import_file(
            "carrier_invoice",
            "spdf.csv",
            self.invoice_csv("SPDF-2001", [(shipment.name, "WTT", "55")]),
        )
        charge = self.charges_of(shipment)
        self.assertRecordValues(
            charge,
            [
                {
                    "state": "disputed",
                    "decision": "unexpected",
                    "charge_type_id": self.env.ref(
                        "logistics_freight_settlement.charge_type_waiting"
                    ).id,
                    "actual_amount": 55.0,
                }
            ],
        )
        invoice = charge.carrier_invoice_id
        self.assertEqual(invoice.line_ids.match_state, "created")
        self.assertEqual(invoice.state, "to_review")

    def test_duplicate_carrier_invoice_is_refused(self):
        shipment = self.make_shipment()
        content = self.invoice_csv("SPDF-3001", [(shipment.name, "400", "80")])
        self.import_file("carrier_invoice", "a.csv", content)
        again = self.import_file("carrier_invoice", "a-again.csv", content)
        self.assertEqual((again.accepted_count, again.refused_count), (0, 1))
        self.assertIn(
            "SPDF-3001: already received: refused as a duplicate", again.result
        )
        # The same number with other lines: the handler refuses it.
        self.import_file(
            "carrier_invoice",
            "b.csv",
            self.invoice_csv("SPDF-3001", [(shipment.name, "400", "95")]),
        )
        # ... and so it does whatever way the invoice comes in.
        document = json.loads(json.dumps(self.invoice_messages()[0].payload))
        with self.jobs():
            self.env["logistics.message"]._receive(
                "freight.invoice", document, idempotency_key="carrier-edi-77"
            )
        first, other, edi = self.invoice_messages()
        self.assertEqual(first.state, "done")
        for message in (other, edi):
            self.assertRecordValues(
                message, [{"state": "dead", "error_kind": "permanent"}]
            )
            self.assertIn(
                "Carrier invoice SPDF-3001 of Speedy Freight was already received",
                message.last_error,
            )
            self.assertEqual(
                message.error_details,
                [{"pointer": "/invoice_number", "reason": "duplicate"}],
            )
        invoices = self.env["logistics.carrier.invoice"].search(
            [("name", "=", "SPDF-3001")]
        )
        self.assertEqual(len(invoices), 1)
        self.assertEqual(len(invoices.line_ids), 1)
        self.assertEqual(self.charges_of(shipment).actual_amount, 80.0)

    def test_bad_invoice_is_refused_whole(self):
        shipment = self.make_shipment()
        self.import_file(
            "carrier_invoice",
            "bad.csv",
            self.invoice_csv(
                "SPDF-4001",
                [
                    (shipment.name, "400", "80"),
                    ("WH/NOPE", "400", "1"),
                    (shipment.name, "XX9", "3"),
                ],
            ),
        )
        message = self.invoice_messages()
        self.assertEqual((message.state, message.error_kind), ("dead", "permanent"))
        self.assertIn("Unknown shipment(s) WH/NOPE", message.last_error)
        self.assertEqual(
            message.error_details,
            [
                {
                    "pointer": "/lines/1/shipment_reference",
                    "reason": "unknown shipment 'WH/NOPE'",
                }
            ],
        )
        self.assertFalse(self.env["logistics.carrier.invoice"].search([]))
        self.assertFalse(self.charges_of(shipment))

    def test_json_invoice_with_a_wrong_total(self):
        shipment = self.make_shipment()
        document = {
            "invoice_number": "SPDF-5001",
            "invoice_date": "2026-11-30",
            "carrier": {"scac": "SPDF"},
            "currency": self.currency.name,
            "total_amount": 99.0,
            "lines": [
                {"shipment_reference": shipment.name, "code": "400", "amount": 80}
            ],
        }
        self.import_file(
            "carrier_invoice", "inv.json", json.dumps({"invoices": [document]})
        )
        message = self.invoice_messages()
        self.assertEqual(message.state, "dead")
        self.assertIn(
            "The lines add up to 80.0, the invoice total says 99.0", message.last_error
        )
        # The corrected invoice (same number) is applied: the first left nothing.
        document["total_amount"] = 80.0
        self.import_file("carrier_invoice", "inv2.json", json.dumps(document))
        self.assertEqual(self.charges_of(shipment).actual_amount, 80.0)
        self.assertEqual(self.invoice_messages()[-1].state, "done")

    def test_unreadable_file_is_refused_at_once(self):
        with self.assertRaisesRegex(Exception, "line 2, amount"):
            self.import_file(
                "carrier_invoice",
                "broken.csv",
                HEADER + "SPDF-6001,2026-11-30,SPDF,,USD,WH/1,400,,abc,1\n",
            )
        self.assertFalse(self.invoice_messages())

    def test_invoice_for_a_billed_charge_is_flagged_when_it_differs(self):
        self.carrier.freight_invoice_required = False
        shipment = self.make_shipment()
        self.send_charges(shipment, [self.charge_line("400", 100.0, expected=100.0)])
        self.settle()
        charge = self.charges_of(shipment)
        self.assertEqual(charge.state, "billed")
        self.import_file(
            "carrier_invoice",
            "late.csv",
            self.invoice_csv("SPDF-7001", [(shipment.name, "400", "112")]),
        )
        line = self.env["logistics.carrier.invoice.line"].search(
            [("invoice_id.name", "=", "SPDF-7001")]
        )
        self.assertRecordValues(
            line,
            [
                {
                    "match_state": "already_settled",
                    "charge_id": charge.id,
                    "variance_amount": 12.0,
                }
            ],
        )
        self.assertEqual(line.invoice_id.state, "to_review")
        self.assertTrue(self.dispute_activities(line.invoice_id))
        self.assertEqual(charge.billed_amount, 100.0, "the billed charge is untouched")
