from odoo.tests import tagged

from odoo.addons.logistics_tms_connector.lib import stock_validation
from odoo.addons.logistics_tms_connector.tests.common import TmsCase

PICKED_UP = 3  # pickup_ratio 0.75 of 4, rounded down


@tagged("post_install", "-at_install")
class TestInvoiceOnDeliveryRefs(TmsCase):
    """The invoice made on delivery reaches the TMS with the settlement
    references (freight.invoice_ref), over HTTP with the simulator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.invoice_policy = "delivery"
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, cls.warehouse.lot_stock_id, 100
        )
        cls.warehouse.tms_validation_trigger = stock_validation.ON_PICKUP
        cls.customer.logistics_invoice_on_delivery = True

    def test_invoice_on_delivery_is_a_settlement_reference(self):
        self.tms.control("scenario", {"pickup_ratio": 0.75})
        shipment = self.released_shipment()
        self.run_timeline(shipment)
        invoice = shipment.invoice_ids
        self.assertEqual(invoice.state, "posted")
        sent = self.env["logistics.message"].search(
            [("flow_code", "=", "freight.invoice_ref"), ("res_id", "=", shipment.id)]
        )
        self.assertEqual(sent.state, "done")
        self.assertEqual(sent.correlation_id, shipment.correlation_id)
        [reference] = sent.payload["invoices"]
        self.assertEqual(
            (reference["kind"], reference["number"], reference["charges"]),
            ("customer_invoice", invoice.name, []),
        )
        self.assertAlmostEqual(reference["amount"], invoice.amount_untaxed, places=2)
        self.assertAlmostEqual(invoice.amount_untaxed, PICKED_UP * 80.0, places=2)
        seen = self.endpoint._request(
            "GET", "shipments/%s/settlement" % shipment.tms_reference, "corr-refs"
        ).json()["invoices"]
        self.assertEqual(
            [(entry["kind"], entry["number"]) for entry in seen],
            [("customer_invoice", invoice.name)],
        )
