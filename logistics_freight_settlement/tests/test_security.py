from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import FreightCase


@tagged("post_install", "-at_install")
class TestSecurity(FreightCase):
    """Freight users read, managers write, accountants read; companies apart."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.freight_user = new_test_user(
            cls.env,
            login="freight_user",
            groups="base.group_user,logistics_freight_settlement.group_freight_user",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )
        cls.accountant = new_test_user(
            cls.env,
            login="freight_accountant",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )

    def test_users_read_managers_write(self):
        shipment = self.make_shipment()
        self.send_charges(shipment, [self.charge_line("400", 50.0, expected=50.0)])
        charge = self.charges_of(shipment)
        for user in (self.freight_user, self.accountant):
            self.assertEqual(
                charge.with_user(user).read(["state"])[0]["state"], "approved"
            )
            with self.assertRaises(AccessError):
                charge.with_user(user).write({"description": "changed"})
            with self.assertRaises(AccessError):
                self.env["logistics.freight.tolerance"].with_user(user).create(
                    {"percentage": 1.0}
                )
        with self.assertRaises(AccessError):
            self.env["logistics.freight.dispute.wizard"].with_user(
                self.freight_user
            ).create({"charge_ids": charge.ids, "resolution": "accept_actual"})
        charge.description = "changed by a manager"

    def test_other_companies_charges_are_invisible(self):
        other = self.setup_other_company()["company"]
        endpoint = self.endpoint.sudo().copy(
            {"code": "other_tms", "company_id": other.id}
        )
        shipment = (
            self.env["logistics.shipment"]
            .with_company(other)
            .create(
                {
                    "endpoint_id": endpoint.id,
                    "company_id": other.id,
                    "partner_id": self.customer.id,
                    "shipper_id": other.partner_id.id,
                    "consignee_id": self.customer.id,
                    "tms_reference": "TMS-OTHER-1",
                }
            )
        )
        self.env["logistics.freight.charge"].with_company(other).create(
            {
                "shipment_id": shipment.id,
                "carrier_id": self.carrier.id,
                "charge_type_id": self.types["base"].id,
                "currency_id": other.currency_id.id,
            }
        )
        mine = self.make_shipment()
        self.send_charges(mine, [self.charge_line("400", 50.0, expected=50.0)])
        seen = (
            self.env["logistics.freight.charge"].with_user(self.freight_user).search([])
        )
        self.assertEqual(seen.shipment_id, mine)

    def test_freight_manager_without_accounting_rights_settles(self):
        manager = new_test_user(
            self.env,
            login="freight_manager_only",
            groups="base.group_user,logistics_freight_settlement.group_freight_manager",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        shipment = self.make_shipment()
        self.send_charges(
            shipment,
            [
                self.charge_line("400", 50.0, expected=50.0),
                self.charge_line("FUE", 20.0, expected=10.0),
            ],
        )
        base, fuel = self.charges_of(shipment)
        self.assertEqual(fuel.state, "disputed")
        wizard = (
            self.env["logistics.freight.dispute.wizard"]
            .with_user(manager)
            .create({"charge_ids": fuel.ids, "resolution": "credit_note"})
        )
        wizard.action_apply()
        self.assertEqual(fuel.credit_note_id.amount_untaxed, 10.0)
        with self.jobs():
            self.env["logistics.freight.settlement"].with_user(manager)._cron_settle()
        self.assertEqual((base + fuel).mapped("state"), ["billed", "billed"])
        self.assertEqual(base.vendor_bill_id.amount_untaxed, 70.0)
