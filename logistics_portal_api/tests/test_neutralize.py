"""Customer webhooks: production endpoints in production, silent in a copy."""

from odoo.modules.neutralize import neutralize_database
from odoo.tests import tagged

from odoo.addons.logistics_integration_base.lib import errors
from odoo.addons.logistics_integration_base.models.logistics_endpoint import (
    OUTBOUND_ALLOW_LIST_PARAM,
    PRODUCTION_DATABASE_PARAM,
)

from .common import PortalApiCase

# An on-premise receiver (allow-listed below) on a port nothing listens on:
# nothing here may leave the machine, and nothing is called anyway.
HOOK_URL = "https://127.0.0.1:9/logistics"


@tagged("post_install", "-at_install")
class TestCustomerWebhookNeutralize(PortalApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(OUTBOUND_ALLOW_LIST_PARAM, "127.0.0.1")

    def _set_production_mark(self, marked):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(
            PRODUCTION_DATABASE_PARAM,
            params.get_param("database.uuid") if marked else False,
        )

    def _subscribe(self):
        webhook, _secret = self.env["logistics.customer.webhook"]._subscribe(
            self.customer, HOOK_URL, ["order.accepted"]
        )
        return webhook

    def _notified(self):
        return self.env["logistics.message"].search_count(
            [("flow_code", "=", "customer.notify")]
        )

    def test_subscription_environment_follows_the_database(self):
        self.assertEqual(self._subscribe().endpoint_id.environment, "test")
        self._set_production_mark(True)
        webhook = self._subscribe()
        self.assertEqual(webhook.endpoint_id.environment, "production")
        # A copy that is not production (e.g. duplicated: new UUID) never calls it.
        self._set_production_mark(False)
        with self.assertRaisesRegex(errors.PermanentError, "not marked as production"):
            webhook.endpoint_id._request("POST", "", "corr-copy", json={})

    def test_neutralized_copy_notifies_no_customer(self):
        self._set_production_mark(True)
        webhook = self._subscribe()
        self.env["logistics.customer.webhook"]._notify(
            self.customer, "order.accepted", {"reference": "S0001"}
        )
        before = self._notified()
        self.assertEqual(before, 1, "a delivery is queued before neutralization")
        self.env.flush_all()
        neutralize_database(self.env.cr)
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self.assertFalse(webhook.active)
        self.assertFalse(webhook.endpoint_id.active)
        self.assertFalse(self.env["logistics.endpoint"]._is_production_database())
        self.env["logistics.customer.webhook"]._notify(
            self.customer, "order.accepted", {"reference": "S0002"}
        )
        self.assertEqual(self._notified(), before, "nothing new is queued")
        # The delivery queued before is refused when its job runs.
        with self.assertRaisesRegex(errors.PermanentError, "archived"):
            webhook.endpoint_id._request("POST", "", "corr-neutral", json={})
