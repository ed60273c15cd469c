import logging

from odoo.addons.queue_job.controllers.main import RunJobController

from ..lib import job_liveness

_logger = logging.getLogger(__name__)


class LivenessRunJobController(RunJobController):
    """queue_job's job runner, holding the job's liveness lock while it runs.

    The lock is taken on a connection of its own, before the job is marked
    started, and released after it is done or failed; a worker that dies, or a
    PostgreSQL restart, releases it with the connection (lib/job_liveness.py).
    """

    def _try_perform_job(self, env, job):
        key = (job_liveness.LOCK_NAMESPACE, job.uuid)
        with env.registry.cursor() as alive:
            alive.execute(job_liveness.HOLD, key)
            # Session-level: it outlives this transaction, which ends here so
            # that the connection is not left idle in a transaction.
            alive.commit()
            try:
                return super()._try_perform_job(env, job)
            finally:
                alive.execute(job_liveness.RELEASE, key)
