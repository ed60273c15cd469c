"""The audit chain is keyed (HMAC) and its head is anchored outside the database."""

import logging
import os
import tempfile
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL, config

from ..lib import audit_chain
from ..models.logistics_audit_log import AUDIT_KEY_ENVIRONMENT
from .common import IntegrationCase

KEY_TEXT = "test-audit-key-" + "x" * audit_chain.MIN_KEY_LENGTH
KEY = KEY_TEXT.encode()
LOGGER = "odoo.addons.logistics_integration_base.models.logistics_audit_log"


class _Capture(logging.Handler):
    """The log lines of one logger, as the operator's log shipper sees them."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@tagged("post_install", "-at_install")
class TestAuditKeyed(IntegrationCase):
    def setUp(self):
        super().setUp()
        # Start an empty chain in this transaction, under a known key.
        self.env.flush_all()
        self.env.cr.execute("DELETE FROM logistics_audit_log")
        self.env.cr.execute(
            SQL(
                "UPDATE logistics_audit_head SET last_sequence = 0, last_hash = %s",
                audit_chain.GENESIS,
            )
        )
        self.env.invalidate_all()
        self.startPatcher(patch.dict(os.environ))
        os.environ.pop(AUDIT_KEY_ENVIRONMENT, None)
        self.use_key(KEY_TEXT)
        self.Audit = self.env["logistics.audit.log"]

    def use_key(self, key_text):
        self.startPatcher(patch.dict(config.options, logistics_audit_key=key_text))

    def append(self, count, label="change"):
        return self.Audit.browse(
            [
                self.Audit._append(
                    action="configuration",
                    outcome="success",
                    details="%s %s" % (label, n),
                ).id
                for n in range(count)
            ]
        )

    def rewrite(self, entries, details, key=None):
        """What someone who writes the database does: change, then re-chain."""
        self.env.flush_all()
        previous = entries[0].previous_hash
        for entry in entries:
            self.env.cr.execute(
                SQL(
                    "UPDATE logistics_audit_log SET details = %s WHERE id = %s",
                    details,
                    entry.id,
                )
            )
            entry.invalidate_recordset()
            digest = audit_chain.row_hash(previous, entry._hashed_values(), key)
            self.env.cr.execute(
                SQL(
                    "UPDATE logistics_audit_log SET previous_hash = %s, row_hash = %s,"
                    " hash_version = %s WHERE id = %s",
                    previous,
                    digest,
                    audit_chain.row_version(key),
                    entry.id,
                )
            )
            previous = digest
        self.env.cr.execute(
            SQL("UPDATE logistics_audit_head SET last_hash = %s", previous)
        )
        self.env.invalidate_all()

    def test_entries_are_hmacs_under_the_configured_key(self):
        entries = self.append(3)
        self.assertEqual(set(entries.mapped("hash_version")), {audit_chain.KEYED})
        first = entries[0]
        self.assertEqual(
            first.row_hash,
            audit_chain.row_hash(audit_chain.GENESIS, first._hashed_values(), KEY),
        )
        self.assertNotEqual(
            first.row_hash,
            audit_chain.row_hash(audit_chain.GENESIS, first._hashed_values()),
        )
        self.assertFalse(self.Audit._first_broken_link())

    def test_rechained_without_the_key_is_detected(self):
        entries = self.append(4)
        self.rewrite(entries[1:], "nothing happened")  # plain SHA-256
        self.assertEqual(self.Audit._first_broken_link(), entries[1])
        self.rewrite(entries[1:], "nothing happened", key=b"guessed-" * 5)
        self.assertEqual(self.Audit._first_broken_link(), entries[1])
        notification = self.Audit.action_verify_chain()
        self.assertEqual(notification["params"]["type"], "danger")

    def test_entries_from_before_the_key_are_still_verified(self):
        self.use_key("")
        legacy = self.append(2, "legacy")
        self.assertEqual(set(legacy.mapped("hash_version")), {audit_chain.PLAIN})
        self.use_key(KEY_TEXT)
        keyed = self.append(2, "keyed")
        self.assertEqual(keyed[0].previous_hash, legacy[-1].row_hash)
        self.assertFalse(self.Audit._first_broken_link())
        self.env.cr.execute(
            SQL(
                "UPDATE logistics_audit_log SET details = 'x' WHERE id = %s",
                legacy[0].id,
            )
        )
        self.env.invalidate_all()
        self.assertEqual(self.Audit._first_broken_link(), legacy[0])

    def test_keyed_entries_cannot_be_verified_without_the_key(self):
        self.append(1)
        self.use_key("")
        with self.assertRaisesRegex(UserError, "no audit key"):
            self.Audit._first_broken_link()

    def test_too_short_key_is_refused(self):
        self.use_key("short")
        with self.assertRaisesRegex(UserError, "at least"):
            self.append(1)

    def test_head_anchored_outside_detects_full_rewrite_and_truncation(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "audit-anchors.jsonl")
            self.startPatcher(
                patch.dict(config.options, logistics_audit_anchor_file=path)
            )
            entries = self.append(3)
            logged = _Capture()
            logger = logging.getLogger(LOGGER)
            logger.addHandler(logged)
            try:
                self.assertEqual(self.Audit._cron_anchor_head(), entries[-1].sequence)
            finally:
                logger.removeHandler(logged)
            self.assertIn(entries[-1].row_hash, "\n".join(logged.lines))
            with open(path, encoding="utf-8") as anchors:
                [line] = anchors.read().splitlines()
            self.assertEqual(
                audit_chain.parse_anchor(line),
                (self.env.cr.dbname, entries[-1].sequence, entries[-1].row_hash),
            )
            self.assertFalse(self.Audit._first_broken_link())
            # The whole chain rewritten as plain rows: consistent in itself,
            # but the anchored head no longer matches.
            self.rewrite(entries, "nothing happened")
            self.assertEqual(self.Audit._first_broken_link(), entries[-1])
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "audit-anchors.jsonl")
            self.startPatcher(
                patch.dict(config.options, logistics_audit_anchor_file=path)
            )
            entries = self.append(3, "again")
            self.Audit._cron_anchor_head()
            # The newest entry removed and the head moved back.
            self.env.flush_all()
            self.env.cr.execute(
                SQL("DELETE FROM logistics_audit_log WHERE id = %s", entries[-1].id)
            )
            self.env.cr.execute(
                SQL(
                    "UPDATE logistics_audit_head SET last_sequence = %s, "
                    "last_hash = %s",
                    entries[-2].sequence,
                    entries[-2].row_hash,
                )
            )
            self.env.invalidate_all()
            self.assertEqual(self.Audit._first_broken_link(), entries[-2])
