"""Which started job is still being run: a PostgreSQL advisory lock says so.

A worker that runs a job holds a session-level advisory lock on it, on a
connection of its own, for as long as it runs it. The lock dies with that
connection: when the worker is killed, or when PostgreSQL restarts. A job that
queue_job still shows as ``started`` (or ``enqueued``) past a grace period,
and whose lock nobody holds, was lost; it is put back in the queue. The
suite's job handlers are idempotent (a message already done is skipped), so
running such a job again is safe.

Pure constants and SQL text, no ORM: the controller that takes the lock and
the cron that looks for lost jobs share them.
"""

# First key of the two-key advisory locks (the second is hashtext(job uuid)):
# "LJOB". The suite's other advisory locks use flow ids, far below it.
LOCK_NAMESPACE = 0x4C4A4F42
HOLD = "SELECT pg_advisory_lock(%s, hashtext(%s))"
RELEASE = "SELECT pg_advisory_unlock(%s, hashtext(%s))"
PROBE = "SELECT pg_try_advisory_lock(%s, hashtext(%s))"
# queue_job states a lost job is left in: sent to a worker, or being run.
LOST_STATES = ("enqueued", "started")
# A job must be in such a state this long (seconds) before it is looked at:
# between its dispatch and its lock, a job is in flight, not lost.
DEFAULT_GRACE_SECONDS = 60
