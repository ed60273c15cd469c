"""The HTTP application: REST, SOAP and control routes, and its server."""

import hmac
import json
import logging
import re
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .options import _as_positive_int, parse_fault
from .protocol import (
    API_KEY_HEADER,
    API_PREFIX,
    CONTROL_PREFIX,
    CORRELATION_HEADER,
    FEED_DEFAULT_LIMIT,
    FEED_MAX_LIMIT,
    HTTP_BAD_REQUEST,
    HTTP_CREATED,
    HTTP_METHOD_NOT_ALLOWED,
    HTTP_NOT_FOUND,
    HTTP_OK,
    HTTP_SERVER_ERROR,
    HTTP_UNAUTHORIZED,
    IDEMPOTENCY_HEADER,
    MAX_ADVANCE_STEPS,
    SERVER_NAME,
    SOAP_PATH,
    WSDL_PATH,
    XML_TYPE,
    ApiError,
    HttpRequest,
    HttpResponse,
    _invalid,
    error_response,
    json_response,
    validate_redelivery,
)
from .soap import (
    SOAP_CLIENT_FAULT,
    SOAP_IDEMPOTENCY_ELEMENT,
    WINDOW_FIELDS,
    _child,
    _child_text,
    _fault_code,
    _texts,
    parse_soap_request,
    shipment_from_xml,
    soap_fault,
    soap_header_text,
    soap_result,
)

_logger = logging.getLogger("tms_simulator")
IDLE_TIMEOUT = 30
MAX_CHUNK_LINE = 1024
REDELIVERY_STATUS = "redelivery_scheduled"


def json_body(request, allow_empty=False):
    """The decoded JSON body; 400 if it is not JSON."""
    if allow_empty and not request.body.strip():
        return {}
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(HTTP_BAD_REQUEST, f"malformed JSON body: {exc}") from None


def query_int(query, name, default):
    values = query.get(name)
    if not values or not values[-1]:
        return default
    try:
        value = int(values[-1])
    except ValueError:
        value = -1
    if value < 0:
        raise ApiError(HTTP_BAD_REQUEST, f"{name} must be a non-negative integer")
    return value


class Application:
    """Routes requests to the REST, SOAP and control handlers."""

    def __init__(self, simulator):
        self.simulator = simulator
        self._rest_routes = (
            ("POST", re.compile(r"/api/v1/shipments"), self._rest_release),
            ("PUT", re.compile(r"/api/v1/shipments/([^/]+)"), self._rest_amend),
            (
                "POST",
                re.compile(r"/api/v1/shipments/([^/]+)/cancel"),
                self._rest_cancel,
            ),
            (
                "POST",
                re.compile(r"/api/v1/shipments/([^/]+)/redelivery"),
                self._rest_redeliver,
            ),
            (
                "POST",
                re.compile(r"/api/v1/shipments/([^/]+)/appointment"),
                self._rest_appointment,
            ),
            ("GET", re.compile(r"/api/v1/shipments/([^/]+)"), self._rest_get),
            ("GET", re.compile(r"/api/v1/events"), self._rest_events),
            (
                "POST",
                re.compile(r"/api/v1/shipments/([^/]+)/settlement"),
                self._rest_settlement,
            ),
            (
                "GET",
                re.compile(r"/api/v1/shipments/([^/]+)/settlement"),
                self._rest_settlement_get,
            ),
            ("PUT", re.compile(r"/api/v1/master-data/([^/]+)"), self._rest_master_data),
            (
                "GET",
                re.compile(r"/api/v1/master-data/([^/]+)"),
                self._rest_master_data_get,
            ),
        )
        self._soap_operations = {
            "ReleaseShipment": self._soap_release,
            "AmendShipment": self._soap_amend,
            "CancelShipment": self._soap_cancel,
            "RedeliverShipment": self._soap_redeliver,
        }
        self._control_routes = {
            ("POST", "/_control/faults"): self._control_faults,
            ("POST", "/_control/webhooks"): self._control_webhooks,
            ("POST", "/_control/scenario"): self._control_scenario,
            ("POST", "/_control/advance"): self._control_advance,
            ("POST", "/_control/reset"): self._control_reset,
            ("GET", "/_control/requests"): self._control_requests,
            ("GET", "/_control/shipments"): self._control_shipments,
        }

    def handle(self, request):
        path = request.path
        if path.startswith(CONTROL_PREFIX):
            return self._control(request)
        is_soap = path == SOAP_PATH or path.startswith(SOAP_PATH + "/")
        if not (is_soap or path.startswith(API_PREFIX)):
            return error_response(
                HTTP_NOT_FOUND, f"no route for {request.method} {path}"
            )
        self.simulator.record_request(request)
        if is_soap and request.method == "GET":
            return self._wsdl(request)
        return self._protocol(request, is_soap)

    def _protocol(self, request, is_soap):
        fault = self.simulator.take_fault()
        if fault:
            response = self._apply_fault(fault, is_soap)
            if response:
                return response
        if not self._authorized(request):
            message = "invalid API key"
            if is_soap:
                return soap_fault(HTTP_UNAUTHORIZED, SOAP_CLIENT_FAULT, message)
            return error_response(HTTP_UNAUTHORIZED, message)
        response = self._answer(request, is_soap)
        if fault and fault.drop_response:
            _logger.info(
                "applied %s %s, dropping its answer", request.method, request.path
            )
            return HttpResponse(0, drop=True)
        return response

    def _answer(self, request, is_soap):
        """The call applied, or its first answer again under its idempotency key."""
        handler = self._soap if is_soap else self._rest
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if not key and is_soap:
            key = soap_header_text(request.body, SOAP_IDEMPOTENCY_ELEMENT)
        if not key:
            return handler(request)
        try:
            return self.simulator.once(
                key, request.fingerprint(), lambda: handler(request)
            )
        except ApiError as exc:
            if is_soap:
                return soap_fault(exc.status, SOAP_CLIENT_FAULT, exc.message)
            return error_response(exc.status, exc.message)

    @staticmethod
    def _apply_fault(fault, is_soap):
        if fault.latency:
            _logger.info("injected latency of %ss", fault.latency)
            time.sleep(fault.latency)
        if fault.drop:
            return HttpResponse(0, drop=True)
        if fault.status is None:
            return None
        _logger.info("injected HTTP %s", fault.status)
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        body = fault.body if fault.body is not None else {"error": "injected fault"}
        if is_soap:
            message = body.get("error") if isinstance(body, dict) else None
            code = _fault_code(fault.status)
            return soap_fault(fault.status, code, str(message or body), headers)
        return json_response(fault.status, body, headers)

    def _authorized(self, request):
        expected = self.simulator.api_key
        if not expected:
            return True
        given = request.headers.get(API_KEY_HEADER) or ""
        return hmac.compare_digest(given.encode(), expected.encode())

    def _wsdl(self, request):
        is_wsdl = request.path == WSDL_PATH or "wsdl" in request.query
        if not is_wsdl:
            return error_response(HTTP_METHOD_NOT_ALLOWED, "SOAP calls use POST")
        text = self.simulator.wsdl_text
        if text is None:
            return error_response(HTTP_NOT_FOUND, "WSDL not available")
        return HttpResponse(HTTP_OK, text.encode("utf-8"), XML_TYPE)

    # REST

    def _rest(self, request):
        path = request.path
        for method, pattern, handler in self._rest_routes:
            match = pattern.fullmatch(path)
            if match and method == request.method:
                try:
                    return handler(request, *match.groups())
                except ApiError as exc:
                    return error_response(exc.status, exc.message)
        return error_response(HTTP_NOT_FOUND, f"no route for {request.method} {path}")

    def _rest_release(self, request):
        payload = json_body(request)
        created, shipment_id = self.simulator.release(payload, request.correlation_id)
        status = HTTP_CREATED if created else HTTP_OK
        return json_response(status, {"shipmentId": shipment_id, "status": "accepted"})

    def _rest_amend(self, request, shipment_id):
        self.simulator.amend(shipment_id, json_body(request))
        return json_response(HTTP_OK, {"shipmentId": shipment_id, "status": "amended"})

    def _rest_cancel(self, request, shipment_id):
        body = json_body(request, allow_empty=True)
        if not isinstance(body, dict):
            raise _invalid("body must be a JSON object")
        reason = body.get("reason") or ""
        if not isinstance(reason, str):
            raise _invalid("reason must be a string")
        self.simulator.cancel(shipment_id, reason)
        return json_response(
            HTTP_OK, {"shipmentId": shipment_id, "status": "cancelled"}
        )

    def _rest_redeliver(self, request, shipment_id):
        window, reason = validate_redelivery(json_body(request, allow_empty=True))
        self.simulator.redeliver(shipment_id, window, reason)
        return json_response(
            HTTP_OK, {"shipmentId": shipment_id, "status": REDELIVERY_STATUS}
        )

    def _rest_appointment(self, request, shipment_id):
        answer = self.simulator.appointment(shipment_id, json_body(request))
        return json_response(HTTP_OK, answer)

    def _rest_get(self, _request, shipment_id):
        return json_response(HTTP_OK, self.simulator.shipment_view(shipment_id))

    def _rest_settlement(self, request, shipment_id):
        body = json_body(request)
        return json_response(
            HTTP_OK, self.simulator.record_settlement(shipment_id, body)
        )

    def _rest_settlement_get(self, _request, shipment_id):
        return json_response(HTTP_OK, self.simulator.settlement_view(shipment_id))

    def _rest_master_data(self, request, kind):
        body = json_body(request)
        return json_response(HTTP_OK, self.simulator.record_master_data(kind, body))

    def _rest_master_data_get(self, _request, kind):
        return json_response(HTTP_OK, self.simulator.master_data_view(kind))

    def _rest_events(self, request):
        after = query_int(request.query, "after", 0)
        limit = query_int(request.query, "limit", FEED_DEFAULT_LIMIT)
        if limit < 1:
            raise ApiError(HTTP_BAD_REQUEST, "limit must be a positive integer")
        feed = self.simulator.events_after(after, min(limit, FEED_MAX_LIMIT))
        return json_response(HTTP_OK, feed)

    # SOAP

    def _soap(self, request):
        if request.method != "POST":
            return soap_fault(HTTP_METHOD_NOT_ALLOWED, SOAP_CLIENT_FAULT, "use POST")
        try:
            name, operation = parse_soap_request(request.body)
            handler = self._soap_operations.get(name)
            if handler is None:
                raise ApiError(HTTP_BAD_REQUEST, f"unknown operation {name}")
            shipment_id, status = handler(operation, request.correlation_id)
        except ApiError as exc:
            code = _fault_code(exc.status)
            return soap_fault(HTTP_SERVER_ERROR, code, exc.message)
        return soap_result(f"{name}Response", shipment_id, status)

    def _soap_release(self, operation, correlation_id):
        payload = shipment_from_xml(_child(operation, "shipment", required=True))
        _created, shipment_id = self.simulator.release(payload, correlation_id)
        return shipment_id, "accepted"

    def _soap_amend(self, operation, _correlation_id):
        shipment_id = _child_text(operation, "shipmentId")
        payload = shipment_from_xml(_child(operation, "shipment", required=True))
        self.simulator.amend(shipment_id, payload)
        return shipment_id, "amended"

    def _soap_cancel(self, operation, _correlation_id):
        shipment_id = _child_text(operation, "shipmentId")
        reason = _texts(operation, ("reason",)).get("reason", "")
        self.simulator.cancel(shipment_id, reason)
        return shipment_id, "cancelled"

    def _soap_redeliver(self, operation, _correlation_id):
        shipment_id = _child_text(operation, "shipmentId")
        body = _texts(operation, ("reason",))
        window = _child(operation, "deliveryWindow")
        if window is not None:
            body["deliveryWindow"] = _texts(window, WINDOW_FIELDS)
        window, reason = validate_redelivery(body)
        self.simulator.redeliver(shipment_id, window, reason)
        return shipment_id, REDELIVERY_STATUS

    # Control

    def _control(self, request):
        handler = self._control_routes.get((request.method, request.path))
        if handler is None:
            message = f"no route for {request.method} {request.path}"
            return error_response(HTTP_NOT_FOUND, message)
        try:
            return json_response(HTTP_OK, handler(request))
        except ApiError as exc:
            return error_response(exc.status, exc.message)

    def _control_faults(self, request):
        queued = self.simulator.add_fault(parse_fault(json_body(request)))
        return {"queued": queued}

    def _control_webhooks(self, request):
        return self.simulator.configure_webhooks(json_body(request))

    def _control_scenario(self, request):
        return self.simulator.configure_scenario(json_body(request))

    def _control_advance(self, request):
        body = json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("shipment_id"), str):
            raise _invalid("shipment_id is required")
        steps = _as_positive_int("steps", body.get("steps", 1))
        return self.simulator.advance(
            body["shipment_id"], min(steps, MAX_ADVANCE_STEPS)
        )

    def _control_reset(self, _request):
        self.simulator.reset()
        return {"status": "reset"}

    def _control_requests(self, _request):
        return self.simulator.requests()

    def _control_shipments(self, _request):
        return self.simulator.shipments_view()


class RequestHandler(BaseHTTPRequestHandler):
    """Turns HTTP exchanges into :class:`HttpRequest` / :class:`HttpResponse`.

    HTTP/1.1 with keep-alive: a client may send its calls one after the other
    on one connection (Odoo keeps its connections to a TMS). Every answer has a
    Content-Length (the standard library's own error pages too), a request
    body is read to its end (Content-Length or chunked) so that the next
    request starts where it should, an HTTP/1.0 client or ``Connection:
    close`` still gets its connection closed, and an idle connection is closed
    after IDLE_TIMEOUT seconds.
    """

    server_version = SERVER_NAME
    protocol_version = "HTTP/1.1"
    # The head and the body are two writes: on a kept connection Nagle's
    # algorithm would hold the body until the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    # Seconds a kept connection may wait for its next request.
    timeout = IDLE_TIMEOUT

    def version_string(self):
        return SERVER_NAME

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def log_message(self, fmt, *args):
        _logger.debug("%s %s", self.address_string(), fmt % args)

    def _handle(self):
        request = HttpRequest(self.command, self.path, self.headers, self._read_body())
        try:
            response = self.server.app.handle(request)
        except Exception:
            _logger.exception("error handling %s %s", self.command, self.path)
            response = error_response(HTTP_SERVER_ERROR, "internal simulator error")
        if response.drop:
            _logger.info("dropping the connection of %s %s", self.command, self.path)
            self.close_connection = True
            return
        try:
            self._send(response, request.correlation_id)
        except (BrokenPipeError, ConnectionResetError):
            _logger.info("client of %s %s went away", self.command, self.path)

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            # Where the body ends is unknown: no next request on this one.
            self.close_connection = True
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self):
        """A chunked body (HTTP/1.1), its trailer skipped."""
        chunks = []
        while True:
            line = self.rfile.readline(MAX_CHUNK_LINE)
            try:
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            except ValueError:
                self.close_connection = True
                return b"".join(chunks)
            if size == 0:
                while self.rfile.readline(MAX_CHUNK_LINE) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(MAX_CHUNK_LINE)

    def _send(self, response, correlation_id):
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        if correlation_id:
            self.send_header(CORRELATION_HEADER, correlation_id)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            # HTTP/1.0, `Connection: close` or a body of unknown end: say so.
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(response.body)


class SimulatorServer(ThreadingHTTPServer):
    """One thread per connection; threads do not hold up shutdown."""

    daemon_threads = True

    def __init__(self, address, app):
        self.app = app
        super().__init__(address, RequestHandler)
