"""Customer webhook URLs may not reach inside (SSRF): at subscription and at
each delivery."""

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from odoo.addons.logistics_integration_base.lib import url_guard
from odoo.addons.logistics_integration_base.models.logistics_endpoint import (
    OUTBOUND_ALLOW_LIST_PARAM,
    PRODUCTION_DATABASE_PARAM,
)
from odoo.addons.logistics_integration_base.tests.common import JobsMixin
from odoo.addons.logistics_integration_base.tests.http_peer import HttpPeer

from .common import PortalApiCase

# Each was answered 201 before the guard, and then called by the suite.
INTERNAL_URLS = (
    "http://127.0.0.1/hooks",
    "http://localhost:8069/hooks",
    "http://[::1]/hooks",
    "http://10.0.0.1/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://0x7f000001/hooks",
    "http://2130706433/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://100.64.0.1/hooks",
)


@tagged("post_install", "-at_install")
class TestWebhookSubscriptionGuard(PortalApiCase):
    def _counts(self):
        return (
            self.env["logistics.customer.webhook"].search_count([]),
            self.env["logistics.endpoint"].search_count([("system", "=", "customer")]),
        )

    def test_internal_urls_are_refused_and_nothing_is_created(self):
        before = self._counts()
        for url in INTERNAL_URLS:
            with self.subTest(url=url):
                response = self.call(
                    "POST", "/webhooks", {"url": url, "events": ["invoice.posted"]}
                )
                self.assertEqual(response.status_code, 422, response.text)
                error = response.json()["error"]
                self.assertEqual(error["code"], "url_refused")
                self.assertEqual([d["pointer"] for d in error["details"]], ["/url"])
                self.assertIn(" address", error["details"][0]["reason"])
        self.assertEqual(self._counts(), before)
        self.assertEqual(self.call("GET", "/webhooks").json()["items"], [])

    def test_allow_list_admits_an_on_premise_receiver_only(self):
        self.env["ir.config_parameter"].set_param(
            OUTBOUND_ALLOW_LIST_PARAM, "127.0.0.1, 10.20.0.0/16"
        )
        with HttpPeer() as peer:
            created = self.call(
                "POST",
                "/webhooks",
                {"url": peer.url + "/hooks", "events": ["invoice.posted"]},
            )
        self.assertEqual(created.status_code, 201, created.text)
        self.assertEqual(
            self.call(
                "POST",
                "/webhooks",
                {"url": "http://10.20.3.4/hooks", "events": ["invoice.posted"]},
            ).status_code,
            201,
        )
        for url in ("http://10.0.0.1/hooks", "http://169.254.169.254/"):
            refused = self.call(
                "POST", "/webhooks", {"url": url, "events": ["invoice.posted"]}
            )
            self.assertEqual(refused.status_code, 422, url)

    def test_production_database_requires_https(self):
        params = self.env["ir.config_parameter"]
        params.set_param(OUTBOUND_ALLOW_LIST_PARAM, "127.0.0.1")
        params.set_param(PRODUCTION_DATABASE_PARAM, params.get_param("database.uuid"))
        response = self.call(
            "POST",
            "/webhooks",
            {"url": "http://127.0.0.1:9/hooks", "events": ["invoice.posted"]},
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("https://", response.json()["error"]["details"][0]["reason"])
        self.assertEqual(
            self.call(
                "POST",
                "/webhooks",
                {"url": "https://127.0.0.1:9/hooks", "events": ["invoice.posted"]},
            ).status_code,
            201,
        )

    def test_allow_list_setting_is_validated(self):
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create(
                {"logistics_outbound_allow_list": "10.0.0.0/8, 0x7f000001"}
            )
        settings = self.env["res.config.settings"].create(
            {"logistics_outbound_allow_list": "10.0.0.0/8, hooks.intranet.example"}
        )
        settings.execute()
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(OUTBOUND_ALLOW_LIST_PARAM),
            "10.0.0.0/8, hooks.intranet.example",
        )


@tagged("post_install", "-at_install")
class TestWebhookDeliveryGuard(JobsMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.params = cls.env["ir.config_parameter"]
        cls.customer = cls.env["res.partner"].create(
            {"name": "Brasserie Dupont", "is_company": True}
        )

    def _subscribe(self, url):
        self.params.set_param(OUTBOUND_ALLOW_LIST_PARAM, "127.0.0.1, localhost")
        webhook, _secret = self.env["logistics.customer.webhook"]._subscribe(
            self.customer, url, ["invoice.posted"]
        )
        return webhook

    def _deliver(self):
        with self.jobs():
            self.env["logistics.customer.webhook"]._notify(
                self.customer, "invoice.posted", {"number": "INV/1"}
            )
        return self.env["logistics.message"].search(
            [("flow_code", "=", "customer.notify")], order="id desc", limit=1
        )

    def test_delivery_checks_the_destination_again(self):
        with HttpPeer() as peer:
            self._subscribe(peer.url + "/hooks")
            self.assertEqual(self._deliver().state, "done")
            self.assertEqual(len(peer.requests), 1)
            # The receiver is no longer allowed inside (or its name now
            # resolves inside): the delivery is refused, not attempted.
            self.params.set_param(OUTBOUND_ALLOW_LIST_PARAM, "")
            message = self._deliver()
        self.assertEqual(len(peer.requests), 1)
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.error_kind, "permanent")
        self.assertIn("refused", message.last_error)
        self.assertIn("loopback", message.last_error)

    def test_changed_url_is_refused_at_delivery(self):
        with HttpPeer() as peer:
            webhook = self._subscribe(peer.url + "/hooks")
            webhook.endpoint_id.base_url = "http://169.254.169.254/latest/meta-data/"
            message = self._deliver()
        self.assertEqual(peer.requests, [])
        self.assertEqual(message.state, "dead")
        self.assertIn("link-local", message.last_error)

    def test_redirects_are_not_followed(self):
        with HttpPeer() as peer:
            self._subscribe(peer.url + "/hooks")
            peer.reply(302, headers={"Location": peer.url + "/elsewhere"})
            message = self._deliver()
        self.assertEqual([r["path"] for r in peer.requests], ["/hooks"])
        self.assertEqual(message.state, "dead")
        self.assertIn("302", message.last_error)
        self.assertIn("redirects are not followed", message.last_error)

    def test_pinned_delivery_keeps_the_host_name(self):
        if url_guard.resolve("localhost", 80)[0] != "127.0.0.1":
            self.skipTest("localhost does not resolve to 127.0.0.1 first here")
        with HttpPeer() as peer:
            port = peer.server.server_address[1]
            self._subscribe("http://localhost:%s/hooks" % port)
            message = self._deliver()
        self.assertEqual(message.state, "done", message.last_error)
        self.assertEqual(peer.requests[0]["headers"]["Host"], "localhost:%s" % port)

    def test_backend_subscription_is_guarded_too(self):
        with self.assertRaises(ValidationError):
            self.env["logistics.customer.webhook"]._subscribe(
                self.customer, "http://169.254.169.254/", ["invoice.posted"]
            )
