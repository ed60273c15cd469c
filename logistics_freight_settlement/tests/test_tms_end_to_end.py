from odoo.tests import tagged

from odoo.addons.logistics_tms_connector.tests.common import ALL_STEPS, TmsCase

CHARGES_STEP = 1
KEG_WEIGHT_KG = 4 * 36.5  # the shipment's weight: 4 kegs
BASE_FREIGHT = round(max(45.0, KEG_WEIGHT_KG * 0.35), 2)
FUEL_SURCHARGE = round(BASE_FREIGHT * 0.18, 2)
TAIL_LIFT = 35.0


@tagged("post_install", "-at_install")
class TestTmsEndToEnd(TmsCase):
    """The TMS simulator over HTTP: release, delivery, charges, settlement, bill,
    and the invoice references back to the TMS."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.env["res.currency.rate"].create(
            {
                "currency_id": cls.eur.id,
                "company_id": cls.company.id,
                "name": "2020-01-01",
                "rate": 0.8,
            }
        )
        cls.customer.freight_terms = "prepaid_and_add"
        cls.expense = cls.env["account.account"].create(
            {"name": "Freight costs (TMS)", "code": "604900", "account_type": "expense"}
        )
        for charge_type in cls.env["logistics.freight.charge.type"].search([]):
            charge_type.with_company(cls.company).expense_account_id = cls.expense

    def setUp(self):
        super().setUp()
        self.tms.control("scenario", {"charges_event": True})

    def settlement_seen_by_tms(self, shipment):
        response = self.endpoint._request(
            "GET", "shipments/%s/settlement" % shipment.tms_reference, "corr-e2e"
        )
        return response.json()["invoices"]

    def test_release_deliver_charges_settle_bill(self):
        shipment = self.released_shipment()
        with self.jobs():
            shipment.tail_lift = True  # amended before pickup: the TMS adds a tail-lift
        applied = self.run_timeline(shipment, ALL_STEPS + CHARGES_STEP)
        self.assertEqual(applied, ALL_STEPS + CHARGES_STEP)
        self.assertEqual(shipment.status, "delivered")
        self.assertEqual(
            len(shipment.milestone_ids), ALL_STEPS, "charges are no milestone"
        )
        charges = shipment.freight_charge_ids.sorted("id")
        self.assertRecordValues(
            charges,
            [
                {
                    "external_code": code,
                    "charge_type_id": self.env.ref(
                        "logistics_freight_settlement.charge_type_%s" % type_code
                    ).id,
                    "actual_amount": amount,
                    "expected_amount": amount,
                    "state": "approved",
                    "decision": "match",
                    "currency_id": self.eur.id,
                    "carrier_id": shipment.carrier_id.id,
                    "correlation_id": shipment.correlation_id,
                }
                for code, type_code, amount in (
                    ("400", "base", BASE_FREIGHT),
                    ("FUE", "fuel", FUEL_SURCHARGE),
                    ("LFT", "tail_lift", TAIL_LIFT),
                )
            ],
        )
        self.assertEqual(shipment.carrier_id.scac_code, "SPDF")
        self.assertEqual(charges.source_message_id.flow_code, "freight.charge")
        with self.jobs():
            self.env["logistics.freight.settlement"]._cron_settle()
        bill = charges.vendor_bill_id
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "partner_id": shipment.carrier_id.id,
                    "currency_id": self.eur.id,
                    "amount_untaxed": BASE_FREIGHT + FUEL_SURCHARGE + TAIL_LIFT,
                }
            ],
        )
        self.assertEqual(bill.invoice_line_ids.account_id, self.expense)
        invoice = charges.customer_invoice_id
        self.assertEqual(set(charges.mapped("state")), {"rebilled"})
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": shipment.sale_order_id.partner_invoice_id.id,
                    "currency_id": shipment.sale_order_id.currency_id.id,
                }
            ],
        )
        expected_rebill = self.eur._convert(
            BASE_FREIGHT + FUEL_SURCHARGE + TAIL_LIFT,
            invoice.currency_id,
            self.company,
            invoice.invoice_date or invoice.date,
        )
        self.assertAlmostEqual(invoice.amount_untaxed, expected_rebill, places=2)
        with self.jobs():
            bill.invoice_date = bill.invoice_date or bill.date
            (bill | invoice).action_post()
        seen = self.settlement_seen_by_tms(shipment)
        self.assertEqual(
            sorted((entry["kind"], entry["number"]) for entry in seen),
            [("customer_invoice", invoice.name), ("vendor_bill", bill.name)],
        )
        sent = self.env["logistics.message"].search(
            [("flow_code", "=", "freight.invoice_ref"), ("res_id", "=", shipment.id)]
        )
        self.assertEqual(set(sent.mapped("state")), {"done"})
        self.assertEqual(set(sent.mapped("correlation_id")), {shipment.correlation_id})

    def test_charges_scenario_with_an_unknown_code_changes_nothing(self):
        self.tms.control(
            "scenario",
            {
                "charges": [
                    {"code": "400", "amount": 80.0, "expected_amount": 80.0},
                    {"code": "XYZ", "description": "Mystery fee", "amount": 12.5},
                ]
            },
        )
        shipment = self.released_shipment()
        self.run_timeline(shipment, ALL_STEPS + CHARGES_STEP)
        self.assertEqual(shipment.status, "delivered")
        message = self.env["logistics.message"].search(
            [("flow_code", "=", "freight.charge")]
        )
        self.assertRecordValues(message, [{"state": "dead", "error_kind": "permanent"}])
        self.assertIn("'XYZ'", message.last_error)
        self.assertFalse(shipment.freight_charge_ids)
