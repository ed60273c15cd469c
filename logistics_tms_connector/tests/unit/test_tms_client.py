"""The SOAP client parses the WSDL once per process, not once per call."""

from types import SimpleNamespace

import pytest
import requests
from zeep.transports import Transport

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
