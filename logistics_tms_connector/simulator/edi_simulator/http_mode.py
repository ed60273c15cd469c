"""The partner over HTTP: interchanges POSTed to it are answered 202, and
its answers can be POSTed, signed, to a URL instead of written as files.

The signature is the suite's webhook signature, implemented here again
(the simulator uses none of the suite's code): the headers
``X-Logistics-Timestamp`` (Unix seconds) and ``X-Logistics-Signature``
(``sha256=`` + the hex HMAC-SHA256, keyed by the shared secret, of the
timestamp, a dot and the raw body).
"""

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_logger = logging.getLogger("edi_simulator")

CONTENT_TYPES = {"x12": "application/edi-x12", "edifact": "application/edifact"}
TIMESTAMP_HEADER = "X-Logistics-Timestamp"
SIGNATURE_HEADER = "X-Logistics-Signature"
CORRELATION_HEADER = "X-Correlation-ID"
MAX_BODY_BYTES = 5 * 1024 * 1024
RETRY_DELAYS = (0.2, 0.5, 1, 2, 5)  # seconds before each new attempt
POST_TIMEOUT = 60  # seconds: Odoo under test may hold a request a while
UNDELIVERED = "undelivered"


def sign(secret, timestamp, body):
    """``sha256=<hex>`` of ``<timestamp>.<body>`` keyed by ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return "sha256=" + digest


def signed_headers(secret, body, now=None):
    timestamp = str(int(time.time() if now is None else now))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


class Poster:
    """Sends the partner's answers one after the other, in the order they
    were made, by signed HTTP POST (retried on network errors, 429 and 5xx;
    kept in ``<root>/undelivered`` when every attempt failed)."""

    def __init__(self, url, secret, fmt, root):
        if not secret:
            raise ValueError("an HMAC secret is needed to POST answers")
        self.url = url
        self.secret = secret
        self.content_type = CONTENT_TYPES[fmt]
        self.undelivered = Path(root) / UNDELIVERED
        self.delivered = []  # (name, HTTP status), in order
        self._queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def __call__(self, name, text):
        self._queue.put((name, text))

    def wait(self):
        """Return once every answer given so far is sent (or given up)."""
        self._queue.join()

    def close(self, timeout=10):
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self):
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._send(*item)
            finally:
                self._queue.task_done()

    def _send(self, name, text):
        body = text.encode("utf-8")
        for delay in (0, *RETRY_DELAYS):
            time.sleep(delay)
            status = self._post(name, body)
            if status is not None and (200 <= status < 300):
                self.delivered.append((name, status))
                _logger.info("%s POSTed to %s: %s", name, self.url, status)
                return
            if status is not None and status < 500 and status != 429:
                break  # refused: trying again changes nothing
        _logger.error("%s not delivered to %s (last: %s)", name, self.url, status)
        self.undelivered.mkdir(parents=True, exist_ok=True)
        (self.undelivered / name).write_text(text, encoding="utf-8")

    def _post(self, name, body):
        """The HTTP status of one attempt, or None when no answer came."""
        headers = {
            "Content-Type": self.content_type,
            CORRELATION_HEADER: str(uuid.uuid4()),
            **signed_headers(self.secret, body),
        }
        request = urllib.request.Request(
            self.url, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=POST_TIMEOUT) as response:
                return response.status
        except urllib.error.HTTPError as err:
            _logger.warning(
                "%s refused by %s: %s %s", name, self.url, err.code, err.read()
            )
            return err.code
        except OSError as err:  # connection refused or reset, timeout
            _logger.warning("%s not POSTed to %s: %s", name, self.url, err)
            return None


class InterchangeServer(ThreadingHTTPServer):
    """Answers interchanges POSTed to any path: 202 with the names of the
    answers, 400 for a body that is no interchange, 413 when too large."""

    daemon_threads = True

    def __init__(self, partner, host="127.0.0.1", port=0):
        self.partner = partner
        super().__init__((host, port), _Handler)

    @property
    def url(self):
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"


class _Handler(BaseHTTPRequestHandler):
    server_version = "edi_simulator"

    def do_POST(self):  # the name http.server calls
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._answer(413, {"error": "at most %s bytes" % MAX_BODY_BYTES})
            return
        body = self.rfile.read(length)
        try:
            written = self.server.partner.receive(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as err:  # EdiFormatError is one
            self._answer(400, {"error": str(err)})
            return
        self._answer(202, {"answers": written})

    def _answer(self, status, document):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # http.server names it so
        _logger.info("%s %s", self.address_string(), format % args)
