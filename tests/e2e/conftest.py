"""A real Odoo server (threaded, with the queue_job runner) for end-to-end tests.

The test command installs the suite into a fresh database, then runs these tests
against it with LOGISTICS_TEST_DB and LOGISTICS_ODOO_CONFIG set.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

# The suite's one stack launcher (setup/suite/stack.py, standard library only).
SETUP = Path(__file__).resolve().parents[2] / "setup"
if str(SETUP) not in sys.path:
    sys.path.insert(0, str(SETUP))
from suite import stack  # noqa: E402

STARTUP_TIMEOUT = 120
REQUEST_TIMEOUT = 10
ADMIN = ("admin", "admin")
# The suite's one launcher of Odoo processes (re-executes itself on reload).
SERVER_LAUNCHER = stack.SERVER_LAUNCHER
free_port = stack.free_port


class OdooServer:
    def __init__(self, url, db, process):
        self.url = url
        self.db = db
        self.process = process
        self._uid = None

    def rpc(self, service, method, *args):
        response = requests.post(
            f"{self.url}/jsonrpc",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"service": service, "method": method, "args": args},
            },
            timeout=REQUEST_TIMEOUT,
        )
        response.raise_for_status()
        body = response.json()
        if body.get("error"):
            raise AssertionError(body["error"]["data"]["message"])
        return body.get("result")  # absent when the method returns None

    def execute(self, model, method, *args, **kwargs):
        if self._uid is None:
            self._uid = self.rpc("common", "login", self.db, *ADMIN)
        return self.rpc(
            "object",
            "execute_kw",
            self.db,
            self._uid,
            ADMIN[1],
            model,
            method,
            list(args),
            kwargs,
        )


def _healthy(url):
    try:
        return requests.get(f"{url}/web/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False  # still starting


@pytest.fixture(scope="session")
def odoo_server(tmp_path_factory):
    db = os.environ.get("LOGISTICS_TEST_DB")
    config = os.environ.get("LOGISTICS_ODOO_CONFIG")
    if not (db and config):
        pytest.fail(
            "LOGISTICS_TEST_DB and LOGISTICS_ODOO_CONFIG must name an installed "
            "database and its config: run these tests through setup/test."
        )
    port = free_port()
    log = tmp_path_factory.mktemp("odoo") / "server.log"
    with Path(log).open("w") as out:
        process = subprocess.Popen(
            stack.odoo_command(
                sys.executable, config, "-d", db, "--http-port", port, "--workers", 0
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, ODOO_QUEUE_JOB_PORT=str(port)),
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Odoo exited at start-up:\n{Path(log).read_text()[-3000:]}")
        if _healthy(url):
            break
        time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("Odoo did not answer /web/health in time")
    yield OdooServer(url, db, process)
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
