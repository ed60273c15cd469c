"""Where a run waits: PostgreSQL's active sessions by what they wait for, and
the job queue's depth, sampled while a scenario runs.

With the CPU figures of ``cluster.CpuGroups`` these tell where the bottleneck
is: the cores (sessions running, the machine's cores used), PostgreSQL's locks
(sessions waiting on ``Lock``), or the job runner (jobs waiting while the
channel's capacity is running).
"""

import threading

import psycopg2

RUNNING = "running"  # an active session waiting for nothing: on a core, or ready

ACTIVE_SESSIONS = """
    SELECT coalesce(wait_event_type, %s), count(*)
      FROM pg_stat_activity
     WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()
  GROUP BY 1
"""
JOB_QUEUE = """
    SELECT state, count(*) FROM queue_job
     WHERE state IN ('pending', 'enqueued', 'started')
  GROUP BY state
"""


def summarize(samples):
    """The samples' means: ``{"samples": n, "active_sessions": {wait: mean},
    "lock_wait_share": share of samples with a session waiting on a lock,
    "jobs": {state: mean}}``. A sample is ``(sessions, jobs)``, each a dict of
    counts."""
    count = len(samples)
    if not count:
        return {"samples": 0, "active_sessions": {}, "lock_wait_share": 0.0, "jobs": {}}
    sessions, jobs = {}, {}
    locked = 0
    for waits, queue in samples:
        for kind, number in waits.items():
            sessions[kind] = sessions.get(kind, 0) + number
        for state, number in queue.items():
            jobs[state] = jobs.get(state, 0) + number
        locked += bool(waits.get("Lock"))
    return {
        "samples": count,
        "active_sessions": {
            kind: round(total / count, 2) for kind, total in sorted(sessions.items())
        },
        "lock_wait_share": round(locked / count, 3),
        "jobs": {
            state: round(total / count, 2) for state, total in sorted(jobs.items())
        },
    }


class DatabaseWaits:
    """Samples the database's active sessions and job queue on a connection
    of its own (``connect()``), every ``period`` seconds, in a thread; a
    sample lost to a connection error (a PostgreSQL restart) is skipped."""

    def __init__(self, connect, db, period=0.5):
        self.connect = connect
        self.db = db
        self.period = period
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._pg = None

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join(timeout=10)
        if self._pg is not None:
            self._pg.close()

    def summary(self):
        return summarize(list(self.samples))

    def _run(self):
        while not self._stop.wait(self.period):
            try:
                self.samples.append(self._sample())
            except psycopg2.Error:
                if self._pg is not None:
                    self._pg.close()
                self._pg = None

    def _sample(self):
        if self._pg is None or self._pg.closed:
            self._pg = self.connect()
            self._pg.autocommit = True
        with self._pg.cursor() as cr:
            cr.execute(ACTIVE_SESSIONS, (RUNNING, self.db))
            sessions = dict(cr.fetchall())
            cr.execute(JOB_QUEUE)
            jobs = dict(cr.fetchall())
        return sessions, jobs
