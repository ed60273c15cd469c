"""An EDI carrier, configuration only: shipments tendered as X12 204 or
EDIFACT IFTMIN files in a drop folder, answered by the EDI partner simulator
(a real process), its files picked up and applied as the same events as a
REST TMS's."""

import os
import shutil
import tempfile
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import config

from ..lib import milestones as m
from .common import TmsCase
from .edi_simulator_process import EdiPartner


@tagged("post_install", "-at_install")
class TestEdiCarrier(TmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = tempfile.mkdtemp(prefix="logistics-edi-")
        cls.addClassCleanup(shutil.rmtree, cls.root, True)
        cls.startClassPatcher(patch.dict(config.options, logistics_file_roots=cls.root))

    def setUp(self):
        super().setUp()
        self.carrier_root = tempfile.mkdtemp(dir=self.root)

    def _edi_endpoint(self, standard):
        endpoint = self.env["logistics.endpoint"].create(
            {
                "name": "ACME Freight (%s)" % standard,
                "code": "acme_%s" % standard,
                "system": "tms",
                "protocol": "folder",
                "file_directory": os.path.join(self.carrier_root, "to_partner"),
                "edi_standard": standard,
                "edi_interchange_id": "ODOO",
                "edi_partner_interchange_id": "ACME",
                "edi_scac": "ACME",
                "edi_inbound_directory": os.path.join(
                    self.carrier_root, "from_partner"
                ),
                "backoff_schedule": "5,10",
                "max_attempts": 3,
            }
        )
        self.warehouse.tms_endpoint_id = endpoint
        return endpoint

    def _release(self):
        order = self.confirmed_order()
        with self.jobs():
            order.picking_ids.action_logistics_release()
        return order.picking_ids.logistics_shipment_id

    def _pick_up(self, endpoint):
        with self.jobs():
            return self.env["logistics.shipment"]._edi_pick_up(endpoint)

    def _release_message(self, shipment):
        return self.env["logistics.message"].search(
            [
                ("res_model", "=", shipment._name),
                ("res_id", "=", shipment.id),
                ("flow_code", "=", "shipment.release"),
            ]
        )

    def test_x12_tender_to_delivered(self):
        endpoint = self._edi_endpoint("x12")
        with EdiPartner(self.carrier_root, "x12", scac="ACME") as partner:
            shipment = self._release()
            release = self._release_message(shipment)
            self.assertEqual(release.state, "done")
            self.assertEqual(release.result["control_number"], 1)
            self.assertTrue(release.result["edi_file"].startswith("204-"))
            tender = self.env["ir.attachment"].search(
                [("res_model", "=", release._name), ("res_id", "=", release.id)]
            )
            self.assertIn(b"ISA*00*", tender.raw)
            names = partner.wait_for_answers(4)
        self.assertEqual([n.split("-")[0] for n in names], ["210", "214", "990", "997"])
        self._pick_up(endpoint)
        self.assertEqual(shipment.status, m.STATUS_DELIVERED)
        self.assertEqual(shipment.tms_reference, "ACME-%s" % shipment.name)
        self.assertEqual(
            shipment.milestone_ids.mapped("code"), [m.TENDER_ACCEPTED, "AF", "X1", "D1"]
        )
        self.assertEqual(release.edi_acknowledgement, "accepted", "the 997")
        ack = self.env["logistics.message"].search(
            [
                ("flow_code", "=", "edi.acknowledgement"),
                ("endpoint_id", "=", endpoint.id),
            ]
        )
        self.assertEqual(ack.state, "done")
        self.assertEqual(ack.payload["control_number"], 1)
        # Odoo acknowledges each of the carrier's files with a 997 of its own.
        sent = self.env["logistics.message"].search(
            [
                ("flow_code", "=", "edi.acknowledgement.send"),
                ("endpoint_id", "=", endpoint.id),
            ]
        )
        self.assertEqual(len(sent), 3, "the 990, 214 and 210 files; not the 997")
        self.assertEqual(set(sent.mapped("state")), {"done"})
        to_partner = os.listdir(os.path.join(self.carrier_root, "to_partner"))
        self.assertEqual(sorted(n.split("-")[0] for n in to_partner), ["997"] * 3)
        # The next pickup finds every set logged: the files go.
        self.assertEqual(self._pick_up(endpoint), 0)
        self.assertEqual(
            os.listdir(os.path.join(self.carrier_root, "from_partner")), []
        )

    def test_a_file_read_twice_applies_once(self):
        endpoint = self._edi_endpoint("x12")
        with EdiPartner(self.carrier_root, "x12") as partner:
            shipment = self._release()
            partner.wait_for_answers(4)
        outbox = os.path.join(self.carrier_root, "from_partner")
        status = next(n for n in os.listdir(outbox) if n.startswith("214"))
        copy = os.path.join(outbox, "again-" + status)
        shutil.copy(os.path.join(outbox, status), copy)
        self._pick_up(endpoint)
        self.assertEqual(
            len(shipment.milestone_ids.filtered(lambda x: x.code == "D1")), 1
        )
        self.assertFalse(
            os.path.exists(copy) and self._pick_up(endpoint), "nothing new"
        )

    def test_edifact_tender_to_delivered(self):
        endpoint = self._edi_endpoint("edifact")
        with EdiPartner(self.carrier_root, "edifact") as partner:
            shipment = self._release()
            names = partner.wait_for_answers(3)
        self.assertEqual(
            [n.split("-")[0] for n in names], ["CONTRL", "IFTSTA", "INVOIC"]
        )
        self._pick_up(endpoint)
        self.assertEqual(shipment.status, m.STATUS_DELIVERED)
        self.assertEqual(shipment.tms_reference, "ACME-%s" % shipment.name)
        release = self._release_message(shipment)
        self.assertEqual(release.edi_acknowledgement, "accepted", "the CONTRL")
        to_partner = os.listdir(os.path.join(self.carrier_root, "to_partner"))
        self.assertEqual(
            sorted(n.split("-")[0] for n in to_partner),
            ["CONTRL"] * 2,
            "IFTSTA, INVOIC",
        )

    def test_a_declined_tender_is_an_exception(self):
        endpoint = self._edi_endpoint("x12")
        with EdiPartner(self.carrier_root, "x12", decline=True) as partner:
            shipment = self._release()
            partner.wait_for_answers(2)
        self._pick_up(endpoint)
        self.assertEqual(shipment.milestone_ids.mapped("code"), [m.TENDER_DECLINED])
        self.assertEqual(shipment.exception_type, "tms_refused")

    def test_edi_needs_a_file_protocol_and_both_ids(self):
        with self.assertRaisesRegex(Exception, "folder, SFTP or REST"):
            self.endpoint.write(
                {
                    "protocol": "soap",
                    "edi_standard": "x12",
                    "edi_interchange_id": "ODOO",
                    "edi_partner_interchange_id": "ACME",
                }
            )
