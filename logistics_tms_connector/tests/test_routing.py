"""Routing rules send shipments to several TMS endpoints by what they are,
each released over HTTP to the simulator behind it."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import TmsCase


@tagged("post_install", "-at_install")
class TestRouting(TmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paris_tms = cls._tms_endpoint("sim_paris", "rest")
        cls.heavy_tms = cls._tms_endpoint("sim_heavy", "rest")
        cls.key_account_tms = cls._tms_endpoint("sim_key_account", "rest")
        cls.paris_customer = cls.env["res.partner"].create(
            {
                "name": "Bistrot du Marais",
                "city": "Paris",
                "zip": "75004",
                "country_id": cls.env.ref("base.fr").id,
            }
        )
        cls.key_account = cls.env["res.partner"].create(
            {
                "name": "Grand Café",
                "city": "Gent",
                "zip": "9000",
                "country_id": cls.env.ref("base.be").id,
            }
        )
        Rule = cls.env["logistics.routing.rule"]
        cls.paris_rule = Rule.create(
            {
                "name": "Paris",
                "sequence": 1,
                "endpoint_id": cls.paris_tms.id,
                "country_ids": [cls.env.ref("base.fr").id],
                "zip_from": "75",
                "zip_to": "75",
            }
        )
        cls.heavy_rule = Rule.create(
            {
                "name": "Heavy loads",
                "sequence": 2,
                "endpoint_id": cls.heavy_tms.id,
                "weight_min": 500,
            }
        )
        cls.key_account_rule = Rule.create(
            {
                "name": "Key accounts",
                "sequence": 3,
                "endpoint_id": cls.key_account_tms.id,
                "partner_ids": [cls.key_account.id],
            }
        )

    def _release(self, customer, quantity=4):
        form = Form(self.env["sale.order"])
        form.partner_id = customer
        with form.order_line.new() as line:
            line.product_id = self.product
            line.product_uom_qty = quantity
        order = form.save()
        order.action_confirm()
        with self.jobs():
            order.picking_ids.action_logistics_release()
        return order.picking_ids.logistics_shipment_id

    def test_three_shipments_reach_three_endpoints_by_rule(self):
        paris = self._release(self.paris_customer)
        heavy = self._release(self.customer, quantity=20)  # 20 x 36.5 kg
        key_account = self._release(self.key_account)
        for shipment, endpoint, rule in (
            (paris, self.paris_tms, self.paris_rule),
            (heavy, self.heavy_tms, self.heavy_rule),
            (key_account, self.key_account_tms, self.key_account_rule),
        ):
            self.assertEqual(shipment.endpoint_id, endpoint)
            self.assertEqual(shipment.routing_rule_id, rule)
            self.assertIn(rule.name, shipment.routing_note)
            self.assertTrue(shipment.tms_reference, "released over HTTP")
            release = self.env["logistics.message"].search(
                [("res_model", "=", shipment._name), ("res_id", "=", shipment.id)]
            )
            self.assertEqual(release.endpoint_id, endpoint, "logged for its endpoint")
        self.assertEqual(self.heavy_rule.shipment_count, 1)

    def test_no_rule_matching_leaves_the_warehouse_tms(self):
        shipment = self._release(self.customer)
        self.assertEqual(shipment.endpoint_id, self.endpoint)
        self.assertFalse(shipment.routing_rule_id)
        self.assertIn(self.warehouse.name, shipment.routing_note)

    def test_first_rule_by_sequence_wins(self):
        self.heavy_rule.sequence = 0  # before Paris
        shipment = self._release(self.paris_customer, quantity=20)
        self.assertEqual(shipment.routing_rule_id, self.heavy_rule)

    def test_a_rule_routes_a_warehouse_without_a_tms(self):
        self.warehouse.tms_endpoint_id = False
        shipment = self._release(self.key_account)
        self.assertEqual(shipment.endpoint_id, self.key_account_tms)
        with self.assertRaisesRegex(UserError, "No routing rule matches"):
            self._release(self.customer)

    def test_another_companys_rules_do_not_apply(self):
        other = self.env["res.company"].create({"name": "Other Unit"})
        other_tms = self.env["logistics.endpoint"].create(
            {
                "name": "Other unit's TMS",
                "code": "other_tms",
                "system": "tms",
                "protocol": "rest",
                "base_url": self.tms.api_url,
                "company_id": other.id,
            }
        )
        self.env["logistics.routing.rule"].create(
            {
                "name": "Everything",
                "sequence": 0,
                "company_id": other.id,
                "endpoint_id": other_tms.id,
            }
        )
        shipment = self._release(self.customer)
        self.assertEqual(shipment.endpoint_id, self.endpoint)

    def test_bad_ranges_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "lower bound"):
            self.heavy_rule.weight_max = 100
        with self.assertRaisesRegex(ValidationError, "postal codes"):
            self.paris_rule.write({"zip_from": "76", "zip_to": "75"})
