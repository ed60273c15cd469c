from odoo.tests import TransactionCase, tagged

SUITE_ADDONS = (
    "logistics_integration_base",
    "logistics_tms_connector",
    "logistics_portal_api",
    "logistics_freight_settlement",
)
GROUP_KEYS = {
    "logistics_integration_base": "integration",
    "logistics_tms_connector": "tms",
    "logistics_portal_api": "portal_api",
    "logistics_freight_settlement": "freight",
}


@tagged("post_install", "-at_install")
class TestSuiteInstall(TransactionCase):
    def test_umbrella_installs_the_four_addons(self):
        modules = self.env["ir.module.module"].search(
            [("name", "in", [*SUITE_ADDONS, "logistics_suite", "queue_job"])]
        )
        self.assertEqual(len(modules), 6)
        self.assertEqual(set(modules.mapped("state")), {"installed"})

    def test_each_addon_has_user_and_manager_groups(self):
        for addon, key in GROUP_KEYS.items():
            user = self.env.ref(f"{addon}.group_{key}_user")
            manager = self.env.ref(f"{addon}.group_{key}_manager")
            self.assertIn(user, manager.implied_ids, addon)
            self.assertEqual(
                manager.category_id,
                self.env.ref("logistics_integration_base.module_category_logistics"),
            )
            # Least privilege: no portal or public user is ever a suite user.
            self.assertFalse(user.users.filtered("share"), addon)
