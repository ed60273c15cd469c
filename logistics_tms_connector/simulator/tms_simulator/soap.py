"""SOAP 1.1 document/literal: the WSDL, envelopes, faults, request parsing."""

import logging
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from .protocol import (
    HTTP_BAD_REQUEST,
    HTTP_OK,
    HTTP_SERVER_ERROR,
    SOAP_PATH,
    XML_TYPE,
    ApiError,
    HttpResponse,
    _invalid,
)

_logger = logging.getLogger("tms_simulator")

TNS = "urn:logistics-suite:tms:v1"
SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_CLIENT_FAULT = "soap:Client"
SOAP_SERVER_FAULT = "soap:Server"
SOAP_IDEMPOTENCY_ELEMENT = "IdempotencyKey"
WSDL_FILE = Path(__file__).resolve().parents[2] / "data" / "tms.wsdl"
SOAP_ADDRESS_RE = re.compile(r'(<soap:address\s+location=")[^"]*(")')


def load_wsdl(base_url):
    """The shipped WSDL with its soap:address pointing at ``base_url``."""
    try:
        text = WSDL_FILE.read_text(encoding="utf-8")
    except OSError as exc:
        _logger.warning("WSDL not available at %s: %s", WSDL_FILE, exc)
        return None
    return SOAP_ADDRESS_RE.sub(rf"\g<1>{base_url}{SOAP_PATH}\g<2>", text)


def soap_envelope(content):
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<soap:Envelope xmlns:soap="{SOAP_ENV_NS}" xmlns:tms="{TNS}">'
        f"<soap:Body>{content}</soap:Body></soap:Envelope>"
    )


def soap_result(element, shipment_id, status):
    content = (
        f"<tms:{element}><tms:shipmentId>{escape(shipment_id)}</tms:shipmentId>"
        f"<tms:status>{escape(status)}</tms:status></tms:{element}>"
    )
    return HttpResponse(HTTP_OK, soap_envelope(content).encode("utf-8"), XML_TYPE)


def soap_fault(status, code, message, headers=None):
    content = (
        f"<soap:Fault><faultcode>{code}</faultcode>"
        f"<faultstring>{escape(message)}</faultstring></soap:Fault>"
    )
    body = soap_envelope(content).encode("utf-8")
    return HttpResponse(status, body, XML_TYPE, dict(headers or {}))


def _fault_code(status):
    return SOAP_SERVER_FAULT if status >= HTTP_SERVER_ERROR else SOAP_CLIENT_FAULT


def _qualified(name):
    return f"{{{TNS}}}{name}"


def _child(element, name, required=False):
    child = element.find(_qualified(name))
    if child is None and required:
        raise _invalid(f"{name} is required")
    return child


def _child_text(element, name):
    return (_child(element, name, required=True).text or "").strip()


def _texts(element, names):
    found = {}
    for name in names:
        child = _child(element, name)
        if child is not None:
            found[name] = (child.text or "").strip()
    return found


def _number(text):
    """A JSON number from an xsd:decimal, or the text if it is not one."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    if not value.is_finite():
        return text
    return int(value) if value == value.to_integral_value() else float(value)


PARTY_FIELDS = ("name", "street", "city", "zip", "country")
WINDOW_FIELDS = ("start", "end")
REFERENCE_FIELDS = ("customerPo", "orderReference")
ITEM_TEXT_FIELDS = ("sku", "description")
ITEM_NUMBER_FIELDS = ("quantity", "weightKg")
SHIPMENT_GROUPS = (
    ("consignee", PARTY_FIELDS),
    ("shipper", PARTY_FIELDS),
    ("pickupWindow", WINDOW_FIELDS),
    ("deliveryWindow", WINDOW_FIELDS),
    ("references", REFERENCE_FIELDS),
)


def _item_from_xml(element):
    item = _texts(element, ITEM_TEXT_FIELDS)
    for name, text in _texts(element, ITEM_NUMBER_FIELDS).items():
        item[name] = _number(text)
    return item


def shipment_from_xml(element):
    """The REST-shaped payload dict of a ShipmentType element."""
    payload = _texts(element, ("externalReference", "serviceLevel"))
    for name, fields in SHIPMENT_GROUPS:
        child = _child(element, name)
        if child is not None:
            payload[name] = _texts(child, fields)
    items = _child(element, "items")
    if items is not None:
        payload["items"] = [
            _item_from_xml(i) for i in items.findall(_qualified("item"))
        ]
    return payload


def soap_header_text(body, name):
    """The text of the SOAP Header element ``name`` (target namespace), if any."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    header = root.find(f"{{{SOAP_ENV_NS}}}Header")
    if header is None:
        return None
    element = header.find(_qualified(name))
    if element is None or not (element.text or "").strip():
        return None
    return element.text.strip()


def parse_soap_request(body):
    """``(operation name, operation element)`` of a SOAP 1.1 request."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ApiError(HTTP_BAD_REQUEST, f"malformed XML: {exc}") from None
    if root.tag != f"{{{SOAP_ENV_NS}}}Envelope":
        raise ApiError(HTTP_BAD_REQUEST, "a SOAP 1.1 Envelope is expected")
    soap_body = root.find(f"{{{SOAP_ENV_NS}}}Body")
    if soap_body is None or len(soap_body) == 0:
        raise ApiError(HTTP_BAD_REQUEST, "the SOAP Body is empty")
    operation = soap_body[0]
    namespace, _, name = operation.tag[1:].partition("}")
    if not operation.tag.startswith("{") or namespace != TNS:
        raise ApiError(HTTP_BAD_REQUEST, f"unknown operation {operation.tag}")
    return name, operation
