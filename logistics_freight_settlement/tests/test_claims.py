from datetime import date, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import EVENT_DAY, FreightCase

UNIT_COST = 50.0


@tagged("post_install", "-at_install")
class TestClaims(FreightCase):
    """Claims against the carrier: opened from TMS events and by hand, decided,
    settled by credit note or deduction, audited."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.goods = cls.env["product.product"].create(
            {"name": "Keg 30 l", "default_code": "KEG30", "standard_price": UNIT_COST}
        )
        cls.glasses = cls.env["product.product"].create(
            {"name": "Glasses", "default_code": "GLS", "standard_price": 2.0}
        )

    def shipment_of_goods(self, customer=None):
        shipment = self.make_shipment(customer=customer)
        shipment.line_ids = [
            Command.clear(),
            Command.create(
                {
                    "product_id": self.goods.id,
                    "uom_id": self.goods.uom_id.id,
                    "quantity": 4,
                }
            ),
            Command.create(
                {
                    "product_id": self.glasses.id,
                    "uom_id": self.glasses.uom_id.id,
                    "quantity": 10,
                }
            ),
        ]
        return shipment

    def tms_event(self, shipment, status_code="DELIVERED", **data):
        number = next(self._sequence)
        event_type = {
            "DELIVERED": "shipment.delivered",
            "DELIVERY_ATTEMPTED": "shipment.exception",
        }.get(status_code, "shipment.milestone")
        return {
            "event_id": "EV-C%06d" % number,
            "event_type": event_type,
            "occurred_at": "%sT10:%02d:00Z" % (EVENT_DAY, number % 60),
            "sequence": number,
            "aggregate": {"type": "shipment", "id": shipment.tms_reference},
            "data": {
                "shipment_id": shipment.tms_reference,
                "external_reference": shipment.name,
                "status_code": status_code,
                **data,
            },
        }

    def deliver(self, shipment, **data):
        [(message, outcome, reason)] = self.send_events(
            self.tms_event(shipment, **data)
        )
        self.assertEqual(outcome, "accepted", reason)
        self.assertEqual(message.state, "done", message.last_error)
        return message

    def claim_activities(self, claim):
        return claim.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref(
                    "logistics_freight_settlement.mail_activity_type_carrier_claim"
                )
            )
        )

    def manual_claim(self, shipment=None, **values):
        shipment = shipment or self.shipment_of_goods()
        line = shipment.line_ids[0]
        return self.env["logistics.claim"].create(
            {
                "shipment_id": shipment.id,
                "kind": "damage",
                "line_ids": [
                    Command.create({"shipment_line_id": line.id, "quantity": 2})
                ],
                **values,
            }
        )

    # ------------------------------------------------------------------
    # opened from the TMS

    def test_damage_on_delivery_opens_one_claim_against_the_carrier(self):
        shipment = self.shipment_of_goods()
        message = self.deliver(
            shipment,
            reason_code="damaged",
            reason="Pallet damaged in transit",
            pod={"signed_by": "J. Doe", "remarks": "2 kegs dented"},
        )
        claim = shipment.claim_ids
        self.assertRecordValues(
            claim,
            [
                {
                    "kind": "damage",
                    "source": "tms",
                    "state": "open",
                    "carrier_id": self.carrier.id,
                    "customer_id": self.customer.id,
                    "amount_claimed": 4 * UNIT_COST + 10 * 2.0,
                    "incident_date": date(2026, 11, 27),
                    "filing_deadline": date(2026, 11, 27) + timedelta(days=7),
                    "source_message_id": message.id,
                }
            ],
        )
        self.assertEqual(claim.line_ids.mapped("quantity"), [4.0, 10.0])
        self.assertIn("Pallet damaged in transit", claim.description)
        self.assertIn("2 kegs dented", claim.description)
        self.assertEqual(message.result["claims"], [claim.name])
        self.assertEqual(len(self.claim_activities(claim)), 1)
        self.assertEqual(shipment.claim_count, 1)
        self.assertEqual(self.carrier.carrier_claim_count, 1)
        self.assertEqual(self.audit_entries(claim).mapped("action"), ["claim"])
        # The same damage reported again: still one claim.
        self.deliver(shipment, reason_code="DAMAGED")
        self.assertEqual(len(shipment.claim_ids), 1)

    def test_pod_remarks_open_a_claim_with_the_pod_as_evidence(self):
        shipment = self.shipment_of_goods()
        self.deliver(
            shipment,
            pod={
                "signed_by": "J. Doe",
                "remarks": "one carton crushed",
                "filename": "POD.pdf",
                "content_base64": "JVBERi0xLjQK",
            },
        )
        claim = shipment.claim_ids
        self.assertEqual(claim.kind, "damage")
        self.assertEqual(claim.evidence_ids.mapped("name"), ["POD.pdf"])
        self.assertEqual(claim.evidence_count, 1)

    def test_short_delivery_opens_a_shortage_claim_for_what_is_missing(self):
        shipment = self.shipment_of_goods()
        self.deliver(
            shipment,
            items=[
                {"product_code": "KEG30", "quantity": 3},
                {"product_code": "GLS", "quantity": 10},
            ],
        )
        claim = shipment.claim_ids
        self.assertEqual(claim.kind, "shortage")
        self.assertRecordValues(
            claim.line_ids,
            [{"product_id": self.goods.id, "quantity": 1.0, "amount": UNIT_COST}],
        )
        self.assertEqual(claim.description, "Delivered short of what was shipped.")

    def test_a_loss_reported_on_an_exception_opens_a_loss_claim(self):
        shipment = self.shipment_of_goods()
        self.deliver(
            shipment,
            status_code="DELIVERY_ATTEMPTED",
            reason_code="lost",
            reason="Pallet not found at the hub",
        )
        self.assertEqual(shipment.claim_ids.kind, "loss")
        self.assertEqual(shipment.exception_type, "failed_delivery")

    def test_a_clean_delivery_opens_no_claim(self):
        shipment = self.shipment_of_goods()
        self.deliver(
            shipment,
            items=[
                {"product_code": "KEG30", "quantity": 4},
                {"product_code": "GLS", "quantity": 10},
            ],
            pod={"signed_by": "J. Doe", "remarks": "All in good order"},
        )
        self.assertFalse(shipment.claim_ids)

    def test_a_cancelled_claim_lets_a_new_report_open_another(self):
        shipment = self.shipment_of_goods()
        self.deliver(shipment, reason_code="damaged")
        first = shipment.claim_ids
        first.action_cancel()
        self.deliver(shipment, reason_code="damaged")
        self.assertEqual(len(shipment.claim_ids), 2)
        self.assertFalse(self.claim_activities(first))

    # ------------------------------------------------------------------
    # decided and settled

    def test_accepted_claim_becomes_a_posted_vendor_credit_note_then_settled(self):
        self.company.freight_auto_post_bills = True
        claim = self.manual_claim(carrier_reference="SPDF-CL-12")
        self.assertEqual(claim.amount_claimed, 2 * UNIT_COST)
        claim.action_submit()
        self.assertEqual(claim.state, "submitted")
        self.assertEqual(claim.submitted_on, fields.Date.context_today(claim))
        claim.action_accept()
        credit_note = claim.credit_note_id
        self.assertRecordValues(
            claim, [{"state": "accepted", "amount_accepted": 2 * UNIT_COST}]
        )
        self.assertRecordValues(
            credit_note,
            [
                {
                    "move_type": "in_refund",
                    "partner_id": self.carrier.id,
                    "state": "posted",
                    "amount_untaxed": 2 * UNIT_COST,
                    "ref": "SPDF-CL-12",
                }
            ],
        )
        self.assertEqual(credit_note.invoice_line_ids.logistics_claim_id, claim)
        self.assertFalse(claim.customer_credit_note_id)
        # The carrier pays the credit note: the claim is settled.
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=credit_note.ids
        ).create({})._create_payments()
        self.assertIn(credit_note.payment_state, ("paid", "in_payment"))
        self.assertEqual(claim.state, "settled")
        details = self.audit_entries(claim).mapped("details")
        self.assertEqual(len(details), 4, "opened, submitted, accepted, settled")
        self.assertIn("submitted to Speedy Freight", details[1])
        self.assertIn(
            "Speedy Freight answered claim %s: Accepted" % claim.name, details[2]
        )
        self.assertEqual(
            details[3], "Claim %s settled: its credit note is paid." % claim.name
        )

    def test_a_cancelled_credit_note_can_be_made_again(self):
        claim = self.manual_claim()
        claim.action_submit()
        claim.action_accept()
        first = claim.credit_note_id
        self.assertEqual(first.logistics_claim_count, 1)
        self.assertEqual(
            first.action_view_logistics_claims()["domain"], [("id", "in", claim.ids)]
        )
        with self.assertRaisesRegex(UserError, "waiting for a credit note"):
            claim.action_create_credit_note()
        first.button_cancel()
        claim.action_create_credit_note()
        self.assertNotEqual(claim.credit_note_id, first)
        self.assertRecordValues(
            claim.credit_note_id,
            [{"move_type": "in_refund", "amount_untaxed": 2 * UNIT_COST}],
        )
        self.assertIn("new vendor credit note", self.audit_entries(claim)[-1].details)

    def test_partial_acceptance_credits_the_accepted_amount_in_draft(self):
        claim = self.manual_claim()
        claim.action_submit()
        claim.amount_accepted = 60.0
        claim.action_accept_partially()
        self.assertEqual(claim.state, "partial")
        self.assertRecordValues(
            claim.credit_note_id, [{"amount_untaxed": 60.0, "state": "draft"}]
        )

    def test_partial_acceptance_needs_an_amount_below_the_claim(self):
        claim = self.manual_claim()
        claim.action_submit()
        for amount in (0.0, 100.0):
            claim.amount_accepted = amount
            with self.assertRaisesRegex(UserError, "less than the"):
                claim.action_accept_partially()
        self.assertEqual(claim.state, "submitted")

    def test_rejected_claim_makes_no_credit_note_and_stays_rejected(self):
        claim = self.manual_claim()
        claim.action_submit()
        claim.action_reject()
        self.assertRecordValues(
            claim,
            [{"state": "rejected", "amount_accepted": 0.0, "credit_note_id": False}],
        )
        with self.assertRaisesRegex(UserError, "cannot become"):
            claim.action_accept()

    def test_status_machine_refuses_skipped_steps(self):
        claim = self.manual_claim()
        with self.assertRaisesRegex(UserError, "Open: it cannot become Accepted"):
            claim.action_accept()
        self.assertEqual(claim.state, "open")
        self.assertFalse(claim.credit_note_id)

    def test_nothing_claimed_cannot_be_submitted(self):
        claim = self.manual_claim()
        claim.line_ids.unlink()
        with self.assertRaisesRegex(UserError, "claims nothing"):
            claim.action_submit()

    def test_past_the_filing_deadline_the_claim_cannot_be_submitted(self):
        claim = self.manual_claim(incident_date="2020-01-01")
        self.assertEqual(claim.filing_deadline, date(2020, 1, 8))
        self.assertTrue(claim.is_overdue)
        with self.assertRaisesRegex(UserError, "filing deadline"):
            claim.action_submit()
        # The carrier's own days count first.
        self.carrier.freight_claim_days = 30
        self.assertEqual(claim.filing_deadline, date(2020, 1, 31))

    def test_submitted_lines_do_not_change(self):
        claim = self.manual_claim()
        claim.action_submit()
        with self.assertRaisesRegex(UserError, "do not change"):
            claim.line_ids.quantity = 4

    def test_customer_terms_give_the_customer_a_credit_note(self):
        customer = self.customer_with_terms(
            "included", freight_claim_customer_credit=True
        )
        claim = self.manual_claim(shipment=self.shipment_of_goods(customer=customer))
        claim.action_submit()
        claim.action_accept()
        self.assertRecordValues(
            claim.customer_credit_note_id,
            [
                {
                    "move_type": "out_refund",
                    "partner_id": customer.id,
                    "amount_untaxed": 2 * UNIT_COST,
                    "state": "draft",
                }
            ],
        )

    def test_deduction_on_the_carriers_next_freight_bill(self):
        self.company.freight_claim_settlement = "deduction"
        claim = self.manual_claim()
        self.assertEqual(claim.settlement_mode, "deduction")
        claim.action_submit()
        claim.action_accept()
        self.assertFalse(claim.credit_note_id)
        self.assertEqual(claim.state, "accepted")
        # A claim larger than the next bill waits for a larger one.
        small = self.make_shipment()
        self.send_charges(small, [self.charge_line("400", 80.0, expected=80.0)])
        self.settle()
        self.assertEqual(claim.state, "accepted")
        shipment = self.make_shipment()
        self.send_charges(shipment, [self.charge_line("400", 300.0, expected=300.0)])
        self.settle()
        bill = self.charges_of(shipment).vendor_bill_id
        self.assertEqual(claim.state, "settled")
        self.assertEqual(claim.deduction_bill_id, bill)
        self.assertEqual(claim.deduction_line_id.price_subtotal, -2 * UNIT_COST)
        self.assertEqual(bill.amount_untaxed, 300.0 - 2 * UNIT_COST)

    # ------------------------------------------------------------------
    # rights

    def test_freight_users_read_claims_but_do_not_decide(self):
        claim = self.manual_claim()
        user = self.env["res.users"].create(
            {
                "name": "Freight clerk",
                "login": "freight-clerk-claims",
                "groups_id": [
                    Command.set(
                        [
                            self.env.ref("base.group_user").id,
                            self.env.ref(
                                "logistics_freight_settlement.group_freight_user"
                            ).id,
                        ]
                    )
                ],
            }
        )
        self.assertEqual(claim.with_user(user).state, "open")
        with self.assertRaises(AccessError):
            claim.with_user(user).action_submit()
        self.assertEqual(claim.state, "open")
