"""What the order asks of the transport and Odoo's packing reach the TMS."""

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import TmsCase


@tagged("post_install", "-at_install")
class TestServicePreferencesAndPackages(TmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock = cls.env.ref("stock.stock_location_stock")
        cls.env["stock.quant"]._update_available_quantity(cls.product, cls.stock, 100)
        cls.solvent = cls.env["product.product"].create(
            {
                "name": "Solvent 5 l",
                "default_code": "SOLV5",
                "is_storable": True,
                "weight": 5.0,
                "logistics_hazardous": True,
                "logistics_un_number": "1993",
            }
        )
        cls.env["stock.quant"]._update_available_quantity(cls.solvent, cls.stock, 50)
        cls.pallet = cls.env["stock.package.type"].create(
            {
                "name": "Euro pallet",
                "packaging_length": 1200,  # mm, Odoo's default length unit
                "width": 800,
                "height": 1000,
                "base_weight": 25.0,
            }
        )

    def order(self, lines, **values):
        form = Form(self.env["sale.order"])
        form.partner_id = self.customer
        form.client_order_ref = "PO-4711"
        for product, quantity in lines:
            with form.order_line.new() as line:
                line.product_id = product
                line.product_uom_qty = quantity
        order = form.save()
        order.write(values)
        order.action_confirm()
        return order

    def pack(self, picking, package_type=None, shipping_weight=0.0):
        picking.action_assign()
        picking.action_put_in_pack()
        package = picking.move_line_ids.result_package_id
        self.assertEqual(len(package), 1)
        package.write(
            {
                "package_type_id": package_type.id if package_type else False,
                "shipping_weight": shipping_weight,
            }
        )
        picking._logistics_refresh_packages()
        return package

    def release(self, picking):
        with self.jobs():
            picking.action_logistics_release()
        shipment = picking.logistics_shipment_id
        self.assertTrue(shipment.tms_reference)
        return shipment, self.tms.shipments()[shipment.tms_reference]["payload"]

    def test_service_preferences_and_contact_reach_shipment_and_tms(self):
        order = self.order(
            [(self.product, 2)],
            logistics_service_level="express",
            logistics_tail_lift=True,
            logistics_delivery_instructions="Goods entrance on the left.",
            logistics_delivery_contact_name="Marie Dupont",
            logistics_delivery_contact_phone="+32 69 00 00 00",
            logistics_delivery_contact_email="marie@dupont.example",
        )
        shipment, payload = self.release(order.picking_ids)
        self.assertEqual(shipment.service_level, "express")
        self.assertTrue(shipment.tail_lift)
        self.assertEqual(shipment.delivery_instructions, "Goods entrance on the left.")
        self.assertEqual(shipment.delivery_contact_name, "Marie Dupont")
        self.assertEqual(payload["serviceLevel"], "express")
        self.assertIs(payload["constraints"]["tailLift"], True)
        self.assertEqual(payload["deliveryInstructions"], "Goods entrance on the left.")
        self.assertEqual(
            payload["deliveryContact"],
            {
                "name": "Marie Dupont",
                "phone": "+32 69 00 00 00",
                "email": "marie@dupont.example",
            },
        )

    def test_preferences_changed_after_release_amend_the_tms(self):
        order = self.order([(self.product, 1)])
        shipment, payload = self.release(order.picking_ids)
        self.assertIsNone(payload["deliveryInstructions"])
        with self.jobs():
            order.write(
                {
                    "logistics_delivery_instructions": "Call 30 minutes before.",
                    "logistics_service_level": "express",
                }
            )
        self.assertEqual(shipment.delivery_instructions, "Call 30 minutes before.")
        payload = self.tms.shipments()[shipment.tms_reference]["payload"]
        self.assertEqual(payload["deliveryInstructions"], "Call 30 minutes before.")
        self.assertEqual(payload["serviceLevel"], "express")
        # Picked up: the shipment is the TMS's now, the order change is refused.
        self.tms.advance(shipment.tms_reference, 4)
        self.poll()
        self.assertEqual(shipment.status, "picked_up")
        order.logistics_delivery_instructions = "Too late"
        self.assertEqual(shipment.delivery_instructions, "Call 30 minutes before.")

    def test_without_preferences_the_shipment_is_standard(self):
        shipment, payload = self.release(self.order([(self.product, 1)]).picking_ids)
        self.assertEqual(shipment.service_level, "standard")
        self.assertFalse(shipment.tail_lift)
        self.assertIsNone(payload["deliveryInstructions"])
        self.assertEqual(payload["packages"], [])
        self.assertIs(payload["constraints"]["hazardous"], False)

    def test_packages_and_hazardous_goods_reach_shipment_and_tms(self):
        order = self.order([(self.product, 4), (self.solvent, 2)])
        picking = order.picking_ids
        package = self.pack(picking, self.pallet)
        shipment, payload = self.release(picking)
        [line] = shipment.package_ids
        self.assertEqual(line.package_id, package)
        self.assertEqual(line.package_type_id, self.pallet)
        # Contents (4 x 36.5 + 2 x 5 kg) plus the pallet's own 25 kg.
        self.assertAlmostEqual(line.weight_kg, 181.0)
        self.assertEqual(
            (line.length_cm, line.width_cm, line.height_cm), (120.0, 80.0, 100.0)
        )
        self.assertTrue(line.hazardous)
        self.assertEqual(line.un_numbers, "1993")
        self.assertTrue(shipment.hazardous_goods)
        self.assertEqual(shipment.package_count, 1)
        solvent_line = shipment.line_ids.filtered(
            lambda item: item.product_id == self.solvent
        )
        self.assertTrue(solvent_line.hazardous)
        self.assertEqual(solvent_line.un_number, "1993")
        self.assertEqual(solvent_line.package_ref, package.name)
        self.assertEqual(
            payload["packages"],
            [
                {
                    "reference": package.name,
                    "type": "Euro pallet",
                    "weightKg": 181.0,
                    "lengthCm": 120.0,
                    "widthCm": 80.0,
                    "heightCm": 100.0,
                    "hazardous": True,
                    "unNumbers": ["1993"],
                }
            ],
        )
        self.assertIs(payload["constraints"]["hazardous"], True)
        by_sku = {item["sku"]: item for item in payload["items"]}
        self.assertEqual(by_sku["SOLV5"]["unNumber"], "1993")
        self.assertIs(by_sku["KEG30"]["hazardous"], False)

    def test_shipping_weight_given_when_packing_wins(self):
        picking = self.order([(self.product, 1)]).picking_ids
        self.pack(picking, self.pallet, shipping_weight=70.0)
        shipment, payload = self.release(picking)
        self.assertEqual(shipment.package_ids.weight_kg, 70.0)
        self.assertEqual(payload["packages"][0]["weightKg"], 70.0)
        self.assertFalse(shipment.hazardous_goods)

    def test_packing_after_release_amends_the_tms_shipment(self):
        picking = self.order([(self.solvent, 3)]).picking_ids
        shipment, payload = self.release(picking)
        self.assertEqual(payload["packages"], [])
        with self.jobs():
            package = self.pack(picking)
        amends = self.env["logistics.message"].search(
            [("flow_code", "=", "shipment.amend"), ("res_id", "=", shipment.id)]
        )
        self.assertTrue(amends)
        self.assertEqual(set(amends.mapped("state")), {"done"})
        payload = self.tms.shipments()[shipment.tms_reference]["payload"]
        self.assertEqual([p["reference"] for p in payload["packages"]], [package.name])
        self.assertEqual(payload["packages"][0]["weightKg"], 15.0)

    def test_un_number_is_four_digits(self):
        with self.assertRaises(ValidationError):
            self.solvent.product_tmpl_id.logistics_un_number = "19930"
