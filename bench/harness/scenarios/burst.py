"""A burst of events in a window, delivered at least once."""

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .common import RETRY_PAUSE, _rate
from .result import ScenarioResult

BURST_RETRIES = 3
BURST_RESEND_EVERY = 50  # one batch in 50 is delivered twice (at-least-once TMS)
BURST_THREADS = 8
MIB_PER_GIB = 1024


class BurstSender:
    """Sends burst batches, retrying like a TMS, and counts what happened."""

    def __init__(self, bench, deadline, retries=BURST_RETRIES):
        self.bench = bench
        self.deadline = deadline
        self.retries = retries
        self.lock = threading.Lock()
        self.accepted_ids = set()
        self.counts = dict.fromkeys(
            ("not_sent", "retries", "failed", "resent", "duplicates"), 0
        )
        self.resend_statuses = {}

    def bump(self, key, by=1):
        with self.lock:
            self.counts[key] += by

    def send(self, number, events):
        if time.monotonic() > self.deadline:
            self.bump("not_sent", len(events))
            return
        for _attempt in range(self.retries):
            status, answer = self.bench.post_event_results(events)
            if status == 202:
                with self.lock:
                    self.accepted_ids.update(
                        r["event_id"]
                        for r in answer
                        if r["status"] in ("accepted", "duplicate")
                    )
                break
            self.bump("retries")
            time.sleep(RETRY_PAUSE)
        else:
            self.bump("failed", len(events))
            return
        if number % BURST_RESEND_EVERY == 0:  # the TMS delivers it again
            status, answer = self.bench.post_event_results(events)
            self.bump("resent", len(events))
            with self.lock:
                self.resend_statuses[status] = self.resend_statuses.get(status, 0) + 1
            if status == 202:
                self.bump("duplicates", sum(r["status"] == "duplicate" for r in answer))


def _burst_send(bench, sender, started, shape=None):
    """Offer the burst at its rate; return when every request has returned.

    `shape`: (events, batch size, window), the burst's own by default.
    """
    sizes = bench.sizes
    total, size, window = shape or (
        sizes.burst_events,
        sizes.burst_batch,
        sizes.burst_window,
    )
    requests = math.ceil(total / size)
    interval = window / requests
    with ThreadPoolExecutor(max_workers=BURST_THREADS) as pool:
        sent = 0
        for number in range(requests):
            delay = started + number * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            count = min(size, total - sent)
            sent += count
            pool.submit(sender.send, number, bench.factory.batch(count, "burst"))
    return time.monotonic()


def _stored_event_ids(bench, since):
    """The event ids of the TMS events logged after message `since`."""
    return {
        row[0]
        for row in bench.query(
            "SELECT external_id FROM logistics_message WHERE id > %s AND flow_id = %s",
            (since, bench.flow_id),
        )
    }


def _doubled(bench, since):
    messages = bench.query(
        """SELECT count(*) FROM (SELECT external_id FROM logistics_message
            WHERE id > %s AND flow_id = %s GROUP BY external_id
           HAVING count(*) > 1) AS twice""",
        (since, bench.flow_id),
    )[0][0]
    milestones = bench.query(
        """SELECT count(*) FROM (SELECT message_id FROM logistics_shipment_milestone
            WHERE message_id > %s GROUP BY message_id HAVING count(*) > 1) AS twice""",
        (since,),
    )[0][0]
    return messages, milestones


def _drain_check(bench, since, sender, send_end, bound):
    """Wait for the events the burst stored to be applied; count what was lost,
    applied twice or never applied (the checks of every burst scenario)."""
    stored_ids = _stored_event_ids(bench, since)
    waited = bench.wait_tms(since, len(stored_ids), bound)
    states = waited["states"]
    doubled_messages, doubled_milestones = _doubled(bench, since)
    return {
        "stored_ids": stored_ids,
        "waited": waited,
        "drain": waited["finished_at"] - send_end,
        "states": states,
        "doubled_messages": doubled_messages,
        "doubled_milestones": doubled_milestones,
        "lost": len(sender.accepted_ids - stored_ids),
        "not_applied": len(stored_ids)
        - sum(states.get(state, 0) for state in ("done", "stale")),
    }


def scenario_burst(bench):
    sizes = bench.sizes
    total, window = sizes.burst_events, sizes.burst_window
    since = bench.max_message_id()
    bench.stack.rss.reset()
    started = time.monotonic()
    sender = BurstSender(bench, started + window)
    send_end = _burst_send(bench, sender, started)
    drained = _drain_check(bench, since, sender, send_end, sizes.burst_drain_bound)
    stored_ids, waited, drain = (drained[k] for k in ("stored_ids", "waited", "drain"))
    states, not_applied = drained["states"], drained["not_applied"]
    doubled_messages = drained["doubled_messages"]
    doubled_milestones = drained["doubled_milestones"]
    doubled = doubled_messages + doubled_milestones
    accepted = len(sender.accepted_ids)
    lost = drained["lost"] + sender.counts["failed"]
    rss = bench.stack.rss.summary()
    worker_peak = max(
        (
            v
            for k, v in rss.items()
            if k in ("http worker", "cron worker", "job runner")
        ),
        default=None,
    )
    checks = {
        "all offered events accepted in the window": accepted >= total,
        "0 lost": lost == 0,
        "0 applied twice": doubled == 0,
        "drained < 3 min": not waited["timed_out"] and drain < 180,
        "RSS < 1 GiB per worker": worker_peak is not None and worker_peak < MIB_PER_GIB,
    }
    return ScenarioResult(
        details={
            "offered": total,
            "batch": sizes.burst_batch,
            "window_seconds": window,
            "sent_in_window": total - sender.counts["not_sent"],
            "accepted": accepted,
            "stored": len(stored_ids),
            "send_seconds": round(send_end - started, 1),
            "accepted_per_second": _rate(accepted, send_end - started),
            "client": dict(sender.counts, resend_http_statuses=sender.resend_statuses),
            "lost": lost,
            "doubled_messages": doubled_messages,
            "doubled_milestones": doubled_milestones,
            "states_after_drain": states,
            "not_applied": not_applied,
            "drain_seconds": round(drain, 1),
            "drain_seconds_unrounded": drain,
            "drain_timed_out": waited["timed_out"],
            "peak_rss_mib": rss,
            "checks": checks,
        },
    )
