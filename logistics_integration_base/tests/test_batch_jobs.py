from odoo.tests import tagged
from odoo.tools import SQL

from ..models.logistics_flow import RECHECK_KEY
from .common import IntegrationCase, envelope


@tagged("post_install", "-at_install")
class TestBatchJobs(IntegrationCase):
    """A flow's batch jobs: claimed in order, chained while batches are full."""

    def receive_notes(self, tag, count):
        return self.receive(
            *(
                envelope("%s-%s" % (tag, n), self.partner, self.at(8, n), "Ref %s" % n)
                for n in range(count)
            )
        )

    def pending_jobs(self):
        return self.env["queue.job"].search(
            [
                ("identity_key", "=", self.flow._batch_identity_key()),
                ("state", "=", "pending"),
            ]
        )

    def test_a_full_batch_chains_the_next_whatever_looks_pending(self):
        """A job's snapshot is that of its start: a batch job that looks
        pending there may have run since and found nothing. The chain does not
        trust it."""
        self.flow.batch_size = 2
        self.receive_notes("chain", 3)
        queued = self.pending_jobs()
        self.assertEqual(len(queued), 1, "receiving queued the flow's batch job")
        # This job starts, as if `queued` had run already (unseen here).
        self.env["logistics.message"]._job_process_pending(self.flow.id)
        chained = self.pending_jobs() - queued
        self.assertEqual(len(chained), 1)
        self.assertEqual(chained.channel, self.flow.channel)
        self.assertEqual(chained.func_string, queued.func_string)

    def test_a_batch_short_of_full_ends_the_chain(self):
        self.receive_notes("short", 3)
        queued = self.pending_jobs()
        self.env["logistics.message"]._job_process_pending(self.flow.id)
        self.assertEqual(self.pending_jobs(), queued)

    def test_received_messages_have_a_batch_job_after_the_commit(self):
        """The job a receiving transaction found waiting may claim before that
        transaction commits: the flow is checked again after the commit. A job
        it queued itself commits with its messages: no check."""
        self.receive_notes("queues", 1)
        self.assertEqual(len(self.pending_jobs()), 1)
        self.assertNotIn(RECHECK_KEY, self.env.cr.postcommit.data)
        self.receive_notes("recheck", 1)
        self.assertEqual(len(self.pending_jobs()), 1, "the waiting job is reused")
        self.assertIn(self.flow.id, self.env.cr.postcommit.data[RECHECK_KEY])
        self.pending_jobs().unlink()  # it ran, without them
        # The new cursor of the check is this test's (as in HttpCase).
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        self.flow._recheck_callback(self.registry, {self.flow.id})()
        self.assertEqual(len(self.pending_jobs()), 1)
        # A job still waiting is enough.
        self.flow._recheck_callback(self.registry, {self.flow.id})()
        self.assertEqual(len(self.pending_jobs()), 1)

    def test_the_claim_reads_the_due_messages_in_order(self):
        """No sort in the claim's plan: it stops at its limit, holding the
        advisory locks of those messages' aggregates only (after a sort every
        aggregate with a due message would be locked, and a job next to it
        would find nothing to claim)."""
        self.receive_notes("plan", 3)
        self.env.flush_all()
        cr = self.env.cr
        for setting in ("enable_sort", "enable_seqscan", "enable_bitmapscan"):
            cr.execute(SQL("SET LOCAL %s = off", SQL.identifier(setting)))
            self.addCleanup(
                cr.execute, SQL("SET LOCAL %s = on", SQL.identifier(setting))
            )
        Message = self.env["logistics.message"]
        cr.execute(SQL("EXPLAIN %s", Message._claim_due_query(self.flow, 10)))
        plan = "\n".join(row[0] for row in cr.fetchall())
        self.assertIn("logistics_message_pending_idx", plan)
        self.assertNotIn("Sort", plan)
