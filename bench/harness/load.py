"""Load generation with the standard library: threads and ``http.client``.

Two shapes, both bounded in count and in time:

* ``closed_loop``: N workers send back to back (throughput);
* ``open_loop``: requests start at a fixed rate whatever the answers do
  (latency). Latency is measured from the *intended* start, so a slow server
  cannot hide its queueing (no coordinated omission).

Odoo's prefork workers answer HTTP/1.0 and close the connection, so every
request opens a fresh loopback connection, as a proxy in front of Odoo would.
"""

import http.client
import itertools
import json
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

REQUEST_TIMEOUT = 120
OPEN_LOOP_THREADS = 48


class Http:
    def __init__(self, base_url, timeout=REQUEST_TIMEOUT):
        parts = urlsplit(base_url)
        self.host = parts.hostname
        self.port = parts.port
        self.timeout = timeout

    def request(self, method, path, body=None, headers=None):
        """(status, body bytes); status 0 for a connection error or timeout."""
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=self.timeout
        )
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as err:
            return 0, str(err).encode()
        finally:
            connection.close()


class RpcError(RuntimeError):
    pass


class Rpc:
    """Odoo's external JSON-RPC API (/jsonrpc, execute_kw), as a client uses it."""

    def __init__(self, base_url, db, login, password):
        self.http = Http(base_url)
        self.db = db
        self.password = password
        self.uid = self.call("common", "login", db, login, password)
        if not self.uid:
            raise RpcError("JSON-RPC login refused for %s" % login)

    def call(self, service, method, *args):
        status, body = self.http.request(
            "POST",
            "/jsonrpc",
            json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"service": service, "method": method, "args": args},
                }
            ).encode(),
            {"Content-Type": "application/json"},
        )
        if status != 200:
            raise RpcError("JSON-RPC answered HTTP %s: %s" % (status, body[:200]))
        answer = json.loads(body)
        if answer.get("error"):
            raise RpcError(answer["error"]["data"]["message"])
        return answer["result"]

    def execute(self, model, method, *args, **kwargs):
        return self.call(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
        )


def closed_loop(workers, tasks, max_seconds):
    """Run ``tasks`` (callables) on ``workers`` threads until done or time is up.

    Each task returns a dict; the answer is (results, elapsed seconds). Tasks
    not started before the deadline are not run.
    """
    source = iter(tasks)
    lock = threading.Lock()
    results = []
    started = time.monotonic()
    deadline = started + max_seconds

    def work():
        while time.monotonic() < deadline:
            with lock:
                task = next(source, None)
            if task is None:
                return
            t0 = time.monotonic()
            outcome = task()
            outcome["seconds"] = time.monotonic() - t0
            outcome["ended"] = time.monotonic()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=work, daemon=True) for _n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max_seconds + REQUEST_TIMEOUT)
    return results, time.monotonic() - started


def open_loop(rate, max_requests, max_seconds, call, threads=OPEN_LOOP_THREADS):
    """Start ``call(n)`` at ``rate`` per second; return one record per request.

    A record: intended start, actual start, end (monotonic seconds), status.
    At most ``max_requests`` requests, none scheduled after ``max_seconds``.
    """
    records = []
    lock = threading.Lock()
    started = time.monotonic()

    def run(number, intended):
        actual = time.monotonic()
        status = call(number)
        record = {
            "intended": intended,
            "start": actual,
            "end": time.monotonic(),
            "status": status,
        }
        with lock:
            records.append(record)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for number in itertools.count():
            intended = started + number / rate
            if number >= max_requests or intended - started > max_seconds:
                break
            delay = intended - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(run, number, intended)
    return records, started


def percentile(values, fraction):
    """Nearest-rank percentile of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def latency_summary(records, ok=(200,)):
    """p50/p95/p99/max in milliseconds from intended start, and error counts."""
    good = [r for r in records if r["status"] in ok]
    latencies = [(r["end"] - r["intended"]) * 1000 for r in good]
    service = [(r["end"] - r["start"]) * 1000 for r in good]
    span = (
        max(r["end"] for r in records) - min(r["intended"] for r in records)
        if records
        else 0
    )
    return {
        "requests": len(records),
        "ok": len(good),
        "errors": len(records) - len(good),
        "error_statuses": sorted({r["status"] for r in records} - set(ok)),
        "achieved_rate": round(len(records) / span, 1) if span else None,
        "p50_ms": _round(percentile(latencies, 0.50)),
        "p95_ms": _round(percentile(latencies, 0.95)),
        "p99_ms": _round(percentile(latencies, 0.99)),
        "max_ms": _round(max(latencies) if latencies else None),
        "service_p95_ms": _round(percentile(service, 0.95)),
    }


def _round(value):
    return None if value is None else round(value, 1)
