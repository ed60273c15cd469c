"""Tests of the EDI partner simulator's HTTP mode, as a real process: it takes
interchanges by POST and POSTs its answers, signed, to a receiver of the
test's. The signatures are checked with the suite's own code and the
answers read with the suite's codecs (two independent implementations
agreeing)."""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from odoo.addons.logistics_integration_base.lib import signature
from odoo.addons.logistics_tms_connector.lib import edifact, x12, x12_sets

HERE = Path(__file__).resolve().parent
SECRET = "edi-http-secret"
WAIT = 15
WHEN = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
DOCUMENT = {
    "reference": "SHP-2026-00077",
    "order_reference": "S00077",
    "shipper": {"name": "YourCompany", "city": "Liege", "country_code": "BE"},
    "consignee": {"name": "Brasserie Dupont", "city": "Leuze", "country_code": "BE"},
    "items": [{"description": "Keg 30 l", "quantity": 4}],
    "totals": {"weight_kg": 146.0},
}


def _tender(fmt, control=11):
    if fmt == "edifact":
        segments = edifact.transport_instruction(DOCUMENT, WHEN)
        return edifact.serialize(
            "ODOO", "ACME", control, [("IFTMIN", "1", segments)], WHEN
        )
    group = x12.Group(
        "SM",
        "ODOO",
        "ACME",
        control,
        transactions=[x12_sets.load_tender(DOCUMENT, "ACME", 1)],
    )
    return x12.serialize(
        x12.Interchange(
            "ZZ", "ODOO", "02", "ACME", control, "261130", "0900", groups=[group]
        )
    )


class Receiver(ThreadingHTTPServer):
    """What Odoo's inbound route is to the simulator: it records each POST
    and answers the next status of ``statuses`` (202 once they run out)."""

    daemon_threads = True

    def __init__(self, statuses=()):
        self.received = []
        self.statuses = list(statuses)
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Recording)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%s/logistics/edi/acme/inbound" % self.server_port

    def wait_for(self, count):
        deadline = time.monotonic() + WAIT
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received


class _Recording(BaseHTTPRequestHandler):
    def do_POST(self):  # the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            status = self.server.statuses.pop(0) if self.server.statuses else 202
            self.server.received.append((self.headers, body, status))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args):
        pass


class Simulator:
    def __init__(self, root, *args):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "edi_simulator", "--root", str(root), *args],
            env={**os.environ, "PYTHONPATH": str(HERE)},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.url = None

    def __enter__(self):
        ready = self.process.stdout.readline().split()
        assert ready[:1] == ["ready"], ready
        self.url = ready[1] if len(ready) > 1 else None
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        assert self.process.wait(timeout=10) == 0

    def post(self, text, content_type="application/edi-x12"):
        request = urllib.request.Request(
            self.url,
            data=text.encode(),
            headers={"Content-Type": content_type},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=WAIT) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())


def _http_args(receiver, fmt="x12"):
    return [
        "--format",
        fmt,
        "--http-port",
        "0",
        "--post-to",
        receiver.url,
        "--hmac-secret",
        SECRET,
    ]


def test_a_posted_204_gets_997_990_214_210_posted_signed(tmp_path):
    receiver = Receiver()
    with Simulator(tmp_path, *_http_args(receiver)) as simulator:
        assert simulator.url.startswith("http://127.0.0.1:")
        status, answer = simulator.post(_tender("x12"))
        assert status == 202
        assert [n.split("-")[0] for n in answer["answers"]] == [
            "997",
            "990",
            "214",
            "210",
        ]
        received = receiver.wait_for(4)
    assert len(received) == 4
    codes = []
    for headers, body, _status in received:
        assert headers["Content-Type"] == "application/edi-x12"
        assert headers["X-Correlation-ID"]
        signature.verify(
            [SECRET],
            headers[signature.TIMESTAMP_HEADER],
            headers[signature.SIGNATURE_HEADER],
            body,
        )
        interchange = x12.parse(body.decode())
        codes.append(interchange.groups[0].transactions[0].code)
    assert codes == ["997", "990", "214", "210"], "in the order they were made"
    assert list((tmp_path / "from_partner").iterdir()) == [], "no file written"
    (archived,) = (tmp_path / "archive").iterdir()
    assert archived.read_text() == _tender("x12")


def test_a_posted_iftmin_gets_contrl_iftsta_invoic(tmp_path):
    receiver = Receiver()
    with Simulator(tmp_path, *_http_args(receiver, "edifact")) as simulator:
        status, _answer = simulator.post(_tender("edifact"), "application/edifact")
        assert status == 202
        received = receiver.wait_for(3)
    types = []
    for headers, body, _status in received:
        assert headers["Content-Type"] == "application/edifact"
        _header, ((message_type, _ref, _segments),) = edifact.parse(body.decode())
        types.append(message_type)
    assert types == ["CONTRL", "IFTSTA", "INVOIC"]


def test_a_body_that_is_no_interchange_is_refused_and_unanswered(tmp_path):
    receiver = Receiver()
    with Simulator(tmp_path, *_http_args(receiver)) as simulator:
        status, answer = simulator.post("hello")
        assert status == 400
        assert "ISA" in answer["error"]
        time.sleep(0.3)
    assert receiver.received == []
    assert [p.suffix for p in sorted((tmp_path / "rejected").iterdir())] == [
        ".x12",
        ".error",
    ]


def test_an_acknowledgement_is_taken_and_not_answered(tmp_path):
    receiver = Receiver()
    ack = x12_sets.acknowledgement(x12.Group("GF", "ACME", "ODOO", 3, transactions=[]))
    group = x12.Group("FA", "ODOO", "ACME", 9, transactions=[ack])
    text = x12.serialize(
        x12.Interchange("ZZ", "ODOO", "02", "ACME", 9, "261130", "0900", groups=[group])
    )
    with Simulator(tmp_path, *_http_args(receiver)) as simulator:
        assert simulator.post(text) == (202, {"answers": []})
        time.sleep(0.3)
    assert receiver.received == []


def test_a_failing_receiver_is_tried_again_a_refusing_one_is_not(tmp_path):
    receiver = Receiver(statuses=[503, 401])
    with Simulator(tmp_path, *_http_args(receiver)) as simulator:
        simulator.post(_tender("x12"))
        received = receiver.wait_for(5)
        time.sleep(0.3)
    statuses = [status for _headers, _body, status in received]
    assert statuses == [503, 401, 202, 202, 202], "503 retried, 401 given up"
    assert received[0][1] == received[1][1], "the 997 twice"
    (undelivered,) = (tmp_path / "undelivered").iterdir()
    assert undelivered.name.startswith("997-")


def test_http_in_files_out_without_post_to(tmp_path):
    with Simulator(tmp_path, "--http-port", "0") as simulator:
        assert simulator.post(_tender("x12"))[0] == 202
    names = sorted(p.name.split("-")[0] for p in (tmp_path / "from_partner").glob("*"))
    assert names == ["210", "214", "990", "997"]


def test_the_folder_mode_still_prints_a_bare_ready_line(tmp_path):
    with Simulator(tmp_path) as simulator:
        assert simulator.url is None


def test_posting_answers_needs_a_secret(tmp_path):
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "edi_simulator",
            "--root",
            str(tmp_path),
            "--post-to",
            "http://127.0.0.1:9/",
        ],
        env={**os.environ, "PYTHONPATH": str(HERE)},
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    assert process.returncode == 2
    assert "--hmac-secret" in process.stderr


@pytest.mark.parametrize("fmt", ["x12", "edifact"])
def test_the_simulators_signature_is_the_suites(fmt):
    sys.path.insert(0, str(HERE))
    from edi_simulator import http_mode  # noqa: PLC0415

    body = _tender(fmt).encode()
    headers = http_mode.signed_headers(SECRET, body, now=1_790_000_000)
    assert headers == signature.signed_headers(SECRET, body, now=1_790_000_000)
