"""Webhook acceptance: batched posts against single-event ones."""

from .. import load
from .common import SENDERS, _lazy_batches, _rate, send_batches
from .result import ScenarioResult


def scenario_accept(bench):
    sizes = bench.sizes
    by_batch = {}
    for size in sizes.accept_batches:
        since = bench.max_message_id()
        sent = send_batches(
            bench,
            _lazy_batches(bench, sizes.accept_events, size, "accept%s" % size),
            SENDERS,
            sizes.accept_bound,
        )
        stored = sum(bench.tms_states(since).values())
        by_batch[size] = {
            "events": sizes.accept_events,
            "accepted": sent["accepted"],
            "stored": stored,
            "failed_requests": sent["failed_requests"],
            "seconds": round(sent["seconds"], 2),
            "accepted_per_second": _rate(sent["accepted"], sent["seconds"]),
            "request_p50_ms": _ms(load.percentile(sent["request_seconds"], 0.5)),
            "request_p95_ms": _ms(load.percentile(sent["request_seconds"], 0.95)),
        }
        bench.settle()
    since = bench.max_message_id()
    single = send_batches(
        bench,
        ([event] for event in bench.factory.batch(sizes.accept_single_events, "one")),
        SENDERS,
        sizes.accept_bound,
        single=True,
    )
    single_stored = sum(bench.tms_states(since).values())
    single_rate = _rate(single["accepted"], single["seconds"])
    lost = sum(b["accepted"] - b["stored"] for b in by_batch.values())
    return ScenarioResult(
        details={
            "senders": SENDERS,
            "by_batch_size": by_batch,
            "single": {
                "events": sizes.accept_single_events,
                "accepted": single["accepted"],
                "stored": single_stored,
                "seconds": round(single["seconds"], 2),
                "accepted_per_second": single_rate,
                "request_p95_ms": _ms(load.percentile(single["request_seconds"], 0.95)),
            },
            "accepted_not_stored": lost,
        },
    )


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)
