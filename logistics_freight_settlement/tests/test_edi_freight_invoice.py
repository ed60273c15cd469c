"""An EDI carrier, configuration only: 204 → 997, 990, 214s and a 210 from
the EDI partner simulator (a real process) on a real OpenSSH server, and
IFTMIN → CONTRL, IFTSTA and INVOIC through a drop folder; the shipment ends
delivered and the 210 / INVOIC becomes a carrier invoice that settlement
reconciles against the carrier's rate card and bills."""

import shutil
import tempfile
from pathlib import Path
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged
from odoo.tools import config

from odoo.addons.logistics_integration_base.tests.sshd_process import SshServer
from odoo.addons.logistics_tms_connector.tests.common import TmsCase
from odoo.addons.logistics_tms_connector.tests.edi_simulator_process import EdiPartner

LINEHAUL, FUEL = 140.0, 12.5  # what the simulator invoices


@tagged("post_install", "-at_install")
class TestEdiFreightInvoice(TmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.carrier = cls.env["res.partner"].create(
            {"name": "ACME Freight", "scac_code": "ACME", "is_company": True}
        )
        expense = cls.env["account.account"].create(
            {"name": "Freight costs (EDI)", "code": "604950", "account_type": "expense"}
        )
        for charge_type in cls.env["logistics.freight.charge.type"].search([]):
            charge_type.with_company(cls.company).expense_account_id = expense
        ref = cls.env.ref
        cls.env["logistics.freight.rate.card"].create(
            {
                "name": "ACME tariff",
                "carrier_id": cls.carrier.id,
                "company_id": cls.company.id,
                "currency_id": cls.currency.id,
                "date_from": "2026-01-01",
                "line_ids": [
                    Command.create(
                        {
                            "charge_type_id": ref(
                                "logistics_freight_settlement.charge_type_base"
                            ).id,
                            "basis": "per_shipment",
                            "rate": LINEHAUL,
                        }
                    ),
                    Command.create(
                        {
                            "charge_type_id": ref(
                                "logistics_freight_settlement.charge_type_fuel"
                            ).id,
                            "basis": "per_shipment",
                            "rate": FUEL,
                        }
                    ),
                ],
            }
        )

    def _folder_endpoint(self, root):
        endpoint = self.env["logistics.endpoint"].create(
            {
                "name": "ACME Freight (EDIFACT drop folder)",
                "code": "acme_folder",
                "system": "tms",
                "protocol": "folder",
                "file_directory": str(root / "to_partner"),
                "edi_inbound_directory": str(root / "from_partner"),
                "edi_standard": "edifact",
                "edi_interchange_id": "ODOO",
                "edi_partner_interchange_id": "ACME",
                "edi_scac": "ACME",
            }
        )
        self.warehouse.tms_endpoint_id = endpoint
        return endpoint

    def _sftp_endpoint(self, server, root):
        endpoint = self.env["logistics.endpoint"].create(
            {
                "name": "ACME Freight (X12 over SFTP)",
                "code": "acme_sftp",
                "system": "tms",
                "protocol": "sftp",
                "sftp_host": "127.0.0.1",
                "sftp_port": server.port,
                "username": server.user,
                "sftp_host_key": server.host_key,
                "file_directory": str(root / "to_partner"),
                "edi_inbound_directory": str(root / "from_partner"),
                "edi_standard": "x12",
                "edi_interchange_id": "ODOO",
                "edi_partner_interchange_id": "ACME",
                "edi_scac": "ACME",
                "read_timeout": 10,
            }
        )
        self.env["logistics.endpoint.secret"].create(
            {
                "endpoint_id": endpoint.id,
                "kind": "ssh_private_key",
                "value": server.client_key,
            }
        )
        self.warehouse.tms_endpoint_id = endpoint
        return endpoint

    def test_204_to_210_over_sftp_ends_billed(self):
        with SshServer() as server:
            root = Path(tempfile.mkdtemp(dir=server.files))
            endpoint = self._sftp_endpoint(server, root)
            currency = self.currency.name
            with EdiPartner(root, "x12", scac="ACME", currency=currency) as partner:
                order = self.confirmed_order()
                with self.jobs():
                    order.picking_ids.action_logistics_release()
                shipment = order.picking_ids.logistics_shipment_id
                partner.wait_for_answers(4)
            with self.jobs():
                self.env["logistics.shipment"]._edi_pick_up(endpoint)
            self.assertEqual(shipment.status, "delivered")
            self.assertEqual(shipment.tms_reference, "ACME-%s" % shipment.name)
            invoice = self.env["logistics.carrier.invoice"].search(
                [("name", "=", "INV-%s" % shipment.name)]
            )
            self.assertRecordValues(
                invoice,
                [
                    {
                        "carrier_id": self.carrier.id,
                        "amount_total": LINEHAUL + FUEL,
                        "state": "approved",
                    }
                ],
            )
            self.assertEqual(invoice.line_ids.shipment_id, shipment)
            charges = invoice.line_ids.charge_id
            self.assertEqual(
                sorted(charges.mapped("state")), ["approved", "approved"], "rate card"
            )
            with self.jobs():
                self.env["logistics.shipment"]._edi_pick_up(endpoint)
            self.assertEqual(
                list((root / "from_partner").iterdir()), [], "all picked up"
            )
        with self.jobs():
            self.env["logistics.freight.settlement"]._cron_settle()
        bill = charges.vendor_bill_id
        self.assertEqual(bill.ref, invoice.name)
        self.assertEqual(bill.partner_id, self.carrier)

    def test_iftmin_to_invoic_through_a_drop_folder_ends_billed(self):
        root = Path(tempfile.mkdtemp(prefix="logistics-edifact-"))
        self.addCleanup(shutil.rmtree, root, True)
        self.startPatcher(patch.dict(config.options, logistics_file_roots=str(root)))
        endpoint = self._folder_endpoint(root)
        with EdiPartner(root, "edifact", currency=self.currency.name) as partner:
            order = self.confirmed_order()
            with self.jobs():
                order.picking_ids.action_logistics_release()
            shipment = order.picking_ids.logistics_shipment_id
            names = partner.wait_for_answers(3)
        self.assertEqual(
            [name.split("-")[0] for name in names], ["CONTRL", "IFTSTA", "INVOIC"]
        )
        with self.jobs():
            self.env["logistics.shipment"]._edi_pick_up(endpoint)
        self.assertEqual(shipment.status, "delivered")
        invoice = self.env["logistics.carrier.invoice"].search(
            [("carrier_id", "=", self.carrier.id)]
        )
        self.assertRecordValues(
            invoice, [{"amount_total": LINEHAUL + FUEL, "state": "approved"}]
        )
        self.assertEqual(invoice.line_ids.shipment_id, shipment)
        charges = invoice.line_ids.charge_id
        self.assertEqual(sorted(charges.mapped("state")), ["approved", "approved"])
        with self.jobs():
            self.env["logistics.freight.settlement"]._cron_settle()
        self.assertEqual(charges.vendor_bill_id.ref, invoice.name)
