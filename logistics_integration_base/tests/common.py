"""Shared set-up for the integration core's Odoo tests."""

import importlib.util
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from unittest.mock import patch

from odoo.tests import TransactionCase
from odoo.tools import config

from odoo.addons.queue_job.tests.common import trap_jobs

from ..lib import crypto, errors

TEST_KEY = crypto.generate_key()
MAX_JOB_ROUNDS = 10
ENVELOPE = "event.envelope"


def run_migration(cr, addon_tests_file, version, stage, installed_version):
    """Run an addon's migration script (``migrations/<version>/<stage>.py``),
    as Odoo would on an upgrade from ``installed_version``.

    :param addon_tests_file: ``__file__`` of a test module of that addon
    """
    path = Path(addon_tests_file).resolve().parents[1] / "migrations" / version
    path = path / ("%s.py" % stage)
    name = "migration_%s_%s_%s" % (path.parents[2].name, version, stage)
    spec = importlib.util.spec_from_file_location(name.replace(".", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.migrate(cr, installed_version)


def envelope(event_id, partner, occurred_at, reference, sequence=0):
    """A canonical event that sets a partner's reference."""
    return {
        "event_id": event_id,
        "event_type": "partner.note",
        "occurred_at": occurred_at,
        "sequence": sequence,
        "aggregate": {"type": "res.partner", "id": str(partner.id)},
        "data": {"ref": reference},
    }


class JobsMixin:
    """Run queue jobs in-process: what a block enqueues is performed at its end."""

    @contextmanager
    def jobs(self):
        """Trap the jobs enqueued inside the block, then run them in-process."""
        with trap_jobs() as trap:
            yield trap
            for _round in range(MAX_JOB_ROUNDS):  # jobs may enqueue jobs
                if not trap.enqueued_jobs:
                    break
                trap.perform_enqueued_jobs()


class IntegrationCase(JobsMixin, TransactionCase):
    """A flow whose handler writes the event's reference onto a partner.

    The reference is a TMS-owned field here. The handler goes through the
    ownership guard like every real handler, and can be told to fail
    (`cls.failures`) to exercise retries and dead letters.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.failures = {}
        cls.applied = []
        cls.history = []
        cls.dead_letters = []
        case = cls

        def record_history(model, message):
            case.history.append(message.payload["event_id"])
            return {"recorded": True}

        def record_dead(model, message):
            case.dead_letters.append(message.payload["event_id"])

        def apply_partner_note(model, message):
            failure = case.failures.get(message.payload["event_id"])
            if failure:
                failure["count"] -= 1
                if failure["count"] >= 0:
                    raise failure["error"]
            partner = model.env["res.partner"].browse(
                int(message.payload["aggregate"]["id"])
            )
            model.env["logistics.field.ownership"]._guarded_write(
                partner, message.payload["data"], "tms", message
            )
            case.applied.append(message.payload["event_id"])
            return {"partner_id": partner.id}

        handlers = {
            "_logistics_test_apply": apply_partner_note,
            "_logistics_test_history": record_history,
            "_logistics_test_dead": record_dead,
        }
        for name, handler in handlers.items():
            cls.startClassPatcher(
                patch.object(type(cls.env["res.partner"]), name, handler, create=True)
            )
        cls.startClassPatcher(
            patch.dict(config.options, logistics_secret_keys=TEST_KEY)
        )
        cls.flow = cls.env["logistics.flow"].create(
            {
                "code": "test.partner_note",
                "name": "Partner notes (test)",
                "direction": "inbound",
                "handler_model": "res.partner",
                "handler_method": "_logistics_test_apply",
                "history_method": "_logistics_test_history",
                "dead_method": "_logistics_test_dead",
                "schema_name": ENVELOPE,
                "schema_version": 1,
                "batch_size": 50,
                "max_attempts": 3,
            }
        )
        cls.endpoint = cls.env["logistics.endpoint"].create(
            {
                "name": "Test TMS",
                "code": "test_tms",
                "system": "tms",
                "base_url": "http://127.0.0.1:9",
                "backoff_schedule": "10,20",
                "max_attempts": 3,
            }
        )
        cls.partner = cls.env["res.partner"].create({"name": "Consignee"})
        cls.env["logistics.field.ownership"].create(
            {
                "model_id": cls.env["ir.model"]._get_id("res.partner"),
                "field_id": cls.env["ir.model.fields"]._get_ids("res.partner")["ref"],
                "owner": "tms",
            }
        )

    def setUp(self):
        super().setUp()
        self.failures.clear()
        self.applied.clear()
        self.history.clear()
        self.dead_letters.clear()

    @staticmethod
    def at(hour, minute=0):
        return datetime(2026, 11, 27, hour, minute, tzinfo=timezone.utc).isoformat()

    def receive(self, *events, correlation_id=None):
        items = [
            {
                "payload": event,
                "idempotency_key": event["event_id"],
                "external_id": event["event_id"],
                "aggregate_key": "res.partner/%s" % event["aggregate"]["id"],
                "event_time": self.event_time(event["occurred_at"]),
                "event_sequence": event.get("sequence", 0),
                "correlation_id": correlation_id,
            }
            for event in events
        ]
        return self.env["logistics.message"]._receive_batch(
            self.flow.code, items, endpoint=self.endpoint
        )

    @staticmethod
    def event_time(text):
        try:
            return datetime.fromisoformat(text).replace(tzinfo=None)
        except ValueError:
            return None  # the schema check reports it

    def fail_next(self, event_id, error, times=1):
        self.failures[event_id] = {"error": error, "count": times}

    @staticmethod
    def retryable(text="TMS unavailable"):
        return errors.RetryableError(text, system="tms")
