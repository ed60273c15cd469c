"""The TMS clients: the SOAP client parses the WSDL once per process, not once
per call; the REST client builds its bodies through the endpoint's mappings."""

from types import SimpleNamespace

import pytest
import requests
from zeep.transports import Transport

from odoo.addons.logistics_integration_base.lib import errors
from odoo.addons.logistics_tms_connector.lib import tms_client

WSDL = str(tms_client.SHIPPED_WSDL)


@pytest.fixture
def clock(monkeypatch):
    now = SimpleNamespace(value=1000.0)
    monkeypatch.setattr(tms_client, "_wsdl_documents", {})
    monkeypatch.setattr(
        tms_client, "time", SimpleNamespace(monotonic=lambda: now.value)
    )
    return now


def test_wsdl_parsed_once_per_location(clock):
    transport = Transport()
    first = tms_client.wsdl_document(WSDL, transport)
    clock.value += tms_client.WSDL_CACHE_SECONDS - 1
    assert tms_client.wsdl_document(WSDL, Transport()) is first


def test_wsdl_read_again_once_the_cache_expires(clock):
    first = tms_client.wsdl_document(WSDL, Transport())
    clock.value += tms_client.WSDL_CACHE_SECONDS + 1
    again = tms_client.wsdl_document(WSDL, Transport())
    assert again is not first
    assert tms_client.wsdl_document(WSDL, Transport()) is again


def test_each_client_calls_through_its_own_session(clock):
    sessions = [requests.Session(), requests.Session()]
    clients = [
        tms_client.TmsSoapClient("http://127.0.0.1:9/soap", session, (1, 2))
        for session in sessions
    ]
    assert clients[0]._client.wsdl is clients[1]._client.wsdl
    assert [c._client.transport.session for c in clients] == sessions
    assert clients[0]._client.transport.operation_timeout == 2


def test_idempotency_key_soap_header_element():
    element = tms_client.idempotency_element("odoo-db-message-7")
    assert element.tag == "{urn:logistics-suite:tms:v1}IdempotencyKey"
    assert element.text == "odoo-db-message-7"
    assert tms_client.IDEMPOTENCY_HEADER == "Idempotency-Key"


def test_soap_client_sends_the_key_as_a_header_element(monkeypatch):
    client = tms_client.TmsSoapClient(
        "http://127.0.0.1:9/soap",
        requests.Session(),
        (1, 1),
        idempotency_key="key-1",
    )
    seen = {}

    def operation(**values):
        seen.update(values)
        return {"shipmentId": "TMS-1", "status": "cancelled"}

    monkeypatch.setattr(client, "_service", SimpleNamespace(CancelShipment=operation))
    assert client.cancel("TMS-1", "no longer needed")["shipmentId"] == "TMS-1"
    [header] = seen["_soapheaders"]
    assert header.text == "key-1"
    assert seen["shipmentId"] == "TMS-1"


class _Answer:
    """A requests-like answer with a JSON body."""

    def __init__(self, body):
        self._body = body

    def json(self):
        return self._body


def _rest_client(calls, body=None):
    def request(method, path, json=None):
        calls.append((method, path, json))
        return _Answer({"shipmentId": "T-1"})

    return tms_client.TmsRestClient(request, body=body)


def test_rest_bodies_come_from_the_mapping_when_given():
    calls, seen = [], []

    def body(operation, data):
        seen.append((operation, data))
        return {"mapped": operation}

    client = _rest_client(calls, body)
    client.cancel("T-1", "late")
    client.redeliver("T-1", window={"start": "a", "end": "b"}, reason=None)
    assert calls == [
        ("POST", "shipments/T-1/cancel", {"mapped": "cancel"}),
        ("POST", "shipments/T-1/redelivery", {"mapped": "redeliver"}),
    ]
    assert seen == [
        ("cancel", {"reference": "T-1", "reason": "late"}),
        (
            "redeliver",
            {"reference": "T-1", "window": {"start": "a", "end": "b"}, "reason": None},
        ),
    ]


def test_rest_bodies_without_a_mapping_are_the_simulator_protocol():
    calls = []
    client = _rest_client(calls)
    client.cancel("T-1", "late")
    client.redeliver("T-1", window=None, reason="away")
    assert [call[2] for call in calls] == [{"reason": "late"}, {"reason": "away"}]


def _client_answering(answer, calls, operations=None):
    def request(method, path, json=None):
        calls.append((method, path, json))
        return _Answer(answer)

    return tms_client.TmsRestClient(request, operations=operations)


def test_rest_operations_are_configuration():
    calls = []
    operations = {
        "release": {
            "method": "PUT",
            "path": "v2/consignments",
            "id": "data.consignment.number",
            "status": "data.state",
            "error": None,
        },
        "cancel": {
            "method": "DELETE",
            "path": "v2/consignments/{reference}",
            "id": None,
            "status": None,
            "error": None,
        },
    }
    answer = {"data": {"consignment": {"number": 4711}, "state": "NEW"}}
    client = _client_answering(answer, calls, operations)
    assert client.release({"x": 1}) == "4711"
    client.cancel("A/B 1", "late")
    client.amend("A/B 1", {"x": 2})  # not configured: the simulator protocol's
    assert calls == [
        ("PUT", "v2/consignments", {"x": 1}),
        ("DELETE", "v2/consignments/A%2FB%201", {"reason": "late"}),
        ("PUT", "shipments/A%2FB%201", {"x": 2}),
    ]


def test_an_error_in_a_successful_answer_fails_for_good():
    operations = {
        "release": dict(
            tms_client.shipped_mappings.REST_OPERATIONS["release"],
            error="errors[0].message",
        )
    }
    client = _client_answering(
        {"errors": [{"message": "unknown consignee"}]}, [], operations
    )
    with pytest.raises(errors.PermanentError, match="unknown consignee"):
        client.release({})


@pytest.mark.parametrize("answer", [{}, {"shipmentId": ""}, {"shipmentId": True}])
def test_release_without_an_id_fails_for_good(answer):
    with pytest.raises(errors.PermanentError, match="without shipmentId"):
        _client_answering(answer, []).release({})


def test_a_bad_answer_path_fails_for_good():
    operations = {
        "release": dict(
            tms_client.shipped_mappings.REST_OPERATIONS["release"], id="$nope()"
        )
    }
    with pytest.raises(errors.PermanentError, match="Reading the TMS's answer"):
        _client_answering({}, [], operations).release({})
