"""Take the README's screenshots from a running demo (``setup/run``).

Logs in to Odoo as the demo's admin (back office) and as one of its customers
(portal), opens each page in headless Chromium and saves a PNG in
``docs/screenshots``. Chromium is driven over its DevTools protocol with
``websocket-client``, the same pair Odoo's own browser tests use::

    .venv/bin/python setup/screenshots.py [--url http://127.0.0.1:8069] [--only NAME]
"""

import argparse
import base64
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from http.cookiejar import CookieJar
from pathlib import Path

import websocket

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "docs" / "screenshots"
KEYS_FILE = REPO / ".run" / "demo-keys.json"
WINDOW = (1440, 900)
# A page is ready when its main content is drawn and no request is pending.
READY = {
    "backend": "document.querySelector('.o_action_manager .o_view_controller') "
    "&& !document.querySelector('.o_loading_indicator')",
    "portal": "document.readyState === 'complete' && document.querySelector('main')",
}


def _page(name, path, side="backend", caption=""):
    return {"name": name, "path": path, "side": side, "caption": caption}


PAGES = (
    _page(
        "dashboard",
        "/odoo/action-logistics_integration_base.logistics_flow_stat_action",
    ),
    _page(
        "flow-activity",
        "/odoo/action-logistics_integration_base.logistics_flow_activity_action",
    ),
    _page(
        "operations", "/odoo/action-logistics_tms_connector.logistics_ops_tile_action"
    ),
    _page(
        "service-level-report",
        "/odoo/action-logistics_tms_connector.logistics_service_report_action",
    ),
    _page(
        "carrier-scorecard",
        "/odoo/action-logistics_freight_settlement.logistics_carrier_scorecard_action",
    ),
    _page(
        "shipment-form",
        "/odoo/action-logistics_tms_connector.logistics_shipment_action/{shipment}",
    ),
    _page("portal-shipment", "/my/shipments/{shipment}", side="portal"),
    # The simulator's clock runs ahead (a day of transport in minutes): its
    # deliveries are dated later today or tomorrow.
    _page("portal-service-level", "/my/service-level?to={horizon}", side="portal"),
)


class Browser:
    """One headless Chromium tab, driven over the DevTools protocol."""

    def __init__(self, width, height):
        self.profile = tempfile.mkdtemp(prefix="screenshots-")
        self.process = subprocess.Popen(
            [
                shutil.which("chromium") or "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--window-size={width},{height}",
                f"--user-data-dir={self.profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.ids = itertools.count(1)
        self.socket = websocket.create_connection(self._tab_url(), timeout=30)
        self.call("Page.enable")
        self.call("Network.enable")

    def _tab_url(self):
        port_file = Path(self.profile) / "DevToolsActivePort"
        for _ in range(100):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/json/list", timeout=10
        ) as r:
            tabs = json.load(r)
        return next(t for t in tabs if t["type"] == "page")["webSocketDebuggerUrl"]

    def call(self, method, **params):
        call_id = next(self.ids)
        self.socket.send(
            json.dumps({"id": call_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def wait_for(self, expression, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self.call("Runtime.evaluate", expression=f"!!({expression})")
            if result.get("result", {}).get("value"):
                return
            time.sleep(0.25)
        raise TimeoutError(f"page not ready: {expression}")

    def shoot(self, url, ready, path):
        self.call("Page.navigate", url=url)
        time.sleep(0.5)
        self.wait_for(ready)
        time.sleep(1.0)  # charts animate in
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


def _session_cookie(base_url, login, password, db):
    """Log in like the login form does; return Odoo's session id."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"db": db, "login": login, "password": password},
        }
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/web/session/authenticate",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with opener.open(request, timeout=30) as response:
        answer = json.load(response)
    if answer.get("error") or not answer.get("result", {}).get("uid"):
        raise SystemExit(f"login as {login} failed: {answer.get('error')}")
    return next(c.value for c in jar if c.name == "session_id")


def _portal_login():
    """The first demo customer's portal login (see setup/demo_seed.py)."""
    customer = next(iter(json.loads(KEYS_FILE.read_text()).values()))
    return customer["login"], customer["password"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="logistics")
    parser.add_argument("--shipment", type=int, default=1, help="shipment id to show")
    parser.add_argument("--only", action="append", help="page name (repeatable)")
    args = parser.parse_args(argv)
    pages = [p for p in PAGES if not args.only or p["name"] in args.only]
    sessions = {"backend": _session_cookie(args.url, "admin", "admin", args.db)}
    if any(p["side"] == "portal" for p in pages):
        sessions["portal"] = _session_cookie(args.url, *_portal_login(), args.db)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    browser = Browser(*WINDOW)
    try:
        for page in pages:
            browser.call("Network.clearBrowserCookies")
            browser.call(
                "Network.setCookie",
                name="session_id",
                value=sessions[page["side"]],
                url=args.url,
            )
            path = OUT_DIR / f"{page['name']}.png"
            horizon = (datetime.now(timezone.utc) + timedelta(days=31)).date()
            url = args.url + page["path"].format(
                shipment=args.shipment, horizon=horizon.isoformat()
            )
            browser.shoot(url, READY[page["side"]], path)
            print(f"{path.relative_to(REPO)}: {url}")
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
