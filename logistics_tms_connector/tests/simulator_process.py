"""The TMS simulator as a real process on loopback, driven through its API."""

import os
import subprocess
import sys
from pathlib import Path

import requests

# The launch contract: ``python -m tms_simulator`` with this folder on the path.
SIMULATOR_PATH = Path(__file__).resolve().parent.parent / "simulator"
START_TIMEOUT = 20
CONTROL_TIMEOUT = 10
READY_PREFIX = "TMS simulator listening on "


class TmsSimulator:
    """Start with `with TmsSimulator(...) as tms:`; `tms.url` is its base URL."""

    def __init__(self, api_key=None, webhook_url=None, webhook_secret=None):
        self.args = [
            sys.executable,
            "-m",
            "tms_simulator",
            "--port",
            "0",
            "--no-auto-advance",
        ]
        if api_key:
            self.args += ["--api-key", api_key]
        if webhook_url:
            self.args += ["--webhook-url", webhook_url]
        if webhook_secret:
            self.args += ["--webhook-secret", webhook_secret]
        self.process = None
        self.url = None

    def __enter__(self):
        self.process = subprocess.Popen(
            self.args,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONPATH": str(SIMULATOR_PATH)},
        )
        line = self.process.stdout.readline()
        if not line.startswith(READY_PREFIX):
            self.process.kill()
            raise RuntimeError("the TMS simulator did not start: %r" % line)
        self.url = line[len(READY_PREFIX) :].strip()
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=CONTROL_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()

    @property
    def api_url(self):
        return self.url + "/api/v1/"

    @property
    def soap_url(self):
        return self.url + "/soap"

    def control(self, path, body=None):
        method = requests.post if body is not None else requests.get
        kwargs = {"json": body} if body is not None else {}
        response = method(
            "%s/_control/%s" % (self.url, path), timeout=CONTROL_TIMEOUT, **kwargs
        )
        response.raise_for_status()
        return response.json()

    def reset(self):
        return self.control("reset", {})

    def advance(self, shipment_id, steps=1):
        return self.control("advance", {"shipment_id": shipment_id, "steps": steps})

    def shipments(self):
        return self.control("shipments")
