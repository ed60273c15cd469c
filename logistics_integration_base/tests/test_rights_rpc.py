"""Secret rotation and chain verification over Odoo's JSON-RPC: managers only."""

from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import config

from ..lib import crypto
from .json_rpc import CallKwMixin

ACCESS_ERROR = "odoo.exceptions.AccessError"
MANAGER = "logistics_integration_base.group_integration_manager"
READER = "logistics_integration_base.group_integration_user"


@tagged("post_install", "-at_install")
class TestOperationsRights(CallKwMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(
            patch.dict(config.options, logistics_secret_keys=crypto.generate_key())
        )
        cls.portal = new_test_user(
            cls.env, login="ops-portal", groups="base.group_portal"
        )
        cls.reader = new_test_user(
            cls.env, login="ops-reader", groups="base.group_user,%s" % READER
        )
        cls.auditor = new_test_user(
            cls.env, login="ops-manager", groups="base.group_user,%s" % MANAGER
        )
        cls.admin_manager = new_test_user(
            cls.env,
            login="ops-admin",
            groups="base.group_user,base.group_system,%s" % MANAGER,
        )
        cls.settings = cls.env["res.config.settings"].create({})
        cls.env["logistics.audit.log"]._append(
            action="configuration", outcome="success"
        )

    def audit_count(self):
        return self.env["logistics.audit.log"].sudo().search_count([])

    def test_outsiders_are_refused(self):
        entries = self.audit_count()
        for user in (self.portal, self.reader, self.auditor):
            self.authenticate(user.login, user.login)
            for ids in (self.settings.ids, []):
                error, _r = self.call_kw(
                    "res.config.settings", "action_rotate_secrets", [ids]
                )
                self.assertEqual(error, ACCESS_ERROR, (user.login, ids))
            error, _r = self.call_kw("res.config.settings", "set_values", [[]])
            self.assertEqual(error, ACCESS_ERROR, user.login)
            if user != self.auditor:
                error, _r = self.call_kw(
                    "logistics.audit.log", "action_verify_chain", []
                )
                self.assertEqual(error, ACCESS_ERROR, user.login)
        # A refused rotation left no audit entry (it writes one when it runs).
        self.assertEqual(self.audit_count(), entries)

    def test_managers_rotate_and_verify(self):
        self.authenticate(self.auditor.login, self.auditor.login)
        error, result = self.call_kw("logistics.audit.log", "action_verify_chain", [])
        self.assertIsNone(error, result)
        self.assertEqual(result["params"]["type"], "success")
        entries = self.audit_count()
        self.authenticate(self.admin_manager.login, self.admin_manager.login)
        error, result = self.call_kw(
            "res.config.settings", "action_rotate_secrets", [[]]
        )
        self.assertIsNone(error, result)
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(self.audit_count(), entries + 1)
