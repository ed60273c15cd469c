from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import FreightCase


@tagged("post_install", "-at_install")
class TestCharges(FreightCase):
    """TMS charges: reconciliation decisions, bad codes, idempotent updates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["logistics.freight.tolerance"].create(
            {
                "carrier_id": cls.carrier.id,
                "absolute_amount": 10.0,
                "percentage": 5.0,
                "currency_id": cls.currency.id,
            }
        )

    def assert_bill_line(self, bill, charge, amount):
        line = bill.invoice_line_ids.filtered(
            lambda line: line.freight_charge_id == charge
        )
        self.assertRecordValues(
            line,
            [
                {
                    "price_unit": amount,
                    "price_subtotal": amount,
                    "account_id": self.freight_expense.id,
                    "analytic_distribution": {str(self.analytic_account.id): 100},
                    "product_id": self.env.ref(
                        "logistics_freight_settlement.product_product_freight"
                    ).id,
                }
            ],
        )

    def test_exact_match_is_approved_and_billed(self):
        shipment = self.make_shipment()
        message, outcome, _reason = self.send_charges(
            shipment,
            [
                self.charge_line("400", 120.0, expected=120.0),
                self.charge_line("FUE", 21.6, expected=21.6),
            ],
        )
        self.assertEqual((outcome, message.state), ("accepted", "done"))
        self.assertEqual(message.flow_code, "freight.charge")
        self.assertEqual(
            (message.res_model, message.res_id), (shipment._name, shipment.id)
        )
        base, fuel = self.charges_of(shipment)
        self.assertRecordValues(
            base + fuel,
            [
                {
                    "state": "approved",
                    "decision": "match",
                    "charge_type_id": self.types["base"].id,
                    "carrier_id": self.carrier.id,
                    "expected_amount": 120.0,
                    "expected_source": "tender",
                    "actual_amount": 120.0,
                    "actual_source": "tms",
                    "approved_amount": 120.0,
                    "source_message_id": message.id,
                    "currency_id": self.currency.id,
                },
                {
                    "state": "approved",
                    "decision": "match",
                    "charge_type_id": self.types["fuel"].id,
                    "carrier_id": self.carrier.id,
                    "expected_amount": 21.6,
                    "expected_source": "tender",
                    "actual_amount": 21.6,
                    "actual_source": "tms",
                    "approved_amount": 21.6,
                    "source_message_id": message.id,
                    "currency_id": self.currency.id,
                },
            ],
        )
        queued, _trap = self.settle()
        self.assertEqual(queued, 1)
        bill = base.vendor_bill_id
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "partner_id": self.carrier.id,
                    "currency_id": self.currency.id,
                    "state": "draft",
                    "amount_untaxed": 141.6,
                }
            ],
        )
        self.assertEqual(fuel.vendor_bill_id, bill, "one bill per carrier and currency")
        self.assert_bill_line(bill, base, 120.0)
        self.assert_bill_line(bill, fuel, 21.6)
        self.assertEqual((base + fuel).mapped("state"), ["billed", "billed"])
        self.assertEqual(base.billed_amount, 120.0)
        self.assertEqual(bill.freight_charge_count, 2)
        self.assertEqual(self.settle()[0], 0, "nothing is billed twice")

    def test_within_tolerance_is_billed_at_actual(self):
        shipment = self.make_shipment()
        self.send_charges(shipment, [self.charge_line("400", 104.0, expected=100.0)])
        charge = self.charges_of(shipment)
        self.assertRecordValues(
            charge,
            [
                {
                    "state": "approved",
                    "decision": "within",
                    "variance_amount": 4.0,
                    "variance_percent": 4.0,
                    "approved_amount": 104.0,
                }
            ],
        )
        self.assertTrue(charge.tolerance_id)
        self.settle()
        self.assert_bill_line(charge.vendor_bill_id, charge, 104.0)
        self.assertEqual(charge.billed_amount, 104.0)

    def test_beyond_tolerance_is_disputed_for_finance(self):
        shipment = self.make_shipment()
        message, _outcome, _reason = self.send_charges(
            shipment, [self.charge_line("400", 130.0, expected=100.0)]
        )
        charge = self.charges_of(shipment)
        self.assertRecordValues(
            charge,
            [
                {
                    "state": "disputed",
                    "decision": "beyond",
                    "variance_amount": 30.0,
                    "variance_percent": 30.0,
                    "approved_amount": 0.0,
                }
            ],
        )
        self.assertIn("30.00", charge.dispute_reason)
        self.assertIn("30.0 %", charge.dispute_reason)
        activity = self.dispute_activities(charge)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.env.ref("base.user_admin"))
        [audit] = self.audit_entries(charge)
        self.assertRecordValues(
            audit,
            [
                {
                    "action": "dispute",
                    "outcome": "refused",
                    "message_id": message.id,
                    "correlation_id": message.correlation_id,
                }
            ],
        )
        self.assertIn("disputed", audit.details)
        self.assertEqual(self.settle()[0], 0, "a disputed charge is not billed")
        self.assertFalse(charge.vendor_bill_id)

    def test_unexpected_accessorial_is_disputed(self):
        shipment = self.make_shipment()
        self.send_charges(
            shipment,
            [
                self.charge_line("400", 80.0, expected=80.0),
                self.charge_line("DET", 45.0),
            ],
        )
        base, detention = self.charges_of(shipment)
        self.assertEqual(base.state, "approved")
        self.assertRecordValues(
            detention,
            [{"state": "disputed", "decision": "unexpected", "is_accessorial": True}],
        )
        self.assertIn("nothing was expected", detention.dispute_reason)

    def test_unknown_charge_code_is_permanent_and_changes_nothing(self):
        shipment = self.make_shipment()
        message, outcome, _reason = self.send_charges(
            shipment,
            [
                self.charge_line("400", 80.0, expected=80.0),
                self.charge_line("ZZZ", 12.0),
                self.charge_line("FUE", 9.0),
            ],
        )
        self.assertEqual(outcome, "accepted", "well-formed: accepted, then applied")
        self.assertRecordValues(
            message, [{"state": "dead", "error_kind": "permanent", "attempts": 1}]
        )
        self.assertIn("Unknown charge code(s) 'ZZZ'", message.last_error)
        self.assertEqual(
            message.error_details,
            [
                {
                    "pointer": "/data/charges/1/code",
                    "reason": "unknown charge code 'ZZZ'",
                }
            ],
        )
        self.assertFalse(self.charges_of(shipment), "no charge of the event was kept")

    def test_invalid_charge_code_is_rejected_with_its_pointer(self):
        shipment = self.make_shipment()
        message, outcome, reason = self.send_charges(
            shipment, [self.charge_line("4 00", 80.0)]
        )
        self.assertEqual(outcome, "rejected")
        self.assertIn("/data/charges/0/code", reason)
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.error_system, "schema")
        self.assertEqual(
            [detail["pointer"] for detail in message.error_details],
            ["/data/charges/0/code"],
        )
        self.assertFalse(self.charges_of(shipment))

    def test_inactive_currency_is_permanent(self):
        shipment = self.make_shipment()
        message, _outcome, _reason = self.send_charges(
            shipment,
            [self.charge_line("400", 80.0)],
            currency=self.env.ref("base.JPY"),
        )
        self.assertEqual(message.state, "dead")
        self.assertIn("Currency JPY is unknown or not active", message.last_error)
        self.assertEqual(message.error_details[0]["pointer"], "/data/currency")
        self.assertFalse(self.charges_of(shipment))

    def test_unknown_shipment_is_retried(self):
        shipment = self.make_shipment()
        event = self.charges_event(shipment, [self.charge_line("400", 80.0)])
        event["data"].update(shipment_id="TMS-UNKNOWN", external_reference=None)
        [(message, _outcome, _reason)] = self.send_events(event)
        self.assertEqual((message.state, message.error_kind), ("failed", "retryable"))

    def test_charges_are_updated_idempotently(self):
        shipment = self.make_shipment()
        lines = [
            self.charge_line("400", 100.0, expected=100.0),
            self.charge_line("FUE", 18.0, expected=18.0),
        ]
        event = self.charges_event(shipment, lines)
        [(first, _outcome, _reason)] = self.send_events(event)
        [(again, outcome, _reason)] = self.send_events(event)
        self.assertEqual((outcome, again), ("duplicate", first))
        # The TMS resends the same charges in a new event: nothing changes.
        message, _outcome, _reason = self.send_charges(shipment, lines)
        self.assertEqual(
            message.result | {"states": None},
            {
                "created": 0,
                "updated": 0,
                "unchanged": 2,
                "shipment": shipment.name,
                "refused": [],
                "states": None,
            },
        )
        # A corrected fuel surcharge updates the same charge, beyond tolerance.
        self.send_charges(
            shipment,
            [
                self.charge_line("400", 100.0, expected=100.0),
                self.charge_line("FUE", 40.0, expected=18.0),
            ],
        )
        base, fuel = self.charges_of(shipment)
        self.assertEqual(len(self.charges_of(shipment)), 2)
        self.assertRecordValues(
            fuel, [{"tms_amount": 40.0, "actual_amount": 40.0, "state": "disputed"}]
        )
        # Corrected again within tolerance: approved, the dispute activity closed.
        self.send_charges(
            shipment,
            [
                self.charge_line("400", 100.0, expected=100.0),
                self.charge_line("FUE", 18.5, expected=18.0),
            ],
        )
        self.assertEqual(fuel.state, "approved")
        self.assertFalse(self.dispute_activities(fuel))
        self.settle()
        # Billed charges are settled: a later amount is refused and audited.
        message, _outcome, _reason = self.send_charges(
            shipment,
            [
                self.charge_line("400", 150.0, expected=100.0),
                self.charge_line("FUE", 18.5, expected=18.0),
            ],
        )
        self.assertEqual(message.result["refused"], ["400"])
        self.assertRecordValues(base, [{"state": "billed", "tms_amount": 100.0}])
        self.assertEqual(self.audit_entries(base)[-1].outcome, "refused")

    def test_stale_charges_never_overwrite_newer_ones(self):
        shipment = self.make_shipment()
        newer = self.charges_event(
            shipment, [self.charge_line("400", 90.0, expected=90.0)]
        )
        older = self.charges_event(
            shipment, [self.charge_line("400", 70.0, expected=90.0)]
        )
        older["occurred_at"] = "2026-11-26T08:00:00Z"
        self.send_events(newer)
        [(message, _outcome, _reason)] = self.send_events(older)
        self.assertEqual(message.state, "stale")
        self.assertEqual(self.charges_of(shipment).actual_amount, 90.0)

    def test_tms_amounts_are_owned_by_the_tms(self):
        shipment = self.make_shipment()
        self.send_charges(shipment, [self.charge_line("400", 90.0, expected=90.0)])
        charge = self.charges_of(shipment)
        with self.assertRaises(UserError) as caught:
            charge.tms_amount = 10.0
        self.assertIn("owned by another system", str(caught.exception))

    def test_multi_currency_charge(self):
        eur = self.setup_other_currency("EUR")  # 2 EUR for 1 USD
        self.env["logistics.freight.tolerance"].create(
            {
                "carrier_id": self.carrier.id,
                "charge_type_id": self.types["base"].id,
                "absolute_amount": 5.0,  # USD: 10 EUR
                "currency_id": self.currency.id,
            }
        )
        shipment = self.make_shipment()
        self.send_charges(
            shipment, [self.charge_line("400", 108.0, expected=100.0)], currency=eur
        )
        charge = self.charges_of(shipment)
        self.assertRecordValues(
            charge,
            [
                {
                    "currency_id": eur.id,
                    "state": "approved",
                    "decision": "within",
                    "expected_amount_company": 50.0,
                    "actual_amount_company": 54.0,
                }
            ],
        )
        self.settle()
        bill = charge.vendor_bill_id
        self.assertEqual(bill.currency_id, eur)
        line = bill.invoice_line_ids
        self.assertRecordValues(
            line,
            [
                {
                    "amount_currency": 108.0,
                    "balance": 54.0,
                    "currency_id": eur.id,
                    "account_id": self.freight_expense.id,
                }
            ],
        )
        self.assertEqual(charge.billed_amount, 108.0)
        self.assertEqual(charge.billed_amount_company, 54.0)
