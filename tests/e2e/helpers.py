"""What the end-to-end tests share: XML ids, waiting for a state, a customer
with its portal user and API key. Imported as ``tests.e2e.helpers`` (the root
conftest registers ``tests`` as a plain package)."""

import json
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SETUP = Path(__file__).resolve().parents[2] / "setup"
if str(SETUP) not in sys.path:
    sys.path.insert(0, str(SETUP))
from suite import stack  # noqa: E402

POLL_INTERVAL = 0.5
ALLOW_LIST_PARAM = "logistics_integration_base.outbound_allow_list"
ALL_SCOPES = "orders:write orders:read shipments:read webhooks:manage"


def xml_id(odoo_server, module, name):
    """The database id of the record `module.name`."""
    rows = odoo_server.execute(
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", name)],
        fields=["res_id"],
    )
    return rows[0]["res_id"]


def wait_for(what, probe, timeout, interval=POLL_INTERVAL):
    """`probe()` until it answers something true, which is returned; the test
    fails with `what` (and the last answer) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


@dataclass(frozen=True)
class Customer:
    company_id: int
    user_id: int
    login: str
    key_id: int
    api_key: str


def portal_customer(
    odoo_server, label, *, company=None, scopes=ALL_SCOPES, password=False, key=None
):
    """A customer company (`company`: more of its values), its portal user (a
    password of its login + "-pw" with `password`) and an API key (`key`: more
    of its values), all named after `label` and a fresh tag."""
    tag = uuid.uuid4().hex[:8]
    execute = odoo_server.execute
    company_id = execute(
        "res.partner",
        "create",
        {"name": "%s %s" % (label, tag), "is_company": True, **(company or {})},
    )
    login = "%s-%s" % (label.lower().replace(" ", "-"), tag)
    user_id = execute(
        "res.users",
        "create",
        {
            "name": "%s buyer %s" % (label, tag),
            "login": login,
            **({"password": login + "-pw"} if password else {}),
            "groups_id": [(6, 0, [xml_id(odoo_server, "base", "group_portal")])],
        },
    )
    [user] = execute("res.users", "read", [user_id], fields=["partner_id"])
    execute("res.partner", "write", [user["partner_id"][0]], {"parent_id": company_id})
    key_id = execute(
        "logistics.api.key",
        "create",
        {
            "name": "%s %s" % (label, tag),
            "user_id": user_id,
            "scopes": scopes,
            **(key or {}),
        },
    )
    action = execute("logistics.api.key", "action_generate", [key_id])
    return Customer(
        company_id, user_id, login, key_id, action["context"]["default_api_key"]
    )


def pushing_simulator(
    odoo_server, endpoint_code, id_prefix, timeout, *, auto_advance=True
):
    """A TMS simulator of its own that pushes signed webhooks to the endpoint
    `endpoint_code` of `odoo_server`: (process, url, its API key, webhook
    secret). Its timelines move by themselves, or, with `auto_advance` off,
    when the test advances them. Stop the process with `stack.stop_process`."""
    api_key, secret = uuid.uuid4().hex, uuid.uuid4().hex
    pace = ["--step-delay", "0.3"] if auto_advance else ["--no-auto-advance"]
    process, simulator_url = stack.start_simulator(
        [
            f"--api-key={api_key}",
            "--webhook-url",
            "%s/logistics/tms/%s/events" % (odoo_server.url, endpoint_code),
            f"--webhook-secret={secret}",
            *pace,
            "--id-prefix",
            id_prefix,
        ],
        timeout=timeout,
    )
    return process, simulator_url, api_key, secret


def rest_tms_endpoint(
    odoo_server, code, name, simulator_url, *, api_key, secret, **values
):
    """A REST TMS endpoint on a simulator, with its API key and HMAC secret."""
    endpoint = odoo_server.execute(
        "logistics.endpoint",
        "create",
        {
            "name": name,
            "code": code,
            "system": "tms",
            "protocol": "rest",
            "base_url": simulator_url + "/api/v1/",
            "auth_method": "api_key",
            "api_key_header": "X-API-Key",
            **values,
        },
    )
    odoo_server.execute(
        "logistics.endpoint.secret",
        "create",
        [
            {"endpoint_id": endpoint, "kind": "api_key", "value": api_key},
            {"endpoint_id": endpoint, "kind": "hmac", "value": secret},
        ],
    )
    return endpoint


class _Receiver(BaseHTTPRequestHandler):
    """A customer's webhook receiver: keeps the bodies it is sent."""

    received = None  # a list per server (see webhook_receiver)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.received.append(json.loads(self.rfile.read(length) or b"null"))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args):
        pass


@contextmanager
def webhook_receiver(odoo_server):
    """``(url, received bodies)`` of a local webhook receiver; loopback is
    allowed for webhooks while it runs, as before afterwards."""
    execute = odoo_server.execute
    allowed = execute("ir.config_parameter", "get_param", ALLOW_LIST_PARAM)
    execute("ir.config_parameter", "set_param", ALLOW_LIST_PARAM, "127.0.0.1")
    received = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%s/events" % server.server_address[1], received
    finally:
        server.shutdown()
        server.server_close()
        execute("ir.config_parameter", "set_param", ALLOW_LIST_PARAM, allowed or False)
