"""Two companies (business units) in one database: each has its own TMS
endpoint, numbering and message log, and one's shipments never reach the
other's partner, nor its events the other's shipments."""

from odoo.tests import Form, tagged

from .common import TmsCase


@tagged("post_install", "-at_install")
class TestBusinessUnits(TmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit = cls.env["res.company"].create({"name": "Benelux Unit"})
        cls.env.user.company_ids |= cls.unit
        cls.unit_tms = cls._tms_endpoint("sim_unit", "rest")
        cls.unit_tms.company_id = cls.unit
        cls.unit_warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.unit.id)], limit=1
        )
        cls.unit_warehouse.tms_endpoint_id = cls.unit_tms
        cls.env["ir.sequence"].create(
            {
                "name": "Benelux Unit shipments",
                "code": "logistics.shipment",
                "prefix": "BNL/",
                "padding": 5,
                "company_id": cls.unit.id,
            }
        )

    def _unit_shipment(self):
        env = self.env(
            context=dict(self.env.context, allowed_company_ids=[self.unit.id])
        )
        form = Form(env["sale.order"].with_company(self.unit))
        form.partner_id = self.customer
        with form.order_line.new() as line:
            line.product_id = self.product
            line.product_uom_qty = 2
        order = form.save()
        order.action_confirm()
        with self.jobs():
            order.picking_ids.action_logistics_release()
        return order.picking_ids.logistics_shipment_id

    def _main_company_user(self, login):
        """A TMS user of the main company only."""
        return self.env["res.users"].create(
            {
                "name": login,
                "login": login,
                "company_id": self.env.company.id,
                "company_ids": [(6, 0, self.env.company.ids)],
                "groups_id": [
                    (4, self.env.ref("logistics_tms_connector.group_tms_user").id)
                ],
            }
        )

    def _messages_of(self, endpoint):
        return self.env["logistics.message"].search([("endpoint_id", "=", endpoint.id)])

    def test_a_units_shipment_goes_to_its_own_tms_numbered_its_way(self):
        shipment = self._unit_shipment()
        self.assertEqual(shipment.company_id, self.unit)
        self.assertTrue(shipment.name.startswith("BNL/"), shipment.name)
        self.assertEqual(shipment.endpoint_id, self.unit_tms)
        self.assertTrue(shipment.tms_reference, "released over HTTP")
        messages = self._messages_of(self.unit_tms)
        self.assertTrue(messages)
        self.assertEqual(messages.company_id, self.unit)
        self.assertFalse(
            self._messages_of(self.endpoint).filtered(
                lambda m: m.res_model == shipment._name and m.res_id == shipment.id
            ),
            "nothing of the unit's shipment went to the main company's TMS",
        )
        main = self.released_shipment()
        self.assertFalse(main.name.startswith("BNL/"), "the shared numbering")
        self.assertEqual(main.endpoint_id, self.endpoint)

    def test_another_units_tms_cannot_move_a_shipment(self):
        shipment = self._unit_shipment()
        self.tms.advance(shipment.tms_reference, 3)
        self.poll(self.endpoint)  # the main company's TMS reports it as well
        self.assertEqual(shipment.status, "released", "not the other unit's event")
        self.assertFalse(shipment.milestone_ids)
        self.poll(self.unit_tms)
        self.assertNotEqual(shipment.status, "released", "its own TMS moves it")
        self.assertTrue(shipment.milestone_ids)

    def test_a_unit_user_sees_only_its_units_records(self):
        shipment = self._unit_shipment()
        main = self.released_shipment()
        user = self._main_company_user("main.dispatcher")
        Shipment = self.env["logistics.shipment"].with_user(user)
        visible = Shipment.search([("id", "in", (shipment | main).ids)])
        self.assertEqual(visible, main)
        Message = self.env["logistics.message"].with_user(user)
        self.assertFalse(Message.search([("endpoint_id", "=", self.unit_tms.id)]))

    def test_a_unit_user_sees_its_units_dashboard_tiles_only(self):
        unit_shipment = self._unit_shipment()
        main = self.released_shipment()
        user = self._main_company_user("main.planner")
        self.env.invalidate_all()
        tiles = self.env["logistics.ops.tile"].with_user(user).search([])
        self.assertEqual(tiles.company_id, self.env.company)
        [released] = tiles.filtered(lambda t: t.status == main.status)
        Shipment = self.env["logistics.shipment"]
        self.assertEqual(
            released.count,
            Shipment.search_count(
                [("company_id", "=", self.env.company.id), ("status", "=", main.status)]
            ),
            "the unit's shipment is not counted",
        )
        action = released.action_open_records()
        found = Shipment.search(action["domain"])
        self.assertIn(main, found)
        self.assertNotIn(unit_shipment, found)
        [unit_released] = self.env["logistics.ops.tile"].search(
            [("company_id", "=", self.unit.id), ("status", "=", main.status)]
        )
        self.assertEqual(unit_released.count, 1)
