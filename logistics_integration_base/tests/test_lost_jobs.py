"""Jobs left started or enqueued by a dead worker or connection are requeued."""

from datetime import timedelta

from odoo import fields
from odoo.sql_db import db_connect
from odoo.tests import HttpCase, tagged

from ..lib import job_liveness

LONG_AGO = timedelta(minutes=10)


def _job(env, state, age, started=True):
    """A heartbeat job in `state`, dispatched (and started) `age` ago."""
    uuid = (
        env["logistics.job.runner.heartbeat"].sudo().with_delay()._record_heartbeat()
    ).uuid
    job = env["queue.job"].sudo().search([("uuid", "=", uuid)])
    moment = fields.Datetime.now() - age
    job.write(
        {
            "state": state,
            "date_enqueued": moment,
            "date_started": moment if started else False,
        }
    )
    return job


@tagged("post_install", "-at_install")
class TestLostJobs(HttpCase):
    # HttpCase for its test-mode registry: the cursor of its own that the
    # requeue opens shares the test's transaction (uncommitted jobs).
    def requeue(self):
        requeued = self.env["queue.job"]._logistics_requeue_lost_jobs()
        self.env.invalidate_all()  # written through the requeue's own cursor
        return requeued

    def test_a_started_job_nobody_runs_is_requeued(self):
        lost = _job(self.env, "started", LONG_AGO)
        self.assertEqual(self.requeue(), lost)
        self.assertRecordValues(lost, [{"state": "pending", "date_started": False}])

    def test_an_enqueued_job_no_worker_took_is_requeued(self):
        lost = _job(self.env, "enqueued", LONG_AGO, started=False)
        self.assertEqual(self.requeue(), lost)
        self.assertEqual(lost.state, "pending")

    def test_a_job_a_live_worker_runs_is_left_alone(self):
        running = _job(self.env, "started", LONG_AGO)
        key = (job_liveness.LOCK_NAMESPACE, running.uuid)
        # The worker's own connection, not the test's.
        worker = db_connect(self.env.cr.dbname).cursor()
        try:
            worker.execute(job_liveness.HOLD, key)
            self.assertFalse(self.requeue())
            self.assertEqual(running.state, "started")
        finally:
            worker.execute(job_liveness.RELEASE, key)
            worker.close()
        self.assertEqual(self.requeue(), running)

    def test_recent_and_finished_jobs_are_left_alone(self):
        recent = _job(self.env, "started", timedelta(seconds=5))
        done = _job(self.env, "done", LONG_AGO)
        failed = _job(self.env, "failed", LONG_AGO)
        self.assertFalse(self.requeue())
        self.assertEqual(
            (recent + done + failed).mapped("state"), ["started", "done", "failed"]
        )


@tagged("post_install", "-at_install")
class TestJobLivenessLock(HttpCase):
    def our_advisory_locks(self):
        self.env.cr.execute(
            "SELECT count(*) FROM pg_locks"
            " WHERE locktype = 'advisory' AND classid = %s"
            # pg_locks is the cluster's: other databases' jobs are not ours.
            " AND database = (SELECT oid FROM pg_database"
            " WHERE datname = current_database())",
            (job_liveness.LOCK_NAMESPACE,),
        )
        return self.env.cr.fetchone()[0]

    def test_a_job_run_through_the_runner_route_releases_its_lock(self):
        job = _job(self.env, "enqueued", timedelta(0), started=False)
        self.url_open(
            "/queue_job/runjob?db=%s&job_uuid=%s" % (self.env.cr.dbname, job.uuid)
        ).raise_for_status()
        job.invalidate_recordset()
        self.assertEqual(job.state, "done")
        self.assertEqual(self.our_advisory_locks(), 0)
