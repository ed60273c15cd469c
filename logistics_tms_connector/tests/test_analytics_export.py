"""The analytics export writes files of what changed, through the message log,
to a real folder and to a real OpenSSH server (SFTP) on loopback."""

import csv
import io
import os
import shutil
import tempfile
from unittest.mock import patch

import pyarrow.parquet as pq

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, config

from odoo.addons.logistics_integration_base.tests.sshd_process import SshServer

from ..lib import milestones as m
from .common import TmsCase

TMS_DATASETS = ("shipments", "milestones", "service_facts")


def _csv_rows(data):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


@tagged("post_install", "-at_install")
class TestAnalyticsExport(TmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = tempfile.mkdtemp(prefix="logistics-export-")
        cls.addClassCleanup(shutil.rmtree, cls.root, True)
        cls.startClassPatcher(patch.dict(config.options, logistics_file_roots=cls.root))
        cls.folder_endpoint = cls.env["logistics.endpoint"].create(
            {
                "name": "Data warehouse drop folder",
                "code": "dwh_folder",
                "system": "analytics",
                "protocol": "folder",
                "file_directory": os.path.join(cls.root, "out"),
                "backoff_schedule": "5,10",
                "max_attempts": 3,
            }
        )

    def setUp(self):
        super().setUp()
        self.out = os.path.join(self.root, "out")
        shutil.rmtree(self.out, ignore_errors=True)
        os.makedirs(self.out)
        # Two shipments: one delivered (milestones and service facts), one
        # only released (no facts).
        self.delivered = self.released_shipment()
        self.run_timeline(self.delivered)
        self.released = self.released_shipment()
        self.assertEqual(self.delivered.status, m.STATUS_DELIVERED)
        self.assertTrue(self.delivered.service_facts_at)
        self._written_earlier()

    # -- helpers ------------------------------------------------------------

    def _written_earlier(self):
        """Every row of this test was written in this one transaction, at one
        database time: move it an hour back, as if written before the export
        ran, so that a change made now is later than the first run's cursor."""
        self.env.flush_all()
        for table in ("logistics_shipment", "logistics_shipment_milestone"):
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET write_date = write_date - interval '1 hour' "
                    "WHERE write_date >= (now() AT TIME ZONE 'UTC') - "
                    "interval '1 minute'",
                    SQL.identifier(table),
                )
            )
        self.env.invalidate_all()

    def _feed(self, endpoint=None, **values):
        feed = self.env["logistics.export.feed"].create(
            {
                "name": "Data warehouse",
                "code": "dwh",
                "endpoint_id": (endpoint or self.folder_endpoint).id,
                "file_format": "csv",
                "settle_seconds": 0,
                **values,
            }
        )
        # Datasets of other addons (the freight charges) have their own test.
        feed.dataset_ids.filtered(
            lambda d: d.dataset not in TMS_DATASETS
        ).active = False
        return feed

    def _run(self, feed, cron=False):
        with self.jobs():
            if cron:
                self.env["logistics.export.feed"]._cron_run_feeds()
            else:
                feed.action_run_now()
        return self._messages(feed)

    def _messages(self, feed):
        return self.env["logistics.message"].search(feed._messages_domain(), order="id")

    def _files(self):
        return sorted(os.listdir(self.out))

    def _read(self, name):
        with open(os.path.join(self.out, name), "rb") as handle:
            return handle.read()

    def _by_dataset(self, names):
        return {name.split("_20")[0].split("_", 1)[1]: name for name in names}

    # -- tests --------------------------------------------------------------

    def test_first_run_writes_each_dataset_then_only_what_changed(self):
        feed = self._feed()
        messages = self._run(feed)
        files = self._files()
        self.assertEqual(len(files), 3, files)
        by_dataset = self._by_dataset(files)
        self.assertEqual(set(by_dataset), set(TMS_DATASETS))
        # Each file went through the message log, kept as its attachment.
        self.assertEqual(sorted(messages.mapped("external_id")), files)
        self.assertEqual(set(messages.mapped("state")), {"done"})
        self.assertEqual(set(messages.mapped("direction")), {"outbound"})
        for message in messages:
            attachment = self.env["ir.attachment"].search(
                [("res_model", "=", "logistics.message"), ("res_id", "=", message.id)]
            )
            self.assertEqual(attachment.raw, self._read(message.external_id))
            self.assertEqual(message.endpoint_id, self.folder_endpoint)

        shipments = _csv_rows(self._read(by_dataset["shipments"]))
        ours = {row["shipment"]: row for row in shipments}
        self.assertEqual(ours[self.delivered.name]["status"], m.STATUS_DELIVERED)
        self.assertEqual(
            ours[self.released.name]["tms_reference"], self.released.tms_reference
        )
        self.assertEqual(
            ours[self.delivered.name]["customer_id"], str(self.delivered.partner_id.id)
        )
        facts = {
            row["shipment"]: row
            for row in _csv_rows(self._read(by_dataset["service_facts"]))
        }
        self.assertIn(self.delivered.name, facts)
        self.assertNotIn(self.released.name, facts, "no facts before it ends")
        fact = facts[self.delivered.name]
        self.assertEqual(fact["lane"], self.delivered.lane)
        self.assertEqual(fact["in_full"], "1.0")
        self.assertEqual(
            fact["delivered_at"],
            self.delivered.delivered_at.isoformat() + "Z",
        )
        milestones = _csv_rows(self._read(by_dataset["milestones"]))
        codes = [r["code"] for r in milestones if r["shipment"] == self.delivered.name]
        self.assertEqual(
            codes, self.delivered.milestone_ids.sorted("id").mapped("code")
        )
        # The cursor is past the last row of each file.
        for line in feed.dataset_ids.filtered("active"):
            rows = _csv_rows(self._read(by_dataset[line.dataset]))
            self.assertEqual(line.rows_exported, len(rows))
            self.assertEqual(line.last_file_name, by_dataset[line.dataset])
            self.assertTrue(line.cursor_write_date)

        # Nothing changed: no file, no message.
        self.assertEqual(self._run(feed), messages)
        self.assertEqual(self._files(), files)

        # One shipment changed: its row alone, in the shipments file only (it
        # has no service facts, and none of its milestones changed).
        self.released.customer_po = "PO-4712"
        after = self._run(feed)
        new = sorted(set(self._files()) - set(files))
        self.assertEqual(len(new), 1, new)
        self.assertEqual(len(after - messages), 1)
        self.assertIn("_shipments_", new[0])
        self.assertEqual(new[0].rsplit("_", 1)[1], "000002.csv", "its second file")
        rows = _csv_rows(self._read(new[0]))
        self.assertEqual(
            [(r["shipment"], r["customer_po"]) for r in rows],
            [(self.released.name, "PO-4712")],
        )

    def test_parquet_files_keep_types(self):
        feed = self._feed(file_format="parquet")
        self._run(feed, cron=True)
        by_dataset = self._by_dataset(self._files())
        self.assertTrue(by_dataset["service_facts"].endswith(".parquet"))
        table = pq.read_table(os.path.join(self.out, by_dataset["service_facts"]))
        self.assertEqual(str(table.schema.field("on_time").type), "double")
        self.assertEqual(
            str(table.schema.field("delivered_at").type), "timestamp[us, tz=UTC]"
        )
        rows = {row["shipment"]: row for row in table.to_pylist()}
        fact = rows[self.delivered.name]
        self.assertEqual(fact["in_full"], 1.0)
        self.assertEqual(
            fact["delivered_at"].replace(tzinfo=None), self.delivered.delivered_at
        )
        self.assertEqual(fact["warehouse_id"], self.delivered.warehouse_id.id)

        self.delivered.customer_po = "PO-NEW"
        self._run(feed, cron=True)
        new = [
            name
            for name in self._files()
            if name not in by_dataset.values() and "_shipments_" in name
        ]
        table = pq.read_table(os.path.join(self.out, new[0]))
        self.assertEqual(
            [(r["shipment"], r["customer_po"]) for r in table.to_pylist()],
            [(self.delivered.name, "PO-NEW")],
        )

    def test_failed_put_keeps_the_cursor_and_the_retry_writes_once(self):
        feed = self._feed()
        feed.dataset_ids.filtered(lambda d: d.dataset != "shipments").active = False
        shutil.rmtree(self.out)  # the share is not mounted
        [message] = self._run(feed)
        self.assertEqual(message.state, "failed")
        line = feed.dataset_ids.filtered(lambda d: d.dataset == "shipments")
        self.assertFalse(line.cursor_write_date, "not on the target: not moved")
        # While it waits for its retry, a run makes no second file of its rows.
        self.assertEqual(self._run(feed), message)
        os.makedirs(self.out)
        self.retry_due()
        self.assertEqual(message.state, "done")
        self.assertEqual(self._files(), [message.external_id])
        self.assertTrue(line.cursor_write_date)
        self.assertEqual(self._run(feed), message, "nothing changed since")

    def test_dead_file_is_superseded_by_the_next_with_its_rows(self):
        feed = self._feed()
        feed.dataset_ids.filtered(lambda d: d.dataset != "shipments").active = False
        shutil.rmtree(self.out)
        [first] = self._run(feed)
        self.retry_due()
        self.retry_due()
        self.assertEqual(first.state, "dead", "three attempts")
        os.makedirs(self.out)
        second = self._run(feed) - first
        self.assertEqual(first.state, "superseded")
        self.assertEqual(second.state, "done")
        self.assertEqual(second.payload["rows"], first.payload["rows"])
        self.assertEqual(self._files(), [second.external_id])

    def test_sftp_target(self):
        with SshServer() as server:
            endpoint = self.env["logistics.endpoint"].create(
                {
                    "name": "Data warehouse SFTP",
                    "code": "dwh_sftp",
                    "system": "analytics",
                    "protocol": "sftp",
                    "sftp_host": "127.0.0.1",
                    "sftp_port": server.port,
                    "username": server.user,
                    "sftp_host_key": server.host_key,
                    "file_directory": str(server.files),
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
            feed = self._feed(endpoint)
            messages = self._run(feed)
            self.assertEqual(set(messages.mapped("state")), {"done"})
            names = sorted(os.listdir(server.files))
            self.assertEqual(names, sorted(messages.mapped("external_id")))
            shipments = self._by_dataset(names)["shipments"]
            rows = _csv_rows((server.files / shipments).read_bytes())
            self.assertIn(self.delivered.name, [r["shipment"] for r in rows])

            # A server with another host key is refused: nothing is sent.
            endpoint.sftp_host_key = server.other_host_key
            self.released.customer_po = "PO-SFTP"
            [refused] = self._run(feed) - messages
            self.assertEqual(refused.state, "dead")
            self.assertEqual(refused.error_kind, "permanent")
            self.assertEqual(sorted(os.listdir(server.files)), names)

    def test_folder_outside_the_roots_is_refused(self):
        with self.assertRaisesRegex(Exception, "absolute path under"):
            self.folder_endpoint.file_directory = "/etc"

    def test_only_integration_managers_run_feeds(self):
        feed = self._feed()
        user = new_test_user(
            self.env,
            login="export-viewer",
            groups="base.group_user,logistics_integration_base.group_integration_user",
        )
        with self.assertRaises(AccessError):
            feed.with_user(user).action_run_now()
        with self.assertRaises(AccessError):
            feed.dataset_ids.with_user(user).action_reset_cursor()
        self.assertTrue(feed.with_user(user).read(["name"]))
        manager = new_test_user(
            self.env,
            login="export-manager",
            groups="base.group_user,logistics_integration_base.group_integration_manager",
        )
        feed.dataset_ids.with_user(manager).action_reset_cursor()
        self.assertFalse(any(feed.dataset_ids.mapped("cursor_write_date")))
