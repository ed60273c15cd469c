"""Context keys a JSON-RPC client sends cannot switch the ownership guard off."""

from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged

PASSWORD = "shipments-manager-pw"
ETA = "2026-12-01 10:00:00"
NEW_DELIVERY_END = "2026-12-03 18:00:00"


@tagged("post_install", "-at_install")
class TestContextSwitches(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="shipments_manager",
            password=PASSWORD,
            groups="base.group_user,logistics_tms_connector.group_tms_manager",
        )
        endpoint = cls.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_ctx", "system": "tms"}
        )
        customer = cls.env["res.partner"].create({"name": "Brasserie Dupont"})
        cls.shipment = cls.env["logistics.shipment"].create(
            {
                "endpoint_id": endpoint.id,
                "partner_id": customer.id,
                "shipper_id": cls.env.company.partner_id.id,
                "consignee_id": customer.id,
                "status": "in_transit",
                "requested_delivery_end": "2026-12-02 18:00:00",
            }
        )

    def setUp(self):
        super().setUp()
        self.authenticate(self.manager.login, PASSWORD)

    def _rpc_write(self, vals, context):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw/logistics.shipment/write",
            {
                "model": "logistics.shipment",
                "method": "write",
                "args": [[self.shipment.id], vals],
                "kwargs": {"context": context},
            },
        )

    def _assert_refused(self, vals, context, error):
        before = self.shipment.read(list(vals))[0]
        with self.assertRaises(JsonRpcException) as caught:
            self._rpc_write(vals, context)
        self.assertEqual(caught.exception.args[0], error)
        self.shipment.invalidate_recordset()
        self.assertEqual(self.shipment.read(list(vals))[0], before)

    def test_tms_owned_field_refused_without_context(self):
        self._assert_refused({"eta": ETA}, {}, "odoo.exceptions.UserError")

    def test_ownership_bypass_key_is_ignored(self):
        self._assert_refused(
            {"eta": ETA},
            {"logistics_ownership_bypass": True},
            "odoo.exceptions.UserError",
        )

    def test_source_key_is_ignored(self):
        for source in ("tms", "odoo", {"system": "tms", "bypass_ownership": True}):
            with self.subTest(source=source):
                self._assert_refused(
                    {"eta": ETA},
                    {"logistics_source": source, "logistics_ownership_bypass": 1},
                    "odoo.exceptions.UserError",
                )

    def test_amendment_check_ignores_source_key(self):
        # Odoo owns the windows, but an in-transit shipment is past amending.
        self._assert_refused(
            {"requested_delivery_end": NEW_DELIVERY_END},
            {"logistics_source": "tms"},
            "odoo.exceptions.UserError",
        )

    def test_server_code_still_applies_tms_changes(self):
        # What the keys used to unlock stays reachable from server code only.
        refused = self.shipment._logistics_apply({"eta": ETA}, "tms")
        self.assertEqual(refused, {})
        self.assertEqual(str(self.shipment.eta), ETA)
