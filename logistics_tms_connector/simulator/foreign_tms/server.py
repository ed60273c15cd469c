"""The foreign TMS's state and HTTP server (see the package's docstring)."""

import argparse
import base64
import json
import logging
import secrets
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

_logger = logging.getLogger("foreign_tms")

# Its own status codes, in the order a load goes through them.
STATUS_CODES = (1000, 1100, 1200, 1500, 1800, 2000)
CANCELLED = 9000
STEP_SECONDS = 1800  # half an hour of transport between two updates
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
DEFAULT_TOKEN_TTL = 3600
PLACE_ZONE = "Europe/Brussels"


class ApiError(Exception):
    def __init__(self, status, code, detail, pointer=None):
        super().__init__(detail)
        self.status = status
        self.body = {"errors": [{"code": code, "pointer": pointer, "detail": detail}]}


class ForeignTms:
    """Loads, their updates and the tokens handed out; thread-safe."""

    def __init__(
        self,
        client_id,
        client_secret,
        token_ttl=DEFAULT_TOKEN_TTL,
        id_prefix="",
        step_seconds=STEP_SECONDS,
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.id_prefix = id_prefix
        # Steps advanced all at once (tests) are dated apart; steps advanced
        # as time goes (--auto-advance) happen now.
        self.step_seconds = step_seconds
        self.token_ttl = token_ttl
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._loads = {}
            self._updates = []
            self._tokens = {}

    # OAuth2

    def issue_token(self, client_id, client_secret, grant_type):
        if grant_type != "client_credentials":
            raise ApiError(400, "unsupported_grant_type", "use client_credentials")
        if not (
            secrets.compare_digest(client_id or "", self.client_id)
            and secrets.compare_digest(client_secret or "", self.client_secret)
        ):
            raise ApiError(401, "invalid_client", "unknown client or wrong secret")
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_ttl
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.token_ttl,
        }

    def revoke_tokens(self):
        with self._lock:
            revoked = len(self._tokens)
            self._tokens = {}
        return {"revoked": revoked}

    def check_token(self, authorization):
        scheme, _, token = (authorization or "").partition(" ")
        with self._lock:
            expires = self._tokens.get(token) if scheme == "Bearer" else None
        if expires is None or expires < time.monotonic():
            raise ApiError(401, "AUTH", "a valid Bearer token is required")

    # loads

    def create_load(self, body):
        load = body.get("load") if isinstance(body, dict) else None
        if not isinstance(load, dict):
            raise ApiError(422, "VALIDATION", "load must be an object", "/load")
        for key in ("customerRef", "pickup", "delivery"):
            if not load.get(key):
                raise ApiError(422, "VALIDATION", "required", f"/load/{key}")
        with self._lock:
            for load_id, known in self._loads.items():
                if known["customerRef"] == load["customerRef"]:
                    return False, {"loadId": load_id, "state": known["state"]}
            load_id = "LD-%s%05d" % (self.id_prefix, len(self._loads) + 1)
            self._loads[load_id] = {
                "customerRef": load["customerRef"],
                "request": load,
                "state": "TENDERED",
                "step": 0,
            }
        return True, {"loadId": load_id, "state": "TENDERED"}

    def get_load(self, load_id):
        with self._lock:
            load = self._loads.get(load_id)
            if load is None:
                raise ApiError(404, "NOT_FOUND", f"no load {load_id}")
            return {
                "loadId": load_id,
                "state": load["state"],
                "customerRef": load["customerRef"],
            }

    def update_load(self, load_id, body):
        load = body.get("load") if isinstance(body, dict) else None
        if not isinstance(load, dict):
            raise ApiError(422, "VALIDATION", "load must be an object", "/load")
        with self._lock:
            known = self._loads.get(load_id)
            if known is None:
                raise ApiError(404, "NOT_FOUND", f"no load {load_id}")
            if known["state"] in ("DELIVERED", "CANCELLED"):
                raise ApiError(
                    409, "STATE", f"a {known['state'].lower()} load is final"
                )
            known["request"] = load
            known["updates"] = known.get("updates", 0) + 1
            return {"loadId": load_id, "state": known["state"]}

    def cancel_load(self, load_id):
        with self._lock:
            load = self._loads.get(load_id)
            if load is None:
                raise ApiError(404, "NOT_FOUND", f"no load {load_id}")
            if load["state"] == "DELIVERED":
                raise ApiError(409, "STATE", "a delivered load cannot be cancelled")
            load["state"] = "CANCELLED"
            self._add_update(load_id, load, CANCELLED)
        return {"loadId": load_id, "state": "CANCELLED"}

    def advance(self, load_id, steps):
        with self._lock:
            load = self._loads.get(load_id)
            if load is None:
                raise ApiError(404, "NOT_FOUND", f"no load {load_id}")
            for _ in range(steps):
                if load["step"] >= len(STATUS_CODES) or load["state"] == "CANCELLED":
                    break
                code = STATUS_CODES[load["step"]]
                load["step"] += 1
                load["state"] = "DELIVERED" if code == STATUS_CODES[-1] else "MOVING"
                self._add_update(load_id, load, code)
            return {"loadId": load_id, "state": load["state"], "step": load["step"]}

    def advance_all(self):
        """One step for every load still moving (``--auto-advance``)."""
        with self._lock:
            moving = [
                load_id
                for load_id, load in self._loads.items()
                if load["state"] in ("TENDERED", "MOVING")
            ]
        for load_id in moving:
            self.advance(load_id, 1)
        return len(moving)

    def _add_update(self, load_id, load, code):
        seq = len(self._updates) + 1
        self._updates.append(
            {
                "load": {"id": load_id, "customerRef": load["customerRef"]},
                "update": {
                    "seq": seq,
                    "statusCode": code,
                    "epoch": int(time.time()) + load["step"] * self.step_seconds,
                    "tz": PLACE_ZONE,
                },
            }
        )

    def tracking(self, page_token, page_size):
        after = _read_page_token(page_token)
        with self._lock:
            items = [u for u in self._updates if u["update"]["seq"] > after][:page_size]
            more = bool(items) and items[-1]["update"]["seq"] < len(self._updates)
        next_token = _page_token(items[-1]["update"]["seq"]) if more else None
        return {"items": items, "nextPageToken": next_token}

    def loads(self):
        with self._lock:
            return {load_id: dict(load) for load_id, load in self._loads.items()}


def _page_token(seq):
    return base64.urlsafe_b64encode(json.dumps({"after": seq}).encode()).decode()


def _read_page_token(token):
    if not token:
        return 0
    try:
        after = json.loads(base64.urlsafe_b64decode(token.encode()))["after"]
    except (ValueError, KeyError, TypeError):
        raise ApiError(
            400, "PAGE_TOKEN", "pageToken is not one this API gave"
        ) from None
    if not isinstance(after, int) or after < 0:
        raise ApiError(400, "PAGE_TOKEN", "pageToken is not one this API gave")
    return after


class Handler(BaseHTTPRequestHandler):
    server_version = "ForeignTMS/2"

    def log_message(self, fmt, *args):
        _logger.debug(fmt, *args)

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_GET

    def _dispatch(self):
        tms = self.server.tms
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        headers = {}
        try:
            status, body = self._route(tms, self.command, url.path.rstrip("/"), query)
        except ApiError as err:
            status, body = err.status, err.body
        if isinstance(body, dict) and body.get("nextPageToken"):
            # The next page twice, as many APIs give it: in the body and as
            # an RFC 8288 Link header.
            next_query = urlencode({**query, "pageToken": body["nextPageToken"]})
            headers["Link"] = f'<{url.path}?{next_query}>; rel="next"'
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json(self):
        try:
            return json.loads(self._body() or b"null")
        except ValueError:
            raise ApiError(400, "JSON", "the body is not JSON") from None

    def _route(self, tms, method, path, query):
        if path == "/oauth/token" and method == "POST":
            return 200, self._token(tms)
        if path.startswith("/_control/"):
            return self._control(tms, method, path)
        if not path.startswith("/v2/"):
            raise ApiError(404, "NOT_FOUND", f"no route {method} {path}")
        tms.check_token(self.headers.get("Authorization"))
        return self._api(tms, method, path.split("/")[2:], query)

    def _api(self, tms, method, parts, query):
        if parts == ["loads"] and method == "POST":
            created, data = tms.create_load(self._json())
            return (201 if created else 200), {"data": data}
        if parts == ["tracking"] and method == "GET":
            size = _page_size(query.get("pageSize"))
            return 200, tms.tracking(query.get("pageToken"), size)
        load_id = parts[1] if len(parts) > 1 and parts[0] == "loads" else None
        actions = {
            ("GET", 2): lambda: tms.get_load(load_id),
            ("PUT", 2): lambda: tms.update_load(load_id, self._json()),
        }
        if len(parts) == 3 and parts[2] == "cancellation":
            actions[("POST", 3)] = lambda: tms.cancel_load(load_id)
        action = actions.get((method, len(parts))) if load_id else None
        if action is None:
            raise ApiError(404, "NOT_FOUND", f"no route {method} /{'/'.join(parts)}")
        return 200, {"data": action()}

    def _token(self, tms):
        form = {k: v[-1] for k, v in parse_qs(self._body().decode()).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        scheme, _, credentials = (self.headers.get("Authorization") or "").partition(
            " "
        )
        if scheme == "Basic":
            try:
                decoded = base64.b64decode(credentials).decode()
            except ValueError:
                decoded = ""
            client_id, _, client_secret = decoded.partition(":")
        return tms.issue_token(client_id, client_secret, form.get("grant_type"))

    def _control(self, tms, method, path):
        if path == "/_control/reset" and method == "POST":
            tms.reset()
            return 200, {"status": "reset"}
        if path == "/_control/revoke-tokens" and method == "POST":
            return 200, tms.revoke_tokens()
        if path == "/_control/loads" and method == "GET":
            return 200, tms.loads()
        if path == "/_control/advance" and method == "POST":
            body = self._json() or {}
            steps = body.get("steps", 1)
            if not isinstance(steps, int) or steps < 1:
                raise ApiError(422, "VALIDATION", "steps must be a positive integer")
            return 200, tms.advance(body.get("loadId"), steps)
        raise ApiError(404, "NOT_FOUND", f"no route {method} {path}")


def _page_size(value):
    if value is None:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(value)
    except ValueError:
        raise ApiError(400, "PAGE_SIZE", "pageSize must be a number") from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ApiError(400, "PAGE_SIZE", f"pageSize must be 1 to {MAX_PAGE_SIZE}")
    return size


def _advance_every(tms, seconds, stop):
    while not stop.wait(seconds):
        tms.advance_all()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m foreign_tms")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--token-ttl", type=int, default=DEFAULT_TOKEN_TTL)
    parser.add_argument(
        "--id-prefix",
        default="",
        help="put in every load id (ids unique across runs, e.g. a demo's)",
    )
    parser.add_argument(
        "--auto-advance",
        type=float,
        default=0,
        metavar="SECONDS",
        help="every SECONDS, one step for every moving load (0: only by control)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s foreign_tms %(message)s"
    )
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.tms = ForeignTms(
        args.client_id,
        args.client_secret,
        args.token_ttl,
        args.id_prefix,
        step_seconds=0 if args.auto_advance > 0 else STEP_SECONDS,
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    if args.auto_advance > 0:
        threading.Thread(
            target=_advance_every,
            args=(server.tms, args.auto_advance, stop),
            daemon=True,
        ).start()
    print(
        f"foreign TMS listening on http://127.0.0.1:{server.server_address[1]}",
        flush=True,
    )
    stop.wait()
    server.shutdown()
    server.server_close()
    return 0
