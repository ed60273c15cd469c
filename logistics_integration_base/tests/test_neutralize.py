"""`odoo-bin neutralize` turns a copy of production into one that calls nobody."""

from odoo.modules.neutralize import neutralize_database
from odoo.tests import tagged

from ..lib import errors
from ..models.logistics_endpoint import PRODUCTION_DATABASE_PARAM
from .common import IntegrationCase

CRONS = (
    "ir_cron_dispatch_due_messages",
    "ir_cron_purge_message_payloads",
    "ir_cron_purge_audit_log",
    "ir_cron_evaluate_alert_rules",
    "ir_cron_job_runner_heartbeat",
)


@tagged("post_install", "-at_install")
class TestNeutralize(IntegrationCase):
    def _mark_production(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(PRODUCTION_DATABASE_PARAM, params.get_param("database.uuid"))

    def _neutralize(self):
        """What `odoo-bin neutralize` runs, on this transaction."""
        self.env.flush_all()
        neutralize_database(self.env.cr)
        self.env.invalidate_all()
        self.env.registry.clear_cache()  # config parameters are cached

    def test_restored_production_copy_is_neutralized(self):
        self._mark_production()
        Endpoint = self.env["logistics.endpoint"]
        self.assertTrue(Endpoint._is_production_database())
        self.assertEqual(Endpoint._default_environment(), "production")
        live = Endpoint.create(
            {
                "name": "Live TMS",
                "code": "live_tms",
                "system": "tms",
                "environment": "production",
                "base_url": "https://tms.invalid/api",
            }
        )
        self._neutralize()
        self.assertFalse(Endpoint._is_production_database())
        self.assertEqual(Endpoint._default_environment(), "test")
        params = self.env["ir.config_parameter"].sudo()
        self.assertFalse(params.get_param(PRODUCTION_DATABASE_PARAM))
        self.assertEqual(params.get_param("database.is_neutralized"), "true")
        self.assertFalse((self.endpoint | live).filtered("active"))
        self.assertFalse(
            Endpoint.search([]), "every endpoint is archived, not only these"
        )
        for xmlid in CRONS:
            cron = self.env.ref("logistics_integration_base.%s" % xmlid)
            self.assertFalse(cron.active, xmlid)

    def test_archived_endpoint_is_not_called_until_re_enabled(self):
        self._neutralize()
        self.assertFalse(self.endpoint.active)
        with self.assertRaisesRegex(errors.PermanentError, "archived"):
            self.endpoint._request("POST", "shipments", "corr-n", json={})
        # Someone re-enables it: the call goes out again (and fails on the
        # closed port of the test endpoint, not on the guard).
        self.endpoint.active = True
        with self.assertRaises(errors.RetryableError):
            self.endpoint._request("POST", "shipments", "corr-n", json={})
