"""The wait sampler's summary, from hand-made samples."""

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BENCH))

from harness.waits import RUNNING, summarize  # noqa: E402  (the harness lives in bench/)


def test_no_sample_says_so():
    assert summarize([]) == {
        "samples": 0,
        "active_sessions": {},
        "lock_wait_share": 0.0,
        "jobs": {},
    }


def test_means_over_the_samples_and_the_share_waiting_on_locks():
    samples = [
        ({RUNNING: 2, "Lock": 1}, {"started": 2, "pending": 1}),
        ({RUNNING: 1}, {"started": 2}),
        ({"LWLock": 1, "Lock": 2}, {}),
        ({}, {"enqueued": 1}),
    ]
    assert summarize(samples) == {
        "samples": 4,
        "active_sessions": {"LWLock": 0.25, "Lock": 0.75, RUNNING: 0.75},
        "lock_wait_share": 0.5,
        "jobs": {"enqueued": 0.25, "pending": 0.25, "started": 1.0},
    }
