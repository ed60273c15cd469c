"""Odoo's own reload, on a real server started by the suite's launcher.

Odoo re-executes ``sys.argv`` when it reloads: on SIGHUP, and in threaded mode
when a request thread passes ``limit_time_real``. Started with ``python -m
odoo`` it died there ("attempted relative import with no known parent
package"); through ``setup/odoo_server.py`` it comes back, in the same process.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from .conftest import SERVER_LAUNCHER, OdooServer, free_port, stack

LIMIT_TIME_REAL = 4  # seconds: a request longer than that is cut
# Threaded Odoo checks its threads' limits once a minute (SLEEP_INTERVAL of
# odoo/service/server.py): the slow request outlasts that check.
SLOW_REQUEST = 90
WAIT = 150  # seconds, for any expected log line or answer
# Logged at each start; a reload starts Odoo again in the same process.
STARTED = "odoo: Odoo version"


class Server:
    """One Odoo process through the launcher, logging to a file."""

    def __init__(self, log, workers):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = stack.odoo_command(
            sys.executable,
            os.environ["LOGISTICS_ODOO_CONFIG"],
            "-d",
            os.environ["LOGISTICS_TEST_DB"],
            "--http-port",
            str(self.port),
            "--gevent-port",
            str(free_port()),
            "--workers",
            str(workers),
            "--max-cron-threads",
            "0",
            "--limit-time-real",
            str(LIMIT_TIME_REAL),
            # No job runner: the session's server already runs one on this db.
            "--load",
            "base,web",
        )
        with log.open("w") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT
            )

    def text(self):
        return self.log.read_text(errors="replace")

    def healthy(self):
        try:
            return requests.get(f"{self.url}/web/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def wait_for(self, what, predicate):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"Odoo exited waiting for {what}:\n{self.text()[-3000:]}")
            if predicate():
                return
            time.sleep(0.5)
        pytest.fail(f"no {what} within {WAIT} s:\n{self.text()[-3000:]}")

    def wait_healthy(self):
        self.wait_for("answer on /web/health", self.healthy)

    def wait_log(self, line, count=1):
        self.wait_for(f"{line!r} in the log", lambda: self.text().count(line) >= count)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(params=[0, 2], ids=["threaded", "prefork"])
def server(request, tmp_path, odoo_server):  # odoo_server: the db is installed
    started = Server(tmp_path / "odoo.log", workers=request.param)
    started.wait_healthy()
    yield started
    started.stop()
    assert "ImportError" not in started.text()


def test_sighup_reloads_the_server_in_the_same_process(server):
    pid = server.process.pid
    server.process.send_signal(signal.SIGHUP)
    server.wait_log(STARTED, count=2)
    server.wait_healthy()
    assert server.process.poll() is None
    assert server.process.pid == pid
    assert "attempted relative import" not in server.text()


def slow_request(server, seconds):
    """A request that runs `seconds` in the server: a server action that sleeps."""
    odoo = OdooServer(server.url, os.environ["LOGISTICS_TEST_DB"], server.process)
    model = odoo.execute("ir.model", "search", [("model", "=", "res.partner")])
    action = odoo.execute(
        "ir.actions.server",
        "create",
        {
            "name": "e2e: a request past limit_time_real",
            "model_id": model[0],
            "state": "code",
            "code": "time.sleep(%d)" % seconds,
        },
    )
    # The server cuts the call (a dropped connection), or it times out here.
    with contextlib.suppress(requests.RequestException):
        odoo.execute("ir.actions.server", "run", [action])
    return odoo, action


def test_a_request_past_limit_time_real_leaves_the_server_answering(server):
    # Threaded Odoo reloads itself when a request thread passes
    # limit_time_real; prefork kills the worker and forks another.
    prefork = "Worker" in server.text()
    odoo, action = slow_request(server, SLOW_REQUEST)
    if prefork:
        server.wait_log("timeout after")
    else:
        server.wait_log("virtual real time limit")
        server.wait_log(STARTED, count=2)
    server.wait_healthy()
    assert server.process.poll() is None
    odoo.execute("ir.actions.server", "unlink", [action])


def test_the_launcher_is_a_file_odoo_can_re_execute():
    assert Path(SERVER_LAUNCHER).is_file()
    assert "odoo.cli.main()" in Path(SERVER_LAUNCHER).read_text()
