from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import FreightCase


@tagged("post_install", "-at_install")
class TestDisputes(FreightCase):
    """Each way finance resolves a dispute, recorded, audited, then billed."""

    def disputed_charge(self, actual=130.0, expected=100.0):
        shipment = self.make_shipment()
        self.send_charges(
            shipment, [self.charge_line("400", actual, expected=expected)]
        )
        charge = self.charges_of(shipment)
        self.assertEqual(charge.state, "disputed")
        return charge

    def assert_resolved(self, charge, resolution, approved):
        self.assertRecordValues(
            charge,
            [
                {
                    "state": "approved",
                    "resolution": resolution,
                    "approved_amount": approved,
                    "resolved_by_id": self.env.uid,
                    "resolution_note": "Checked with the carrier",
                }
            ],
        )
        self.assertTrue(charge.resolved_at)
        self.assertFalse(self.dispute_activities(charge), "the activity is done")
        opened, resolved = self.audit_entries(charge)
        self.assertEqual((opened.outcome, resolved.outcome), ("refused", "success"))
        self.assertIn("resolved", resolved.resolution)
        self.assertEqual(resolved.user_id, self.env.user)

    def test_accept_actual(self):
        charge = self.disputed_charge()
        self.resolve(charge, "accept_actual", "Checked with the carrier")
        self.assert_resolved(charge, "accept_actual", 130.0)
        self.settle()
        self.assertEqual(charge.vendor_bill_id.invoice_line_ids.price_unit, 130.0)
        self.assertEqual(charge.billed_amount, 130.0)

    def test_accept_expected(self):
        charge = self.disputed_charge()
        self.resolve(charge, "accept_expected", "Checked with the carrier")
        self.assert_resolved(charge, "accept_expected", 100.0)
        self.settle()
        self.assertEqual(charge.vendor_bill_id.invoice_line_ids.price_unit, 100.0)
        self.assertEqual(charge.billed_amount, 100.0)

    def test_credit_note_requested(self):
        charge = self.disputed_charge()
        self.resolve(charge, "credit_note", "Checked with the carrier")
        self.assert_resolved(charge, "credit_note", 130.0)
        credit_note = charge.credit_note_id
        self.assertRecordValues(
            credit_note,
            [
                {
                    "move_type": "in_refund",
                    "partner_id": self.carrier.id,
                    "state": "draft",
                    "amount_untaxed": 30.0,
                    "currency_id": self.currency.id,
                }
            ],
        )
        self.assertRecordValues(
            credit_note.invoice_line_ids,
            [
                {
                    "account_id": self.freight_expense.id,
                    "analytic_distribution": {str(self.analytic_account.id): 100},
                    "freight_charge_id": charge.id,
                }
            ],
        )
        self.settle()
        self.assertEqual(charge.vendor_bill_id.invoice_line_ids.price_unit, 130.0)
        self.assertEqual(charge.billed_amount, 100.0, "billed less the credit note")

    def test_impossible_resolutions_are_refused(self):
        undercharge = self.disputed_charge(actual=70.0)
        with self.assertRaisesRegex(UserError, "not an overcharge"):
            self.resolve(undercharge, "credit_note")
        shipment = self.make_shipment()
        self.send_charges(shipment, [self.charge_line("RDL", 60.0)])
        unexpected = self.charges_of(shipment)
        with self.assertRaisesRegex(UserError, "Nothing was expected"):
            self.resolve(unexpected, "accept_expected")
        self.resolve(unexpected, "credit_note", "Redelivery was not ordered")
        self.assertEqual(unexpected.credit_note_id.amount_untaxed, 60.0)
        approved = self.disputed_charge()
        self.resolve(approved, "accept_actual")
        with self.assertRaisesRegex(UserError, "not disputed"):
            self.resolve(approved, "accept_actual")

    def test_dispute_user_is_configurable(self):
        self.company.freight_dispute_user_id = self.env.user
        charge = self.disputed_charge()
        self.assertEqual(self.dispute_activities(charge).user_id, self.env.user)
