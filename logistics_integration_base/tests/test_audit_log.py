from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import IntegrationCase


@tagged("post_install", "-at_install")
class TestAuditLog(IntegrationCase):
    def _append(self, count):
        Audit = self.env["logistics.audit.log"]
        return Audit.browse(
            [
                Audit._append(
                    action="configuration", outcome="success", details="change %s" % n
                ).id
                for n in range(count)
            ]
        )

    def test_chain_links_every_entry(self):
        entries = self._append(3)
        self.assertEqual(entries[1].previous_hash, entries[0].row_hash)
        self.assertEqual(entries[2].previous_hash, entries[1].row_hash)
        self.assertEqual(entries[2].sequence, entries[0].sequence + 2)
        self.assertFalse(self.env["logistics.audit.log"]._first_broken_link())

    def test_write_and_unlink_refused_even_for_superuser(self):
        entry = self._append(1).sudo()
        with self.assertRaises(UserError):
            entry.write({"details": "rewritten"})
        with self.assertRaises(UserError):
            entry.unlink()

    def test_tampering_detected_at_first_broken_link(self):
        entries = self._append(4)
        # Someone with database access edits an entry behind the ORM's back.
        self.env.cr.execute(
            SQL(
                "UPDATE logistics_audit_log SET details = %s WHERE id = %s",
                "nothing happened",
                entries[2].id,
            )
        )
        self.env.invalidate_all()
        Audit = self.env["logistics.audit.log"]
        self.assertEqual(Audit._first_broken_link(), entries[2])
        notification = Audit.action_verify_chain()
        self.assertEqual(notification["params"]["type"], "danger")
        self.assertIn("#%s" % entries[2].sequence, notification["params"]["message"])

    def test_removed_entry_detected(self):
        entries = self._append(3)
        self.env.cr.execute(
            SQL("DELETE FROM logistics_audit_log WHERE id = %s", entries[1].id)
        )
        self.env.invalidate_all()
        self.assertEqual(
            self.env["logistics.audit.log"]._first_broken_link(), entries[2]
        )
