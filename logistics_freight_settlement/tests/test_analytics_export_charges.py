"""The freight charges dataset of the analytics export (the feed lives in the
TMS connector; settlement adds its dataset)."""

import csv
import os
import shutil
import tempfile
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import config

from .common import FreightCase


@tagged("post_install", "-at_install")
class TestAnalyticsExportCharges(FreightCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = tempfile.mkdtemp(prefix="logistics-export-charges-")
        cls.addClassCleanup(shutil.rmtree, cls.root, True)
        cls.startClassPatcher(patch.dict(config.options, logistics_file_roots=cls.root))
        cls.folder = cls.env["logistics.endpoint"].create(
            {
                "name": "Finance drop folder",
                "code": "finance_folder",
                "system": "analytics",
                "protocol": "folder",
                "file_directory": cls.root,
            }
        )

    def _run(self, feed):
        with self.jobs():
            feed.action_run_now()

    def _rows(self, name):
        with open(os.path.join(self.root, name), encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    def test_charges_are_exported_then_only_the_changed_one(self):
        shipment = self.make_shipment()
        self.send_charges(
            shipment,
            [
                self.charge_line("400", 120.0, expected=120.0),
                self.charge_line("FUE", 21.6, expected=21.6),
            ],
        )
        base, fuel = self.charges_of(shipment)
        # Written before the export ran (this test is one transaction, at one
        # database time): so that a change made now is after the cursor.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE logistics_freight_charge "
            "SET write_date = write_date - interval '1 hour' WHERE id IN %s",
            [(base.id, fuel.id)],
        )
        self.env.invalidate_all()
        feed = self.env["logistics.export.feed"].create(
            {
                "name": "Finance",
                "code": "finance",
                "endpoint_id": self.folder.id,
                "file_format": "csv",
                "settle_seconds": 0,
            }
        )
        self.assertIn("charges", feed.dataset_ids.mapped("dataset"))
        feed.dataset_ids.filtered(lambda d: d.dataset != "charges").active = False
        self._run(feed)
        [first] = os.listdir(self.root)
        self.assertTrue(first.startswith("finance_charges_"))
        rows = {r["charge_id"]: r for r in self._rows(first)}
        self.assertEqual(float(rows[str(base.id)]["tms_amount"]), 120.0)
        self.assertEqual(rows[str(fuel.id)]["shipment"], shipment.name)
        self.assertEqual(rows[str(fuel.id)]["currency"], self.currency.name)
        self.assertEqual(rows[str(fuel.id)]["state"], fuel.state)

        fuel.description = "Fuel surcharge (corrected)"
        self._run(feed)
        [second] = set(os.listdir(self.root)) - {first}
        self.assertEqual(
            [(r["charge_id"], r["description"]) for r in self._rows(second)],
            [(str(fuel.id), "Fuel surcharge (corrected)")],
        )
