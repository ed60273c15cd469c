"""TMS clients: one interface, two transports (REST with JSON, SOAP with a WSDL).

Both take what the Odoo endpoint decides (authentication, timeouts, TLS, the
correlation header) as arguments, and raise the integration core's
`RetryableError` / `PermanentError` so that retries are decided in one place:
connection errors, timeouts, 5xx, 429 and SOAP server faults are retryable;
4xx and SOAP client faults are permanent and carry the TMS's own message.

Every call that sends a message carries its idempotency key (`Idempotency-Key`
HTTP header; on SOAP also the `IdempotencyKey` header element), the same on
every retry: a TMS that applied a call whose answer was lost answers the retry
with its first answer instead of applying it again.
"""

import time
from pathlib import Path

import requests
import zeep
import zeep.exceptions
import zeep.helpers
from lxml import etree
from zeep.settings import Settings
from zeep.transports import Transport
from zeep.wsdl import Document

from odoo.addons.logistics_integration_base.lib import errors

from . import jsonata_mapping, rest_operations, shipped_mappings

SHIPPED_WSDL = Path(__file__).resolve().parent.parent / "data" / "tms.wsdl"
SOAP_NAMESPACE = "urn:logistics-suite:tms:v1"
SOAP_BINDING = "{%s}TmsBinding" % SOAP_NAMESPACE
SOAP_IDEMPOTENCY_ELEMENT = "{%s}IdempotencyKey" % SOAP_NAMESPACE
IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_EVENT_PAGE = 200
HTTP_TOO_MANY_REQUESTS = 429
HTTP_SERVER_ERROR = 500
WSDL_CACHE_SECONDS = 600
_wsdl_documents = {}  # location -> (time.monotonic() when parsed, Document)


class TmsRestClient:
    """The TMS's REST API; `request(method, path, json=None)` does the HTTP.

    Each operation (release, amend, cancel, redeliver) is configuration:
    `operations` maps its name to ``{"method", "path", "id", "status",
    "error"}`` (see `rest_operations`; default: the simulator protocol's,
    `shipped_mappings.REST_OPERATIONS`). `body(operation, data)`, when given,
    builds the JSON body of a cancellation or redelivery from `data` (the
    endpoint's mapping of that operation); without it, the simulator
    protocol's bodies are built here.
    """

    def __init__(self, request, body=None, operations=None):
        self._request = request
        self._body = body
        self._operations = dict(shipped_mappings.REST_OPERATIONS)
        self._operations.update(operations or {})

    def release(self, payload):
        reference = self._call("release", None, payload)[1]["id"]
        valid = isinstance(reference, (str, int)) and not isinstance(reference, bool)
        if not valid or reference == "":
            where = self._operations["release"].get("id") or "?"
            raise errors.PermanentError(
                "The TMS accepted the shipment without %s." % where, system="tms"
            )
        return str(reference)

    def amend(self, reference, payload):
        return self._call("amend", reference, payload)[0]

    def cancel(self, reference, reason):
        data = {"reference": reference, "reason": reason}
        body = self._body("cancel", data) if self._body else {"reason": reason}
        return self._call("cancel", reference, body)[0]

    def redeliver(self, reference, window=None, reason=None):
        """Deliver again after an attempted delivery, in `window` if given
        (``{"start", "end"}``, ISO 8601)."""
        if self._body:
            data = {"reference": reference, "window": window, "reason": reason}
            body = self._body("redeliver", data)
        else:
            body = {"deliveryWindow": window or None, "reason": reason or None}
            body = {key: value for key, value in body.items() if value}
        return self._call("redeliver", reference, body)[0]

    def _call(self, name, reference, body):
        """Run operation `name`: ``(answer body, {"id", "status", "error"})``.

        :raises errors.PermanentError: the operation's configuration is
            invalid, its answer paths fail, or the answer holds an error
        """
        operation = self._operations[name]
        try:
            path = rest_operations.render_path(operation["path"], reference)
        except rest_operations.OperationError as err:
            raise errors.PermanentError(
                "REST operation %s: %s" % (name, err), system="tms"
            ) from err
        answer = self._json(self._request(operation["method"], path, json=body))
        try:
            found = rest_operations.read_answer(operation, answer)
        except jsonata_mapping.MappingError as err:
            raise errors.PermanentError(
                "Reading the TMS's answer to %s failed: %s" % (name, err.message),
                system="tms",
            ) from err
        if found["error"]:
            raise errors.PermanentError(
                "The TMS answered %s with an error: %s" % (name, found["error"]),
                system="tms",
            )
        return answer, found

    def master_data(self, kind, records):
        """Upsert delivery locations or products (see lib/master_data.py)."""
        return self._json(
            self._request("PUT", "master-data/%s" % kind, json={"records": records})
        )

    def appointment(self, reference, body):
        """Ask for a delivery appointment (``{"window": {"start", "end"},
        "dock", "contact", "reference"}``); the TMS answers with an event."""
        return self._json(
            self._request("POST", "shipments/%s/appointment" % reference, json=body)
        )

    def events(self, cursor, limit=DEFAULT_EVENT_PAGE):
        body = self._json(
            self._request("GET", "events?after=%s&limit=%s" % (cursor or "0", limit))
        )
        return body.get("events") or [], body.get("cursor") or cursor

    def feed_page(self, path):
        """One page of the event feed: ``(its JSON body, its parsed Link
        header)``; the path and its query come from lib/event_feed.py."""
        response = self._request("GET", path)
        return self._json(response), response.links

    @staticmethod
    def _json(response):
        try:
            return response.json()
        except ValueError as err:
            raise errors.PermanentError(
                "The TMS answered with something that is not JSON.", system="tms"
            ) from err


class TmsSoapClient:
    """The TMS's SOAP service, described by a WSDL (shipped or the endpoint's)."""

    def __init__(self, address, session, timeout, wsdl=None, idempotency_key=None):
        connect_timeout, read_timeout = timeout
        self._idempotency_key = idempotency_key
        transport = Transport(
            session=session, timeout=connect_timeout, operation_timeout=read_timeout
        )
        document = wsdl_document(str(wsdl or SHIPPED_WSDL), transport)
        self._client = zeep.Client(document, transport=transport)
        self._service = self._client.create_service(SOAP_BINDING, address)

    def release(self, payload):
        answer = self._call("ReleaseShipment", shipment=without_nulls(payload))
        reference = answer["shipmentId"]
        if not reference:
            raise errors.PermanentError(
                "The TMS accepted the shipment without a shipmentId.", system="tms"
            )
        return reference

    def amend(self, reference, payload):
        return self._call(
            "AmendShipment", shipmentId=reference, shipment=without_nulls(payload)
        )

    def cancel(self, reference, reason):
        return self._call("CancelShipment", shipmentId=reference, reason=reason)

    def redeliver(self, reference, window=None, reason=None):
        values = {"shipmentId": reference}
        if window:
            values["deliveryWindow"] = window
        if reason:
            values["reason"] = reason
        return self._call("RedeliverShipment", **values)

    def appointment(self, reference, body):
        raise errors.PermanentError(
            "The TMS's SOAP service has no delivery appointment operation: "
            "appointments need a REST endpoint.",
            system="tms",
        )

    def _call(self, operation, **values):
        if self._idempotency_key:
            values["_soapheaders"] = [idempotency_element(self._idempotency_key)]
        try:
            answer = getattr(self._service, operation)(**values)
        except zeep.exceptions.Fault as fault:
            raise classify_fault(fault) from fault
        except zeep.exceptions.TransportError as err:
            raise classify_transport_error(err) from err
        except (requests.RequestException, OSError) as err:
            raise errors.classify(err, system="tms") from err
        return zeep.helpers.serialize_object(answer, dict)


def idempotency_element(key):
    """The SOAP header element carrying a call's idempotency key."""
    element = etree.Element(SOAP_IDEMPOTENCY_ELEMENT)
    element.text = key
    return element


def wsdl_document(location, transport):
    """The parsed WSDL at `location`: parsed once per process, re-read after
    WSDL_CACHE_SECONDS (a TMS may publish a new one). Parsing is most of the
    cost of a SOAP call otherwise; calls go through each client's own transport.
    """
    now = time.monotonic()
    cached = _wsdl_documents.get(location)
    if cached and now - cached[0] < WSDL_CACHE_SECONDS:
        return cached[1]
    document = Document(location, transport, settings=Settings())
    _wsdl_documents[location] = (now, document)
    return document


def without_nulls(value):
    """Drop null values and the groups left empty: optional XSD elements."""
    if isinstance(value, dict):
        pruned = {key: without_nulls(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in (None, {})}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def classify_fault(fault):
    """SOAP client faults are the caller's fault (permanent); server faults retry."""
    code = str(fault.code or "")
    message = "SOAP fault %s: %s" % (code or "?", fault.message)
    if code.rsplit(":", maxsplit=1)[-1].lower().startswith("client"):
        return errors.PermanentError(message, system="tms")
    return errors.RetryableError(message, system="tms")


def classify_transport_error(err):
    status = err.status_code or 0
    message = "SOAP transport error HTTP %s" % status
    if status == HTTP_TOO_MANY_REQUESTS or status >= HTTP_SERVER_ERROR:
        return errors.RetryableError(message, system="tms")
    return errors.PermanentError(message, system="tms")
