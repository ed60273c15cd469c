"""End-to-end tests of the TMS simulator: a real process over real HTTP.

The script is started as a subprocess on a free port; the tests talk to it with
``requests`` (REST, control API), with a zeep client built from the shipped
WSDL (SOAP) and receive its webhooks on a small HTTP server of their own.
"""

import base64
import hashlib
import hmac
import http.client
import importlib
import io
import itertools
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import requests
import zeep
from lxml import etree
from PyPDF2 import PdfReader
from zeep.exceptions import Fault
from zeep.transports import Transport

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "tms_simulator"
# The launch contract: ``python -m tms_simulator`` with this folder on the path.
COMMAND = [sys.executable, "-m", "tms_simulator"]
ENV = {**os.environ, "PYTHONPATH": str(HERE)}
WSDL = HERE.parent / "data" / "tms.wsdl"
EVENT_SCHEMA = HERE.parent / "schemas" / "tms.event.v1.json"
BINDING = "{urn:logistics-suite:tms:v1}TmsBinding"
API_KEY = "test-api-key"
SECRET = "whsec-test"
STEP_DELAY = "0.05"
STARTUP_TIMEOUT = 10.0
WAIT_TIMEOUT = 5.0
HTTP_TIMEOUT = 5.0
POLL = 0.02
LISTENING_PREFIX = "TMS simulator listening on "
DEFAULT_CODES = [
    "TENDER_ACCEPTED",
    "CARRIER_ASSIGNED",
    "PICKUP_ARRIVED",
    "PICKUP_DEPARTED",
    "IN_TRANSIT",
    "ETA_UPDATED",
    "OUT_FOR_DELIVERY",
    "DELIVERY_ARRIVED",
    "DELIVERED",
]
DEFAULT_TYPES = [
    "tender.accepted",
    "carrier.assigned",
    *["shipment.milestone"] * 3,
    "shipment.eta_changed",
    *["shipment.milestone"] * 2,
    "shipment.delivered",
]


# --- Helpers ----------------------------------------------------------------


def wait_until(predicate, timeout=WAIT_TIMEOUT, message="condition"):
    """Poll ``predicate`` until it returns something truthy, at most timeout s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {message}")
        time.sleep(POLL)


def parse_utc(text):
    assert text.endswith("Z"), text
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def shipment_payload(reference="SO-0001", **overrides):
    payload = {
        "externalReference": reference,
        "serviceLevel": "standard",
        "consignee": {
            "name": "ACME Ghent",
            "street": "Kouter 1",
            "city": "Ghent",
            "zip": "9000",
            "country": "BE",
        },
        "shipper": {"name": "Main Warehouse", "city": "Antwerp", "country": "BE"},
        "deliveryWindow": {
            "start": "2026-12-01T08:00:00Z",
            "end": "2026-12-01T17:00:00Z",
        },
        "items": [
            {"sku": "CHAIR-01", "description": "Chair", "quantity": 4, "weightKg": 7.5}
        ],
        "references": {"customerPo": "PO-77", "orderReference": "S00042"},
    }
    payload.update(overrides)
    return payload


def start_process(*options, stderr):
    """Start the script; return ``(process, base URL)`` once it listens."""
    command = [*COMMAND, "--port", "0", *options]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=ENV
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        ready, _, _ = select.select([process.stdout], [], [], POLL * 5)
        if ready:
            line = process.stdout.readline().strip()
            assert line.startswith(LISTENING_PREFIX), line
            return process, line[len(LISTENING_PREFIX) :]
    process.kill()
    process.wait(HTTP_TIMEOUT)
    pytest.fail(f"simulator did not start (exit code {process.returncode})")


def stop_process(process, signum=signal.SIGTERM):
    process.send_signal(signum)
    try:
        return process.wait(HTTP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(HTTP_TIMEOUT)
        pytest.fail("simulator did not stop on signal")


def new_session(api_key=API_KEY):
    session = requests.Session()
    session.trust_env = False  # never route loopback calls through a proxy
    if api_key:
        session.headers["X-API-Key"] = api_key
    return session


class Tms:
    """A thin client of the simulator's REST and control APIs."""

    def __init__(self, url, api_key=API_KEY):
        self.url = url
        self.session = new_session(api_key)

    def api(self, method, path, timeout=HTTP_TIMEOUT, **kwargs):
        return self.session.request(
            method, f"{self.url}/api/v1{path}", timeout=timeout, **kwargs
        )

    def release(self, reference="SO-0001", **kwargs):
        return self.api(
            "POST", "/shipments", json=shipment_payload(reference), **kwargs
        )

    def control(self, path, payload=None):
        response = self.session.post(
            f"{self.url}/_control/{path}", json=payload or {}, timeout=HTTP_TIMEOUT
        )
        assert response.status_code == 200, response.text
        return response.json()

    def control_get(self, path):
        response = self.session.get(f"{self.url}/_control/{path}", timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, response.text
        return response.json()

    def advance(self, shipment_id, steps=1):
        return self.control("advance", {"shipment_id": shipment_id, "steps": steps})

    def feed(self, **params):
        response = self.api("GET", "/events", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def events(self):
        return self.feed(limit=500)["events"]


class Delivery:
    """One webhook POST received."""

    def __init__(self, headers, body):
        self.headers = headers
        self.body = body
        self.events = json.loads(body)["events"]

    def signature_matches(self, secret=SECRET):
        timestamp = self.headers["X-Logistics-Timestamp"]
        message = f"{timestamp}.".encode() + self.body
        digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
        given = self.headers.get("X-Logistics-Signature", "")
        return hmac.compare_digest(f"sha256={digest}", given)


class ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        accepted = self.server.receiver.record(self.headers, body)
        self.send_response(204 if accepted else 500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args):
        pass


class WebhookReceiver:
    """A webhook endpoint that records what it gets; can fail the first posts."""

    def __init__(self, fail_first=0):
        self.fail_first = fail_first
        self.attempts = 0
        self.deliveries = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), ReceiverHandler)
        self._server.receiver = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(POLL,))
        self._thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/tms"

    def record(self, headers, body):
        with self._lock:
            self.attempts += 1
            if self.attempts <= self.fail_first:
                return False
            self.deliveries.append(Delivery(headers, body))
            return True

    def wait_for(self, count, timeout=WAIT_TIMEOUT):
        def enough():
            with self._lock:
                return list(self.deliveries) if len(self.deliveries) >= count else None

        return wait_until(enough, timeout, f"{count} webhook deliveries")

    def close(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(HTTP_TIMEOUT)


def assert_valid_events(events):
    """Every event matches the connector's TMS event schema."""
    schema = json.loads(EVENT_SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for event in events:
        validator.validate(event)


def flat_events(deliveries):
    return [event for delivery in deliveries for event in delivery.events]


# --- Fixtures ---------------------------------------------------------------


@pytest.fixture(scope="module")
def simulator_url(tmp_path_factory):
    log = tmp_path_factory.mktemp("tms") / "simulator.log"
    with log.open("w") as stderr:
        process, url = start_process(
            "--api-key", API_KEY, "--step-delay", STEP_DELAY, stderr=stderr
        )
        yield url
        assert stop_process(process, signal.SIGTERM) == 0


@pytest.fixture
def tms(simulator_url):
    client = Tms(simulator_url)
    client.control("reset")
    yield client
    client.control("reset")


@pytest.fixture
def manual(tms):
    """The simulator with timelines moving only on /_control/advance."""
    tms.control("scenario", {"auto_advance": False})
    return tms


@pytest.fixture
def receiver():
    endpoint = WebhookReceiver()
    yield endpoint
    endpoint.close()


@pytest.fixture
def soap(tms):
    session = new_session()
    transport = Transport(session=session, timeout=HTTP_TIMEOUT)
    client = zeep.Client(str(WSDL), transport=transport)
    service = client.create_service(BINDING, f"{tms.url}/soap")
    service.session = session
    return service


def soap_shipment(reference="SO-SOAP-1", quantity=4):
    return {
        "externalReference": reference,
        "serviceLevel": "express",
        "consignee": {"name": "ACME Ghent", "city": "Ghent", "country": "BE"},
        "deliveryWindow": {
            "start": datetime(2026, 12, 1, 8, tzinfo=timezone.utc),
            "end": datetime(2026, 12, 1, 17, tzinfo=timezone.utc),
        },
        "items": {
            "item": [
                {"sku": "CHAIR-01", "quantity": quantity, "weightKg": "7.5"},
                {"sku": "TABLE-01", "description": "Table", "quantity": 1},
            ]
        },
        "references": {"customerPo": "PO-77"},
    }


# --- REST -------------------------------------------------------------------


def test_release_is_created_then_idempotent(manual):
    first = manual.release("SO-0001")
    assert first.status_code == 201
    assert first.json() == {"shipmentId": "TMS-000001", "status": "accepted"}
    again = manual.release("SO-0001")
    assert again.status_code == 200
    assert again.json()["shipmentId"] == "TMS-000001"
    other = manual.release("SO-0002")
    assert (other.status_code, other.json()["shipmentId"]) == (201, "TMS-000002")

    stored = manual.api("GET", "/shipments/TMS-000001").json()
    assert stored["externalReference"] == "SO-0001"
    assert stored["status"] == "accepted"
    assert stored["payload"] == shipment_payload("SO-0001")
    assert sorted(manual.control_get("shipments")) == ["TMS-000001", "TMS-000002"]
    missing = manual.api("GET", "/shipments/TMS-999999")
    assert missing.status_code == 404
    assert missing.json() == {"error": "unknown shipment TMS-999999"}


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"externalReference": ""}, "externalReference must be a non-empty string"),
        ({"consignee": None}, "consignee is required"),
        ({"consignee": {"city": "Ghent"}}, "consignee.name is required"),
        ({"items": []}, "items must be a non-empty list"),
        (
            {"items": [{"sku": "A", "quantity": 0}]},
            "items[0].quantity must be positive",
        ),
        (
            {"items": [{"quantity": 1}, {"quantity": -2}]},
            "items[1].quantity must be positive",
        ),
        ({"items": [{"quantity": "two"}]}, "items[0].quantity must be a number"),
        (
            {"deliveryWindow": {"end": "tomorrow"}},
            "deliveryWindow.end must be an ISO 8601 date-time",
        ),
    ],
)
def test_invalid_shipment_is_422_with_precise_reason(tms, changes, error):
    merged = {**shipment_payload(), **changes}
    payload = {key: value for key, value in merged.items() if value is not None}
    response = tms.api("POST", "/shipments", json=payload)
    assert response.status_code == 422
    assert response.json() == {"error": error}
    assert tms.control_get("shipments") == {}


def test_optional_fields_may_be_null(tms):
    payload = shipment_payload(
        consignee={"name": "ACME", "street": None, "city": None},
        shipper={"name": None},
        pickupWindow={"start": None, "end": None},
        items=[{"sku": "A", "quantity": 2.5, "weightKg": None}],
        constraints={"vehicleType": None},
    )
    assert tms.api("POST", "/shipments", json=payload).status_code == 201


def test_non_object_and_malformed_json(tms):
    listed = tms.api("POST", "/shipments", json=[shipment_payload()])
    assert listed.status_code == 422
    assert listed.json() == {"error": "body must be a JSON object"}
    broken = tms.api("POST", "/shipments", data=b"{not json")
    assert broken.status_code == 400
    assert broken.json()["error"].startswith("malformed JSON body")


def test_api_key_is_required(tms):
    anonymous = Tms(tms.url, api_key=None)
    for client in (anonymous, Tms(tms.url, api_key="wrong")):
        response = client.release()
        assert response.status_code == 401
        assert response.json() == {"error": "invalid API key"}
        assert client.api("GET", "/events").status_code == 401
    soap_call = anonymous.session.post(f"{tms.url}/soap", data=b"<x/>", timeout=5)
    assert soap_call.status_code == 401
    assert b"<faultcode>soap:Client</faultcode>" in soap_call.content
    assert tms.control_get("shipments") == {}  # control API needs no key


def test_correlation_id_is_echoed_and_carried_by_events(manual):
    headers = {"X-Correlation-ID": "corr-42"}
    created = manual.release(headers=headers)
    assert created.headers["X-Correlation-ID"] == "corr-42"
    invalid = manual.api("POST", "/shipments", json={}, headers=headers)
    assert invalid.headers["X-Correlation-ID"] == "corr-42"
    unauthorized = Tms(manual.url, api_key=None).release(headers=headers)
    assert unauthorized.headers["X-Correlation-ID"] == "corr-42"
    assert "X-Correlation-ID" not in manual.release("SO-0002").headers

    manual.advance("TMS-000001", 2)
    manual.advance("TMS-000002", 1)
    events = manual.events()
    assert [e.get("correlation_id") for e in events] == ["corr-42", "corr-42", None]


def test_injected_503_twice_then_success(tms):
    tms.control(
        "faults",
        {"status": 503, "count": 2, "body": {"error": "maintenance"}, "retry_after": 5},
    )
    for _ in range(2):
        response = tms.release()
        assert response.status_code == 503
        assert response.json() == {"error": "maintenance"}
        assert response.headers["Retry-After"] == "5"
    assert tms.release().status_code == 201
    logged = tms.control_get("requests")
    assert [(r["method"], r["path"]) for r in logged] == [
        ("POST", "/api/v1/shipments")
    ] * 3
    assert json.loads(logged[0]["body"])["externalReference"] == "SO-0001"
    assert logged[0]["headers"]["X-API-Key"] == API_KEY


def test_faults_stack_in_fifo_order(tms):
    tms.control("faults", {"status": 429, "retry_after": "1"})
    tms.control("faults", {"status": 500})
    assert [tms.release().status_code for _ in range(3)] == [429, 500, 201]


def test_dropped_connection_is_a_connection_error(tms):
    tms.control("faults", {"drop": True, "count": 1})
    with pytest.raises(requests.ConnectionError):
        tms.release()
    assert tms.control_get("shipments") == {}
    assert tms.release().status_code == 201


def test_latency_beyond_client_timeout_is_a_timeout(tms):
    tms.control("faults", {"latency": 1.0, "count": 1})
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        tms.release(timeout=0.3)
    assert time.monotonic() - started < 0.9
    # The slow call still went through: retrying it is answered idempotently.
    wait_until(lambda: tms.control_get("shipments"), message="the late release")
    assert tms.release().status_code == 200


def _connection(tms):
    parts = urlsplit(tms.url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=HTTP_TIMEOUT)


def _post(connection, path, body, headers=None):
    connection.request(
        "POST",
        path,
        body=body,
        headers={
            "X-API-Key": API_KEY,
            "Content-Type": "application/json",
            **(headers or {}),
        },
    )
    response = connection.getresponse()
    return response, response.read()


def test_keep_alive_answers_calls_on_one_connection(tms):
    connection = _connection(tms)
    body = json.dumps(shipment_payload("SO-KA-1")).encode()
    first, _ = _post(connection, "/api/v1/shipments", body)
    socket = connection.sock
    missing, text = _post(connection, "/api/v1/nowhere", b"{}")
    tms.control("faults", {"status": 503, "count": 1})
    failed, _ = _post(connection, "/api/v1/shipments", body)
    again, again_text = _post(connection, "/api/v1/shipments", body)
    assert (first.status, missing.status, failed.status, again.status) == (
        201,
        404,
        503,
        200,
    )
    assert first.version == 11
    assert missing.headers["Content-Length"] == str(len(text))
    assert json.loads(again_text)  # the complete body, nothing left over
    assert connection.sock is socket  # never reconnected
    connection.close()


def test_keep_alive_reads_a_chunked_body_to_its_end(tms):
    connection = _connection(tms)
    body = json.dumps(shipment_payload("SO-KA-2")).encode()
    connection.putrequest("POST", "/api/v1/shipments")
    connection.putheader("X-API-Key", API_KEY)
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    for start in range(0, len(body), 100):
        piece = body[start : start + 100]
        connection.send(b"%x\r\n%s\r\n" % (len(piece), piece))
    connection.send(b"0\r\n\r\n")
    created = connection.getresponse()
    created.read()
    socket = connection.sock
    missing, _ = _post(connection, "/api/v1/nowhere", b"{}")
    assert (created.status, missing.status) == (201, 404)
    assert connection.sock is socket
    connection.close()


def test_an_http_1_0_client_still_gets_its_connection_closed(tms):
    connection = _connection(tms)
    connection._http_vsn, connection._http_vsn_str = 10, "HTTP/1.0"
    response, _ = _post(connection, "/api/v1/nowhere", b"{}")
    assert response.status == 404
    assert response.will_close


def test_fault_needs_an_effect(tms):
    response = tms.session.post(
        f"{tms.url}/_control/faults", json={"count": 1}, timeout=HTTP_TIMEOUT
    )
    assert response.status_code == 422
    assert response.json() == {
        "error": "a fault needs a status, a latency, drop or drop_response"
    }


# --- Idempotency keys ---------------------------------------------------------


def test_idempotency_key_repeat_returns_the_first_answer(tms):
    first = tms.release(headers={"Idempotency-Key": "key-1"})
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    again = tms.release(headers={"Idempotency-Key": "key-1"})
    # The first answer (201), not the externalReference resubmission's 200.
    assert again.status_code == 201
    assert (
        again.json()
        == first.json()
        == {
            "shipmentId": "TMS-000001",
            "status": "accepted",
        }
    )
    assert again.headers["Idempotent-Replayed"] == "true"
    assert list(tms.control_get("shipments")) == ["TMS-000001"]


def test_idempotency_key_ignores_json_key_order(tms):
    payload = shipment_payload()
    tms.api("POST", "/shipments", json=payload, headers={"Idempotency-Key": "k"})
    reordered = dict(reversed(list(payload.items())))
    again = tms.api(
        "POST", "/shipments", json=reordered, headers={"Idempotency-Key": "k"}
    )
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"


def test_idempotency_key_of_another_request_is_refused(tms):
    tms.release("SO-0001", headers={"Idempotency-Key": "key-2"})
    other = tms.release("SO-0002", headers={"Idempotency-Key": "key-2"})
    assert other.status_code == 422
    assert other.json() == {
        "error": "Idempotency-Key key-2 was already used for another request"
    }
    assert list(tms.control_get("shipments")) == ["TMS-000001"]


def test_idempotency_key_applies_an_amendment_once(manual):
    created = manual.release().json()["shipmentId"]
    path = f"/shipments/{created}"
    amended = shipment_payload(items=[{"sku": "A", "quantity": 9}])
    headers = {"Idempotency-Key": "amend-1"}
    assert manual.api("PUT", path, json=amended, headers=headers).status_code == 200
    manual.api("PUT", path, json=shipment_payload(), headers={"Idempotency-Key": "x"})
    again = manual.api("PUT", path, json=amended, headers=headers)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    # Not applied again: the later amendment stays.
    stored = manual.api("GET", path).json()["payload"]
    assert stored["items"] == shipment_payload()["items"]


def test_failed_answers_are_not_kept(tms):
    tms.control("faults", {"status": 503})
    assert tms.release(headers={"Idempotency-Key": "key-3"}).status_code == 503
    retried = tms.release(headers={"Idempotency-Key": "key-3"})
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers


def test_lost_answer_then_retry_with_the_key_is_applied_once(tms):
    tms.control("faults", {"drop_response": True})
    with pytest.raises(requests.ConnectionError):
        tms.release(headers={"Idempotency-Key": "key-4"})
    # The TMS applied it: the answer is what was lost.
    assert list(tms.control_get("shipments")) == ["TMS-000001"]
    retried = tms.release(headers={"Idempotency-Key": "key-4"})
    assert retried.status_code == 201
    assert retried.json()["shipmentId"] == "TMS-000001"
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert list(tms.control_get("shipments")) == ["TMS-000001"]
    cancel_path = "/shipments/TMS-000001/cancel"
    tms.control("faults", {"drop_response": True})
    with pytest.raises(requests.ConnectionError):
        tms.api("POST", cancel_path, json={}, headers={"Idempotency-Key": "c-1"})
    assert tms.control_get("shipments")["TMS-000001"]["status"] == "cancelled"
    again = tms.api("POST", cancel_path, json={}, headers={"Idempotency-Key": "c-1"})
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    cancelled = [e for e in tms.events() if e["event_type"] == "shipment.cancelled"]
    assert len(cancelled) == 1


# --- Timeline, webhooks and feed --------------------------------------------


def test_full_timeline_reaches_webhook_and_feed(tms, receiver):
    tms.control("webhooks", {"url": receiver.url, "secret": SECRET})
    created = tms.release(headers={"X-Correlation-ID": "corr-full"})
    assert created.status_code == 201
    assert tms.release().status_code == 200  # no second timeline

    deliveries = receiver.wait_for(len(DEFAULT_CODES))
    now = time.time()
    for delivery in deliveries:
        assert len(delivery.events) == 1
        assert delivery.signature_matches()
        assert abs(now - int(delivery.headers["X-Logistics-Timestamp"])) < 60
        assert delivery.headers["Content-Type"] == "application/json"
        assert delivery.headers["X-Correlation-ID"] == "corr-full"
    events = flat_events(deliveries)
    _check_default_timeline(events)

    wait_until(
        lambda: tms.api("GET", "/shipments/TMS-000001").json()["status"] == "delivered"
    )
    time.sleep(0.2)  # nothing comes after the delivery
    assert len(receiver.deliveries) == len(DEFAULT_CODES)

    pages, cursor = [], "0"
    for expected_cursor in ("4", "8", "9", "9"):
        page = tms.feed(after=cursor, limit=4)
        assert page["cursor"] == expected_cursor
        pages.append(page["events"])
        cursor = page["cursor"]
    assert [len(page) for page in pages] == [4, 4, 1, 0]
    assert [e for page in pages for e in page] == events
    assert tms.feed()["events"] == events
    assert tms.api("GET", "/events", params={"after": "x"}).status_code == 400


def _check_default_timeline(events):
    assert_valid_events(events)
    for event in events:
        assert event["aggregate"] == {"type": "shipment", "id": "TMS-000001"}
        assert event["correlation_id"] == "corr-full"
        data = event["data"]
        assert data["shipment_id"] == "TMS-000001"
        assert data["external_reference"] == "SO-0001"
        assert data["timezone"] == "Europe/Brussels"
        assert set(data["location"]) == {"name", "city", "country"}
    assert [e["data"]["status_code"] for e in events] == DEFAULT_CODES
    assert [e["event_type"] for e in events] == DEFAULT_TYPES
    assert [e["sequence"] for e in events] == list(range(1, 10))
    assert [e["event_id"] for e in events] == [f"EV-{n:06d}" for n in range(1, 10)]
    times = [parse_utc(e["occurred_at"]) for e in events]
    gaps = [
        (later - earlier) / timedelta(minutes=1)
        for earlier, later in itertools.pairwise(times)
    ]
    assert all(30 <= gap <= 90 for gap in gaps), gaps
    by_code = {e["data"]["status_code"]: e["data"] for e in events}
    carrier = by_code["CARRIER_ASSIGNED"]
    assert carrier["carrier"] == {"name": "Speedy Freight", "scac": "SPDF"}
    assert len(carrier["tracking_number"]) == 10
    assert carrier["tracking_number"].startswith("SPDF")
    assert carrier["tracking_url"].endswith(carrier["tracking_number"])
    assert parse_utc(by_code["IN_TRANSIT"]["eta"]) > times[4]
    assert parse_utc(by_code["ETA_UPDATED"]["eta"]) == times[-1]
    _check_pod(by_code["DELIVERED"]["pod"], times[-1])


def _check_pod(pod, delivered_at):
    assert pod["signed_by"] == "J. Doe"
    assert parse_utc(pod["signed_at"]) == delivered_at
    assert pod["filename"] == "POD-TMS-000001.pdf"
    document = base64.b64decode(pod["content_base64"])
    assert document.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(document), strict=True)
    assert len(reader.pages) == 1
    assert "Proof of delivery TMS-000001" in reader.pages[0].extract_text()


def test_duplicate_delivers_every_event_twice(tms, receiver):
    tms.control("webhooks", {"url": receiver.url, "secret": SECRET, "duplicate": True})
    tms.release()
    deliveries = receiver.wait_for(2 * len(DEFAULT_CODES))
    ids = [event["event_id"] for event in flat_events(deliveries)]
    assert ids == [f"EV-{n:06d}" for n in range(1, 10) for _ in range(2)]
    assert all(delivery.signature_matches() for delivery in deliveries)


def test_shuffle_delivers_a_timeline_out_of_order(tms, receiver):
    tms.control("webhooks", {"url": receiver.url, "secret": SECRET, "shuffle": True})
    tms.release()
    deliveries = receiver.wait_for(len(DEFAULT_CODES))
    sequences = [event["sequence"] for event in flat_events(deliveries)]
    assert sorted(sequences) == list(range(1, 10))
    assert sequences != sorted(sequences)
    assert tms.feed()["events"][-1]["data"]["status_code"] == "DELIVERED"


def test_batches_hold_several_events(tms, receiver):
    tms.control("webhooks", {"url": receiver.url, "secret": SECRET, "batch_size": 3})
    tms.release()
    deliveries = wait_until(
        lambda: len(flat_events(receiver.deliveries)) == 9 and receiver.deliveries,
        message="9 batched events",
    )
    assert all(1 <= len(delivery.events) <= 3 for delivery in deliveries)
    assert len(deliveries) < 9
    assert [e["sequence"] for e in flat_events(deliveries)] == list(range(1, 10))
    assert all(delivery.signature_matches() for delivery in deliveries)


def test_tampered_and_stale_signatures(manual, receiver):
    manual.control("webhooks", {"url": receiver.url, "secret": SECRET, "tamper": True})
    manual.release()
    manual.advance("TMS-000001")
    tampered = receiver.wait_for(1)[0]
    assert tampered.headers["X-Logistics-Signature"].startswith("sha256=")
    assert not tampered.signature_matches()

    manual.control("webhooks", {"tamper": False, "stale_timestamp": True})
    manual.advance("TMS-000001")
    stale = receiver.wait_for(2)[1]
    assert stale.signature_matches()
    age = time.time() - int(stale.headers["X-Logistics-Timestamp"])
    assert 590 <= age <= 660


def test_failed_webhooks_are_retried_with_backoff(manual):
    flaky = WebhookReceiver(fail_first=2)
    try:
        manual.control("webhooks", {"url": flaky.url, "secret": SECRET})
        manual.release()
        started = time.monotonic()
        manual.advance("TMS-000001")
        delivery = flaky.wait_for(1)[0]
        assert time.monotonic() - started >= 1.4  # 0.5 s then 1 s of backoff
        assert flaky.attempts == 3
        assert delivery.signature_matches()
        assert delivery.events[0]["event_type"] == "tender.accepted"
    finally:
        flaky.close()


def test_events_are_recorded_when_webhooks_fail(manual):
    manual.control("webhooks", {"url": "http://127.0.0.1:9/unreachable"})
    manual.release()
    assert len(manual.advance("TMS-000001", 20)["emitted"]) == 9
    codes = [event["data"]["status_code"] for event in manual.events()]
    assert codes == DEFAULT_CODES


# --- Amendments and cancellations -------------------------------------------


def test_amendment_allowed_until_pickup_departure(manual):
    manual.release()
    amended = shipment_payload(items=[{"sku": "CHAIR-01", "quantity": 10}])
    response = manual.api("PUT", "/shipments/TMS-000001", json=amended)
    assert response.status_code == 200
    assert response.json() == {"shipmentId": "TMS-000001", "status": "amended"}
    stored = manual.api("GET", "/shipments/TMS-000001").json()
    assert stored["payload"]["items"] == [{"sku": "CHAIR-01", "quantity": 10}]

    invalid = manual.api("PUT", "/shipments/TMS-000001", json={**amended, "items": []})
    assert invalid.status_code == 422
    unknown = manual.api("PUT", "/shipments/TMS-999999", json=amended)
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "unknown shipment TMS-999999"}

    manual.advance("TMS-000001", 3)  # up to PICKUP_ARRIVED
    assert manual.api("PUT", "/shipments/TMS-000001", json=amended).status_code == 200
    manual.advance("TMS-000001")  # PICKUP_DEPARTED
    late = manual.api("PUT", "/shipments/TMS-000001", json=amended)
    assert late.status_code == 409
    assert late.json() == {"error": "shipment TMS-000001 already picked up"}


def test_cancel_stops_the_timeline(tms):
    tms.control("scenario", {"step_delay": 0.15})
    tms.release()
    wait_until(lambda: len(tms.events()) >= 2, message="two events")
    response = tms.api(
        "POST", "/shipments/TMS-000001/cancel", json={"reason": "customer request"}
    )
    assert response.status_code == 200
    assert response.json() == {"shipmentId": "TMS-000001", "status": "cancelled"}
    time.sleep(0.3)  # several step delays: nothing more may come
    events = tms.events()
    assert_valid_events(events)
    last = events[-1]
    assert last["event_type"] == "shipment.cancelled"
    assert last["data"]["status_code"] == "CANCELLED"
    assert last["data"]["reason"] == "customer request"
    assert len(events) < len(DEFAULT_CODES)
    assert tms.advance("TMS-000001", 5)["emitted"] == []
    assert tms.api("GET", "/shipments/TMS-000001").json()["status"] == "cancelled"
    missing = tms.api("POST", "/shipments/TMS-999999/cancel", json={"reason": "x"})
    assert missing.status_code == 404


def test_delivered_shipment_cannot_be_cancelled(manual):
    manual.release()
    manual.advance("TMS-000001", 20)
    response = manual.api("POST", "/shipments/TMS-000001/cancel", json={})
    assert response.status_code == 409
    assert response.json() == {"error": "shipment TMS-000001 already delivered"}


# --- Scenarios --------------------------------------------------------------


def _run_scenario(manual, outcome, payload):
    manual.control("scenario", {"outcome": outcome})
    assert manual.api("POST", "/shipments", json=payload).status_code == 201
    emitted = manual.advance("TMS-000001", 20)["emitted"]
    assert manual.advance("TMS-000001")["emitted"] == []
    assert_valid_events(emitted)
    return emitted


def test_declined_scenario(manual):
    events = _run_scenario(manual, "declined", shipment_payload())
    assert [(e["event_type"], e["data"]["status_code"]) for e in events] == [
        ("tender.declined", "TENDER_DECLINED")
    ]
    assert events[0]["data"]["reason"]


@pytest.mark.parametrize(
    ("outcome", "code", "reason_code"),
    [("refused", "REFUSED", "RC"), ("attempted", "DELIVERY_ATTEMPTED", "NH")],
)
def test_failed_delivery_scenarios(manual, outcome, code, reason_code):
    events = _run_scenario(manual, outcome, shipment_payload())
    assert [e["data"]["status_code"] for e in events] == [*DEFAULT_CODES[:-1], code]
    last = events[-1]
    assert last["event_type"] == "shipment.exception"
    assert last["data"]["reason_code"] == reason_code
    assert last["data"]["reason"]
    assert "pod" not in last["data"]


def test_returned_scenario(manual):
    events = _run_scenario(manual, "returned", shipment_payload())
    codes = [e["data"]["status_code"] for e in events]
    assert codes == [*DEFAULT_CODES[:-1], "DELIVERY_ATTEMPTED", "RETURNED"]
    attempted, returned = events[-2:]
    assert attempted["data"]["reason_code"] == "NH"
    assert returned["event_type"] == "shipment.exception"
    assert returned["data"]["reason_code"] == "RT"
    pickup = next(e for e in events if e["data"]["status_code"] == "PICKUP_DEPARTED")
    assert returned["data"]["location"] == pickup["data"]["location"], "at the shipper"
    assert "pod" not in returned["data"]
    times = [parse_utc(e["occurred_at"]) for e in events]
    assert times == sorted(times)


def test_delay_scenario(manual):
    window_end = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    payload = shipment_payload(
        deliveryWindow={
            "start": iso(window_end - timedelta(hours=8)),
            "end": iso(window_end),
        }
    )
    events = _run_scenario(manual, "delay", payload)
    codes = [e["data"]["status_code"] for e in events]
    assert codes == [*DEFAULT_CODES[:6], "DELAYED", *DEFAULT_CODES[6:]]
    by_code = {e["data"]["status_code"]: e for e in events}
    expected_eta = window_end + timedelta(days=2)
    assert parse_utc(by_code["ETA_UPDATED"]["data"]["eta"]) == expected_eta
    delayed = by_code["DELAYED"]
    assert delayed["event_type"] == "shipment.milestone"
    assert delayed["data"]["reason_code"] == "A1"
    assert parse_utc(by_code["DELIVERED"]["occurred_at"]) == expected_eta
    times = [parse_utc(e["occurred_at"]) for e in events]
    assert times == sorted(times)


# --- SOAP -------------------------------------------------------------------


def test_soap_release_amend_cancel(tms, soap):
    soap.session.headers["X-Correlation-ID"] = "corr-soap"
    released = soap.ReleaseShipment(shipment=soap_shipment())
    assert (released.shipmentId, released.status) == ("TMS-000001", "accepted")
    again = soap.ReleaseShipment(shipment=soap_shipment())
    assert again.shipmentId == "TMS-000001"

    stored = tms.api("GET", "/shipments/TMS-000001").json()
    payload = stored["payload"]
    assert payload["externalReference"] == "SO-SOAP-1"
    assert payload["consignee"] == {
        "name": "ACME Ghent",
        "city": "Ghent",
        "country": "BE",
    }
    assert payload["items"] == [
        {"sku": "CHAIR-01", "quantity": 4, "weightKg": 7.5},
        {"sku": "TABLE-01", "description": "Table", "quantity": 1},
    ]
    assert payload["references"] == {"customerPo": "PO-77"}
    end = datetime.fromisoformat(
        payload["deliveryWindow"]["end"].replace("Z", "+00:00")
    )
    assert end == datetime(2026, 12, 1, 17, tzinfo=timezone.utc)

    amended = soap.AmendShipment(
        shipmentId="TMS-000001", shipment=soap_shipment(quantity=6)
    )
    assert (amended.shipmentId, amended.status) == ("TMS-000001", "amended")
    stored = tms.api("GET", "/shipments/TMS-000001").json()
    assert stored["payload"]["items"][0]["quantity"] == 6

    cancelled = soap.CancelShipment(shipmentId="TMS-000001", reason="out of stock")
    assert (cancelled.shipmentId, cancelled.status) == ("TMS-000001", "cancelled")
    last = tms.events()[-1]
    assert last["data"]["status_code"] == "CANCELLED"
    assert last["correlation_id"] == "corr-soap"
    soap_calls = [r for r in tms.control_get("requests") if r["path"] == "/soap"]
    assert len(soap_calls) == 4


def test_soap_validation_error_is_a_client_fault(tms, soap):
    with pytest.raises(Fault) as invalid:
        soap.ReleaseShipment(shipment=soap_shipment(quantity=0))
    assert invalid.value.code == "soap:Client"
    assert invalid.value.message == "items[0].quantity must be positive"
    with pytest.raises(Fault) as unknown:
        soap.CancelShipment(shipmentId="TMS-999999", reason="x")
    assert unknown.value.code == "soap:Client"
    assert unknown.value.message == "unknown shipment TMS-999999"
    assert tms.control_get("shipments") == {}


def soap_key(key):
    element = etree.Element("{urn:logistics-suite:tms:v1}IdempotencyKey")
    element.text = key
    return [element]


def test_soap_idempotency_key_header_element(tms, soap):
    tms.control("faults", {"drop_response": True})
    with pytest.raises(requests.ConnectionError):
        soap.ReleaseShipment(shipment=soap_shipment(), _soapheaders=soap_key("s-1"))
    retried = soap.ReleaseShipment(
        shipment=soap_shipment(), _soapheaders=soap_key("s-1")
    )
    assert (retried.shipmentId, retried.status) == ("TMS-000001", "accepted")
    assert list(tms.control_get("shipments")) == ["TMS-000001"]
    with pytest.raises(Fault) as reused:
        soap.ReleaseShipment(
            shipment=soap_shipment("SO-SOAP-2"), _soapheaders=soap_key("s-1")
        )
    assert reused.value.code == "soap:Client"
    assert "already used for another request" in reused.value.message
    assert list(tms.control_get("shipments")) == ["TMS-000001"]


def test_soap_injected_503_is_a_server_fault(tms, soap):
    tms.control("faults", {"status": 503, "body": {"error": "maintenance"}})
    with pytest.raises(Fault) as fault:
        soap.ReleaseShipment(shipment=soap_shipment())
    assert fault.value.code == "soap:Server"
    assert fault.value.message == "maintenance"
    assert soap.ReleaseShipment(shipment=soap_shipment()).shipmentId == "TMS-000001"


def test_wsdl_is_served_with_the_simulator_address(tms):
    response = new_session(api_key=None).get(f"{tms.url}/soap/tms.wsdl", timeout=5)
    assert response.status_code == 200
    assert f'location="{tms.url}/soap"' in response.text
    transport = Transport(session=new_session(), timeout=HTTP_TIMEOUT)
    client = zeep.Client(f"{tms.url}/soap/tms.wsdl", transport=transport)
    result = client.service.ReleaseShipment(shipment=soap_shipment())
    assert result.shipmentId == "TMS-000001"


# --- Command line -----------------------------------------------------------


def test_cli_webhook_options_and_clean_stop(tmp_path, receiver):
    with (tmp_path / "simulator.log").open("w") as stderr:
        process, url = start_process(
            "--webhook-url",
            receiver.url,
            "--webhook-secret",
            "cli-secret",
            "--no-auto-advance",
            "--log-level",
            "WARNING",
            stderr=stderr,
        )
        try:
            client = Tms(url, api_key=None)
            assert client.release().status_code == 201
            client.advance("TMS-000001")
            delivery = receiver.wait_for(1)[0]
            assert delivery.signature_matches("cli-secret")
            time.sleep(0.3)  # no auto advance: nothing else comes
            assert len(receiver.deliveries) == 1
        finally:
            assert stop_process(process, signal.SIGINT) == 0


def test_cli_refuses_a_non_loopback_host():
    completed = subprocess.run(
        [*COMMAND, "--host", "0.0.0.0"],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
        check=False,
    )
    assert completed.returncode == 2
    assert "loopback" in completed.stderr


def test_package_is_importable_by_path(monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    for name in [n for n in sys.modules if n.partition(".")[0] == "tms_simulator"]:
        monkeypatch.delitem(sys.modules, name)
    module = importlib.import_module("tms_simulator")
    assert Path(module.__file__).parent == PACKAGE
    module.validate_shipment(shipment_payload())
    signature = module.compute_signature(SECRET, 1700000000, b"{}")
    expected = hmac.new(SECRET.encode(), b"1700000000.{}", hashlib.sha256)
    assert signature == expected.hexdigest()
    args = module.parse_args(["--port", "0"])
    assert (args.host, args.step_delay, args.auto_advance) == ("127.0.0.1", 0.2, True)


# --- Freight charges (optional) and settlement references -------------------

FREIGHT_SCHEMA = (
    HERE.parent.parent
    / "logistics_freight_settlement"
    / "schemas"
    / "freight.charge.v1.json"
)


def assert_valid_charges_event(event):
    """The charges event matches the freight addon's schema (when it is there)."""
    assert event["event_type"] == "freight.charges"
    if FREIGHT_SCHEMA.is_file():
        schema = json.loads(FREIGHT_SCHEMA.read_text())
        jsonschema.Draft202012Validator(schema).validate(event)


def _charges_run(manual, payload, **scenario):
    manual.control("scenario", {"charges_event": True, **scenario})
    assert manual.api("POST", "/shipments", json=payload).status_code == 201
    emitted = manual.advance("TMS-000001", 20)["emitted"]
    assert manual.advance("TMS-000001")["emitted"] == []
    return emitted


def test_no_charges_event_unless_asked(manual):
    assert manual.release().status_code == 201
    events = manual.advance("TMS-000001", 20)["emitted"]
    assert [e["data"]["status_code"] for e in events] == DEFAULT_CODES
    scenario = manual.control("scenario", {})
    assert (scenario["charges_event"], scenario["charges"]) == (False, None)


def test_charges_event_follows_the_delivery(manual):
    payload = shipment_payload(
        items=[{"sku": "KEG30", "quantity": 4, "weightKg": 146.0}],
        constraints={"tailLift": True},
    )
    events = _charges_run(manual, payload)
    assert [e["data"]["status_code"] for e in events] == [*DEFAULT_CODES, "CHARGES"]
    assert_valid_events(events[:-1])
    charges_event = events[-1]
    assert_valid_charges_event(charges_event)
    data = charges_event["data"]
    assert (data["currency"], data["carrier"]) == (
        "EUR",
        {"name": "Speedy Freight", "scac": "SPDF"},
    )
    assert data["charges"] == [
        {
            "code": code,
            "description": description,
            "amount": amount,
            "quantity": 1,
            "expected_amount": amount,
        }
        for code, description, amount in (
            ("400", "Base freight", 51.1),
            ("FUE", "Fuel surcharge", 9.2),
            ("LFT", "Tail-lift delivery", 35.0),
        )
    ]
    by_code = {e["data"]["status_code"]: e for e in events}
    delivered_at = parse_utc(by_code["DELIVERED"]["occurred_at"])
    assert parse_utc(charges_event["occurred_at"]) > delivered_at
    assert parse_utc(by_code["ETA_UPDATED"]["data"]["eta"]) == delivered_at
    assert manual.api("GET", "/shipments/TMS-000001").json()["status"] == "delivered"
    cancelled = manual.api("POST", "/shipments/TMS-000001/cancel", json={})
    assert cancelled.status_code == 409


def test_charges_without_tail_lift_have_a_minimum_base_freight(manual):
    events = _charges_run(manual, shipment_payload())  # 7.5 kg, no constraints
    charges = events[-1]["data"]["charges"]
    assert [(c["code"], c["amount"]) for c in charges] == [("400", 45.0), ("FUE", 8.1)]


def test_scenario_charges_replace_the_computed_ones(manual):
    custom = [
        {"code": "400", "amount": 99.5, "expected_amount": 90},
        {"code": "XYZ", "description": "Mystery fee", "amount": 12.5},
    ]
    events = _charges_run(manual, shipment_payload(), charges=custom)
    assert events[-1]["data"]["charges"] == custom
    assert_valid_charges_event(events[-1])


def test_no_charges_event_without_a_delivery(manual):
    events = _charges_run(manual, shipment_payload(), outcome="refused")
    assert events[-1]["data"]["status_code"] == "REFUSED"
    assert "CHARGES" not in [e["data"]["status_code"] for e in events]


@pytest.mark.parametrize(
    ("charges", "error"),
    [
        ({"code": "400"}, "charges must be a list or null"),
        ([3], "charges[0] must be an object"),
        ([{"amount": 1}], "charges[0].code must be a non-empty string"),
        ([{"code": "400", "amount": "1"}], "charges[0].amount must be a number"),
        (
            [{"code": "400", "amount": 1, "expected_amount": True}],
            "charges[0].expected_amount must be a number",
        ),
    ],
)
def test_invalid_scenario_charges_are_refused(tms, charges, error):
    response = tms.session.post(
        f"{tms.url}/_control/scenario", json={"charges": charges}, timeout=HTTP_TIMEOUT
    )
    assert response.status_code == 422
    assert response.json() == {"error": error}


def test_settlement_references_are_recorded(manual):
    assert manual.release().status_code == 201
    path = "/shipments/TMS-000001/settlement"
    bill = {"kind": "vendor_bill", "number": "BILL/2026/0001", "amount": 95.3}
    recorded = manual.api("POST", path, json={"invoices": [bill]})
    assert recorded.status_code == 200
    assert recorded.json() == {
        "shipmentId": "TMS-000001",
        "status": "recorded",
        "invoices": [bill],
    }
    corrected = dict(bill, amount=96.0)
    invoice = {"kind": "customer_invoice", "number": "INV/2026/0007"}
    manual.api("POST", path, json={"invoices": [corrected, invoice]})
    assert manual.api("GET", path).json() == {
        "shipmentId": "TMS-000001",
        "invoices": [corrected, invoice],
    }
    invalid = manual.api(
        "POST", path, json={"invoices": [{"kind": "x", "number": "1"}]}
    )
    assert invalid.status_code == 422
    assert invalid.json() == {
        "error": "invoices[0].kind must be one of vendor_bill, customer_invoice"
    }
    empty = manual.api("POST", path, json={"invoices": []})
    assert empty.json() == {"error": "invoices must be a non-empty list"}
    unknown = manual.api(
        "POST", "/shipments/TMS-000404/settlement", json={"invoices": [bill]}
    )
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"error": "unknown shipment TMS-000404"},
    )
    assert manual.api("GET", "/shipments/TMS-000404/settlement").status_code == 404
    anonymous = Tms(manual.url, api_key=None)
    assert anonymous.api("GET", path).status_code == 401


def test_master_data_is_upserted_by_id(manual):
    keg = {"id": "product/7", "sku": "KEG30", "weight_kg": 36.5}
    cask = {"id": "product/8", "sku": "CASK", "weight_kg": 50}
    sent = manual.api("PUT", "/master-data/products", json={"records": [keg, cask]})
    assert sent.status_code == 200
    assert sent.json() == {
        "kind": "products",
        "status": "recorded",
        "received": 2,
        "total": 2,
    }
    heavier = dict(keg, weight_kg=37.0)
    manual.api("PUT", "/master-data/products", json={"records": [heavier]})
    stored = manual.api("GET", "/master-data/products").json()["records"]
    assert stored == [heavier, cask]
    assert manual.api("GET", "/master-data/locations").json()["records"] == []


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        ("/master-data/trucks", {"records": [{"id": "x"}]}, 404, None),
        ("/master-data/products", {"records": []}, 422, None),
        ("/master-data/products", {"records": [{"sku": "x"}]}, 422, "records[0].id"),
        ("/master-data/products", [1], 422, "body must be a JSON object"),
    ],
)
def test_invalid_master_data_is_refused(manual, path, body, status, error):
    response = manual.api("PUT", path, json=body)
    assert response.status_code == status
    assert error is None or error in response.json()["error"]


# --- Partial pickup (optional) -----------------------------------------------


def _pickup_event(events):
    return next(e for e in events if e["data"]["status_code"] == "PICKUP_DEPARTED")


def test_the_pickup_reports_no_items_unless_asked(manual):
    assert manual.release().status_code == 201
    events = manual.advance("TMS-000001", 20)["emitted"]
    assert "items" not in _pickup_event(events)["data"]
    assert manual.control("scenario", {})["pickup_ratio"] is None


def test_a_partial_pickup_reports_the_pieces_picked_up(manual):
    manual.control("scenario", {"pickup_ratio": 0.75})
    payload = shipment_payload(
        items=[
            {"sku": "KEG30", "quantity": 4, "weightKg": 146.0},
            {"sku": "CASE12", "quantity": 1, "weightKg": 9.0},
        ]
    )
    assert manual.api("POST", "/shipments", json=payload).status_code == 201
    events = manual.advance("TMS-000001", 20)["emitted"]
    assert [e["data"]["status_code"] for e in events] == DEFAULT_CODES
    assert_valid_events(events)
    # Rounded down to whole pieces: 3 of 4 kegs, none of the single case.
    assert _pickup_event(events)["data"]["items"] == [
        {"product_code": "KEG30", "quantity": 3},
        {"product_code": "CASE12", "quantity": 0},
    ]
    others = [e for e in events if e["data"]["status_code"] != "PICKUP_DEPARTED"]
    assert not any("items" in e["data"] for e in others)


@pytest.mark.parametrize("ratio", [0, 1, 1.5, -0.2, True, "half"])
def test_invalid_pickup_ratio_is_refused(tms, ratio):
    response = tms.session.post(
        f"{tms.url}/_control/scenario",
        json={"pickup_ratio": ratio},
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 422
    assert response.json() == {
        "error": "pickup_ratio must be a number between 0 and 1 (exclusive) or null"
    }


# --- Recovery: re-tender, redelivery ------------------------------------------


def test_retender_after_a_declined_tender_plays_a_new_timeline(manual):
    declined = _run_scenario(manual, "declined", shipment_payload())
    assert declined[-1]["data"]["status_code"] == "TENDER_DECLINED"
    manual.control("scenario", {"outcome": "delivered"})
    retender = manual.api("POST", "/shipments", json=shipment_payload())
    assert retender.status_code == 201, retender.text
    assert retender.json() == {"shipmentId": "TMS-000001", "status": "accepted"}
    emitted = manual.advance("TMS-000001", 20)["emitted"]
    assert_valid_events(emitted)
    assert [e["data"]["status_code"] for e in emitted] == DEFAULT_CODES
    assert parse_utc(emitted[0]["occurred_at"]) >= parse_utc(
        declined[-1]["occurred_at"]
    )
    view = manual.control_get("shipments")["TMS-000001"]
    assert (view["tender"], view["status"]) == (2, "delivered")
    # Once accepted, a resubmission is idempotent again: no third tender.
    again = manual.api("POST", "/shipments", json=shipment_payload())
    assert again.status_code == 200
    assert manual.control_get("shipments")["TMS-000001"]["tender"] == 2


def test_no_retender_while_the_tender_is_alive_or_cancelled(manual):
    assert manual.release().status_code == 201
    assert manual.release().status_code == 200
    manual.control("scenario", {"outcome": "declined"})
    manual.release("SO-0002")
    manual.api("POST", "/shipments/TMS-000002/cancel", json={"reason": "x"})
    # Cancelled before its tender was answered: not tendered again.
    assert manual.release("SO-0002").status_code == 200
    shipments = manual.control_get("shipments")
    assert [s["tender"] for s in shipments.values()] == [1, 1]


def test_redelivery_after_an_attempted_delivery(manual):
    attempted = _run_scenario(manual, "attempted", shipment_payload())
    assert attempted[-1]["data"]["status_code"] == "DELIVERY_ATTEMPTED"
    start = parse_utc(attempted[-1]["occurred_at"]) + timedelta(days=1)
    window = {"start": iso(start), "end": iso(start + timedelta(hours=4))}
    answer = manual.api(
        "POST",
        "/shipments/TMS-000001/redelivery",
        json={"deliveryWindow": window, "reason": "customer at home tomorrow"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "shipmentId": "TMS-000001",
        "status": "redelivery_scheduled",
    }
    emitted = manual.advance("TMS-000001", 20)["emitted"]
    assert_valid_events(emitted)
    assert [e["data"]["status_code"] for e in emitted] == DEFAULT_CODES[-3:]
    # The new run starts in the new window, and carries a proof of delivery.
    assert parse_utc(emitted[0]["occurred_at"]) == start
    assert emitted[-1]["data"]["pod"]["content_base64"]
    stored = manual.api("GET", "/shipments/TMS-000001").json()
    assert stored["status"] == "delivered"
    assert stored["payload"]["deliveryWindow"] == window
    assert manual.control_get("shipments")["TMS-000001"]["redeliveries"] == 1


def test_redelivery_outcome_can_fail_again(manual):
    manual.control("scenario", {"redelivery_outcome": "attempted"})
    _run_scenario(manual, "attempted", shipment_payload())
    assert manual.api("POST", "/shipments/TMS-000001/redelivery").status_code == 200
    emitted = manual.advance("TMS-000001", 20)["emitted"]
    assert [e["data"]["status_code"] for e in emitted] == [
        "OUT_FOR_DELIVERY",
        "DELIVERY_ARRIVED",
        "DELIVERY_ATTEMPTED",
    ]
    # ... and be asked for again.
    assert manual.api("POST", "/shipments/TMS-000001/redelivery").status_code == 200


def test_redelivery_runs_on_its_own_with_auto_advance(tms):
    tms.control("scenario", {"outcome": "attempted"})
    tms.release()
    wait_until(
        lambda: (
            tms.control_get("shipments")["TMS-000001"]["status"] == "delivery_attempted"
        ),
        message="the attempted delivery",
    )
    assert tms.api("POST", "/shipments/TMS-000001/redelivery").status_code == 200
    wait_until(
        lambda: tms.control_get("shipments")["TMS-000001"]["status"] == "delivered",
        message="the redelivery",
    )


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ([], 422, "body must be a JSON object"),
        ({"reason": 3}, 422, "reason must be a string"),
        ({"deliveryWindow": "tomorrow"}, 422, "deliveryWindow must be an object"),
        (
            {"deliveryWindow": {"start": "2026-12-01T08:00:00Z"}},
            422,
            "deliveryWindow.end must be an ISO 8601 date-time",
        ),
        (
            {
                "deliveryWindow": {
                    "start": "2026-12-01T18:00:00Z",
                    "end": "2026-12-01T08:00:00Z",
                }
            },
            422,
            "deliveryWindow.end must be after deliveryWindow.start",
        ),
    ],
)
def test_invalid_redelivery_is_refused_changing_nothing(manual, body, status, error):
    _run_scenario(manual, "attempted", shipment_payload())
    answer = manual.api("POST", "/shipments/TMS-000001/redelivery", json=body)
    assert (answer.status_code, answer.json()) == (status, {"error": error})
    assert manual.control_get("shipments")["TMS-000001"]["redeliveries"] == 0


def test_redelivery_needs_an_attempted_delivery(manual):
    assert manual.api("POST", "/shipments/TMS-404/redelivery").status_code == 404
    manual.release()
    early = manual.api("POST", "/shipments/TMS-000001/redelivery")
    assert (early.status_code, early.json()) == (
        409,
        {"error": "shipment TMS-000001 has no attempted delivery to redeliver"},
    )
    _run_scenario(manual, "attempted", shipment_payload("SO-0002"))
    manual.api("POST", "/shipments/TMS-000002/redelivery")
    # Planned already: not twice.
    twice = manual.api("POST", "/shipments/TMS-000002/redelivery")
    assert twice.status_code == 409


def test_invalid_redelivery_outcome_is_refused(tms):
    answer = tms.session.post(
        f"{tms.url}/_control/scenario",
        json={"redelivery_outcome": "lost"},
        timeout=HTTP_TIMEOUT,
    )
    assert answer.status_code == 422
    assert answer.json() == {
        "error": "redelivery_outcome must be one of delivered, attempted, refused"
    }


def test_soap_redelivery(manual, soap):
    _run_scenario(manual, "attempted", shipment_payload())
    answer = soap.RedeliverShipment(
        shipmentId="TMS-000001",
        deliveryWindow={
            "start": datetime(2027, 1, 4, 8, tzinfo=timezone.utc),
            "end": datetime(2027, 1, 4, 12, tzinfo=timezone.utc),
        },
        reason="neighbour",
    )
    assert (answer.shipmentId, answer.status) == (
        "TMS-000001",
        "redelivery_scheduled",
    )
    emitted = manual.advance("TMS-000001", 20)["emitted"]
    assert emitted[-1]["data"]["status_code"] == "DELIVERED"
    assert parse_utc(emitted[0]["occurred_at"]) == datetime(
        2027, 1, 4, 8, tzinfo=timezone.utc
    )
    with pytest.raises(Fault) as conflict:
        soap.RedeliverShipment(shipmentId="TMS-000001")
    assert conflict.value.code == "soap:Client"
    assert "no attempted delivery" in conflict.value.message


def test_damage_on_delivery_reports_a_damage_reason_and_remarks(manual):
    manual.control("scenario", {"damage_on_delivery": True})
    assert manual.release().status_code == 201
    events = manual.advance("TMS-000001", 20)["emitted"]
    assert [e["data"]["status_code"] for e in events] == DEFAULT_CODES
    assert_valid_events(events)
    delivered = events[-1]["data"]
    assert (delivered["reason_code"], delivered["reason"]) == (
        "damaged",
        "Goods damaged in transit",
    )
    assert delivered["pod"]["remarks"] == "2 cartons crushed, signed with reservation"
    assert delivered["pod"]["signed_by"] == "J. Doe"
    assert all("reason_code" not in e["data"] for e in events[:-1])
    assert manual.api("GET", "/shipments/TMS-000001").json()["status"] == "delivered"


def test_no_damage_unless_asked(manual):
    assert manual.release().status_code == 201
    delivered = manual.advance("TMS-000001", 20)["emitted"][-1]["data"]
    assert "reason_code" not in delivered
    assert "remarks" not in delivered["pod"]
    assert manual.control("scenario", {})["damage_on_delivery"] is False


# --- Delivery appointments ----------------------------------------------------

APPOINTMENT = {
    "window": {"start": "2030-05-07T08:00:00Z", "end": "2030-05-07T10:00:00Z"},
    "dock": "Dock 4",
    "contact": "Mr Peeters",
    "reference": "BK-1",
}


def _appointment_events(manual):
    events = manual.api("GET", "/events").json()["events"]
    assert_valid_events(events)
    return [e for e in events if e["event_type"] == "shipment.appointment"]


def test_appointment_is_confirmed_by_default(manual):
    manual.release()
    answer = manual.api("POST", "/shipments/TMS-000001/appointment", json=APPOINTMENT)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "shipmentId": "TMS-000001",
        "status": "appointment_confirmed",
    }
    (event,) = _appointment_events(manual)
    assert event["data"]["status_code"] == "APPOINTMENT_CONFIRMED"
    assert event["data"]["appointment"] == {
        **APPOINTMENT["window"],
        "dock": "Dock 4",
        "reference": "BK-1",
    }


def test_appointment_proposal_then_its_slot_confirmed(manual):
    manual.release()
    manual.control("scenario", {"appointment_outcome": "propose"})
    answer = manual.api("POST", "/shipments/TMS-000001/appointment", json=APPOINTMENT)
    assert answer.json()["status"] == "appointment_proposed"
    proposed = _appointment_events(manual)[-1]["data"]
    assert proposed["status_code"] == "APPOINTMENT_PROPOSED"
    slot = {key: proposed["appointment"][key] for key in ("start", "end")}
    assert slot == {"start": "2030-05-08T08:00:00Z", "end": "2030-05-08T10:00:00Z"}
    # Asking for the slot it proposed: confirmed.
    again = manual.api(
        "POST", "/shipments/TMS-000001/appointment", json={"window": slot}
    )
    assert again.json()["status"] == "appointment_confirmed"
    assert (
        _appointment_events(manual)[-1]["data"]["appointment"]["start"]
        == (slot["start"])
    )


def test_appointment_rejected_with_a_reason(manual):
    manual.release()
    manual.control("scenario", {"appointment_outcome": "reject"})
    answer = manual.api("POST", "/shipments/TMS-000001/appointment", json=APPOINTMENT)
    assert answer.json()["status"] == "appointment_rejected"
    data = _appointment_events(manual)[-1]["data"]
    assert data["status_code"] == "APPOINTMENT_REJECTED"
    assert data["reason_code"] == "NS"
    assert "appointment" not in data


def test_appointment_refused_after_pickup_and_invalid(manual):
    manual.release()
    bad = {"window": {"start": "2030-05-07T10:00:00Z", "end": "2030-05-07T08:00:00Z"}}
    invalid = manual.api("POST", "/shipments/TMS-000001/appointment", json=bad)
    assert invalid.status_code == 422
    assert invalid.json() == {"error": "window.end must be after window.start"}
    manual.advance("TMS-000001", 4)  # up to PICKUP_DEPARTED
    late = manual.api("POST", "/shipments/TMS-000001/appointment", json=APPOINTMENT)
    assert late.status_code == 409
    assert "cut-off" in late.json()["error"]
    assert _appointment_events(manual) == []
