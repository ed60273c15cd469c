"""Latency of the single-event webhook."""

from .. import access_log, load
from .common import HEALTH, JOB_RUN, REST_ENDPOINT, WEBHOOK, _open
from .result import ScenarioResult


def scenario_webhook_latency(bench):
    sizes = bench.sizes
    rate, seconds = sizes.webhook_rate, sizes.latency_seconds

    def webhook(_number):
        status, _outcomes = bench.post_events(
            bench.factory.batch(1, "latency"), single=True
        )
        return status

    # The jobs run on the HTTP workers, or on a job node (run.py --job-node).
    job_server = bench.stack.job_node or bench.stack
    log_mark = bench.stack.server_log_size()
    job_log_mark = job_server.server_log_size()
    ours = load.latency_summary(_open(bench, rate, seconds, webhook), ok=(202,))
    bench.settle()
    # What the server did per request (the client's latency adds the queueing).
    routes = access_log.summary(
        access_log.requests_in(bench.stack.server_log_since(log_mark))
    )
    job_routes = access_log.summary(
        access_log.requests_in(job_server.server_log_since(job_log_mark))
    )
    server = {
        "webhook": routes.get("POST " + WEBHOOK % REST_ENDPOINT),
        "job_run": job_routes.get("GET " + JOB_RUN),
    }
    health = load.latency_summary(
        _open(bench, rate, seconds, lambda _n: bench.http.request("GET", HEALTH)[0])
    )
    return ScenarioResult(
        details={
            "rate": rate,
            "seconds": seconds,
            "ours": ours,
            "health": health,
            "server": server,
            "jobs_on": "job node" if bench.stack.job_node else "http workers",
        },
    )
