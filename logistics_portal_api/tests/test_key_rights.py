"""Only managers of API keys issue and revoke them, also over Odoo's JSON-RPC."""

from odoo.tests import new_test_user, tagged

from odoo.addons.logistics_integration_base.tests.json_rpc import CallKwMixin

from .common import PortalApiCase

ACCESS_ERROR = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestApiKeyRights(CallKwMixin, PortalApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_key_record = cls.env["logistics.api.key"].search(
            [("user_id", "=", cls.other_user.id)]
        )
        cls.key_reader = new_test_user(
            cls.env,
            login="key-reader",
            groups="base.group_user,logistics_portal_api.group_portal_api_user",
        )
        cls.key_manager = new_test_user(
            cls.env,
            login="key-manager",
            groups="base.group_user,logistics_portal_api.group_portal_api_manager",
        )

    def key_state(self):
        self.env.invalidate_all()
        key = self.other_key_record.sudo()
        return key.key_id, key.secret_hash, key.active

    def test_portal_user_cannot_take_over_another_customers_key(self):
        before = self.key_state()
        self.authenticate(self.user.login, self.user.login)
        for method in ("action_generate", "action_revoke"):
            for ids in (self.other_key_record.ids, []):
                error, _result = self.call_kw("logistics.api.key", method, [ids])
                self.assertEqual(error, ACCESS_ERROR, (method, ids))
        self.assertEqual(self.key_state(), before)
        # The customer's real key still works, and still sees its own orders only.
        self.assertEqual(
            self.call("GET", "/orders", key=self.other_key).status_code, 200
        )

    def test_key_reader_cannot_issue_or_revoke(self):
        before = self.key_state()
        self.authenticate(self.key_reader.login, self.key_reader.login)
        for method in ("action_generate", "action_revoke"):
            error, _result = self.call_kw(
                "logistics.api.key", method, [self.other_key_record.ids]
            )
            self.assertEqual(error, ACCESS_ERROR, method)
        self.assertEqual(self.key_state(), before)

    def test_key_manager_issues_and_revokes(self):
        old_key_id, _old_hash, _active = self.key_state()
        self.authenticate(self.key_manager.login, self.key_manager.login)
        error, action = self.call_kw(
            "logistics.api.key", "action_generate", [self.other_key_record.ids]
        )
        self.assertIsNone(error, action)
        new_key = action["context"]["default_api_key"]
        self.assertNotEqual(self.key_state()[0], old_key_id)
        self.assertEqual(self.call("GET", "/orders", key=new_key).status_code, 200)
        self.assertEqual(
            self.call("GET", "/orders", key=self.other_key).status_code, 401
        )
        error, _result = self.call_kw(
            "logistics.api.key", "action_revoke", [self.other_key_record.ids]
        )
        self.assertIsNone(error)
        self.assertFalse(self.key_state()[2])
        self.assertEqual(self.call("GET", "/orders", key=new_key).status_code, 401)
