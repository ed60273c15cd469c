"""The foreign-dialect TMS (``simulator/foreign_tms``) as a real process on
loopback, driven through its ``/_control`` API."""

import os
import subprocess
import sys
from pathlib import Path

import requests

SIMULATOR_DIR = Path(__file__).resolve().parents[1] / "simulator"
READY = "foreign TMS listening on "
TIMEOUT = 10


class ForeignTms:
    """``with ForeignTms("odoo", "s3cret") as tms:``; ``tms.url`` is its root."""

    def __init__(self, client_id, client_secret):
        self.args = ["--client-id", client_id, f"--client-secret={client_secret}"]
        self.process = None
        self.url = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "foreign_tms", "--port", "0", *self.args],
            env={**os.environ, "PYTHONPATH": str(SIMULATOR_DIR)},
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline().strip()
        if not line.startswith(READY):
            self.process.kill()
            raise RuntimeError(f"the foreign TMS did not start: {line!r}")
        self.url = line[len(READY) :]
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=TIMEOUT)

    def _control(self, method, name, body=None):
        response = requests.request(
            method, f"{self.url}/_control/{name}", json=body, timeout=TIMEOUT
        )
        response.raise_for_status()
        return response.json()

    def reset(self):
        """Forget loads, updates and the tokens handed out."""
        return self._control("POST", "reset")

    def revoke_tokens(self):
        """Forget the tokens handed out (as a key rotation would)."""
        return self._control("POST", "revoke-tokens")

    def loads(self):
        return self._control("GET", "loads")

    def advance(self, load_id, steps=1):
        return self._control("POST", "advance", {"loadId": load_id, "steps": steps})
