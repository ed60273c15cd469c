"""The TMS simulator as a real process on loopback, driven through its API.

Started by the suite's one stack launcher (``setup/suite/stack.py`` of the
repository, standard library only), loaded by file path: these tests run inside
Odoo, where ``setup/`` is no package on sys.path.
"""

import importlib.util
import sys
from pathlib import Path

import requests

LAUNCHER = Path(__file__).resolve().parents[2] / "setup" / "suite" / "stack.py"
CONTROL_TIMEOUT = 10


def _launcher():
    name = "logistics_suite_stack_launcher"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, LAUNCHER)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


class TmsSimulator:
    """Start with `with TmsSimulator(...) as tms:`; `tms.url` is its base URL."""

    def __init__(self, api_key=None, webhook_url=None, webhook_secret=None):
        self.args = ["--port", "0", "--no-auto-advance"]
        if api_key:
            self.args += [f"--api-key={api_key}"]
        if webhook_url:
            self.args += ["--webhook-url", webhook_url]
        if webhook_secret:
            self.args += [f"--webhook-secret={webhook_secret}"]
        self.process = None
        self.url = None

    def __enter__(self):
        launcher = _launcher()
        try:
            self.process, self.url = launcher.start_simulator(self.args)
        except launcher.SimulatorError as err:
            raise RuntimeError(str(err)) from err
        return self

    def __exit__(self, *exc):
        _launcher().stop_process(self.process, timeout=CONTROL_TIMEOUT)

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
