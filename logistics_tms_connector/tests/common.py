"""Shared set-up of the TMS connector's tests: Odoo + the simulator over HTTP."""

from unittest.mock import patch

from odoo.tests import Form, TransactionCase
from odoo.tools import config

from odoo.addons.logistics_integration_base.lib import crypto
from odoo.addons.logistics_integration_base.tests.common import JobsMixin

from .simulator_process import TmsSimulator

API_KEY = "sim-api-key"
WEBHOOK_SECRET = "sim-webhook-secret"
TEST_KEY = crypto.generate_key()
ALL_STEPS = 9


class TmsCase(JobsMixin, TransactionCase):
    """A warehouse released to a REST TMS endpoint pointing at the simulator."""

    simulator_webhook_url = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(
            patch.dict(config.options, logistics_secret_keys=TEST_KEY)
        )
        cls.tms = TmsSimulator(
            api_key=API_KEY,
            webhook_url=cls.simulator_webhook_url,
            webhook_secret=WEBHOOK_SECRET,
        )
        cls.tms.__enter__()
        cls.addClassCleanup(cls.tms.__exit__, None, None, None)
        cls.endpoint = cls._tms_endpoint("sim_rest", "rest")
        cls.warehouse = cls.env.ref("stock.warehouse0")
        cls.warehouse.write({"tms_endpoint_id": cls.endpoint.id})
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Brasserie Dupont",
                "street": "Rue de la Gare 3",
                "city": "Leuze",
                "zip": "7904",
                "country_id": cls.env.ref("base.be").id,
            }
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Keg 30 l",
                "default_code": "KEG30",
                "is_storable": True,
                "weight": 36.5,
                "volume": 0.05,
                "list_price": 80,
            }
        )

    @classmethod
    def _tms_endpoint(cls, code, protocol):
        base = cls.tms.api_url if protocol == "rest" else cls.tms.soap_url
        endpoint = cls.env["logistics.endpoint"].create(
            {
                "name": "Simulated TMS (%s)" % protocol,
                "code": code,
                "system": "tms",
                "protocol": protocol,
                "base_url": base,
                "auth_method": "api_key",
                "api_key_header": "X-API-Key",
                "backoff_schedule": "5,10",
                "max_attempts": 3,
                "read_timeout": 5,
            }
        )
        cls.env["logistics.endpoint.secret"].create(
            [
                {"endpoint_id": endpoint.id, "kind": "api_key", "value": API_KEY},
                {"endpoint_id": endpoint.id, "kind": "hmac", "value": WEBHOOK_SECRET},
            ]
        )
        return endpoint

    def setUp(self):
        super().setUp()
        self.tms.reset()

    def confirmed_order(self, quantity=4):
        form = Form(self.env["sale.order"])
        form.partner_id = self.customer
        form.client_order_ref = "PO-4711"
        with form.order_line.new() as line:
            line.product_id = self.product
            line.product_uom_qty = quantity
        order = form.save()
        order.action_confirm()
        return order

    def released_shipment(self, endpoint=None):
        order = self.confirmed_order()
        picking = order.picking_ids
        if endpoint:
            self.warehouse.tms_endpoint_id = endpoint
        with self.jobs():
            picking.action_logistics_release()
        shipment = picking.logistics_shipment_id
        self.assertTrue(shipment.tms_reference, "the TMS answered with its reference")
        return shipment

    def poll(self, endpoint=None):
        with self.jobs():
            return (endpoint or self.endpoint)._tms_poll()

    def run_timeline(self, shipment, steps=ALL_STEPS, endpoint=None):
        self.tms.advance(shipment.tms_reference, steps)
        return self.poll(endpoint or shipment.endpoint_id)

    def retry_due(self):
        self.env["logistics.message"].search(
            [("state", "=", "failed")]
        ).next_attempt_at = "2000-01-01 00:00:00"
        with self.jobs():
            self.env["logistics.message"]._cron_dispatch_due()
