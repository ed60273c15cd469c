"""The customer JSON API, /api/logistics/v1.

Every route: authenticate (API key or bearer token) → scope → throttle → run as
the key's portal user (record rules apply) → one JSON shape for every error,
with the correlation ID. Writes go through the message log.
"""

import base64
import functools
import hashlib
import logging
import re

from werkzeug.exceptions import HTTPException

from odoo import http
from odoo.http import Response, request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from odoo.addons.logistics_integration_base.lib import (
    body_limits,
    correlation,
    json_text,
    outcome,
    receipt,
)

from ..lib import api_keys, documents, json_input, openapi, throttle
from ..models.res_config_settings import DEFAULT_UPLOAD_LIMIT, UPLOAD_LIMIT_PARAM
from .downloads import attachment_download
from .errors import API, ApiError
from .errors import error_response as _error
from .errors import http_error as _http_error
from .errors import internal_error as _internal_error
from .errors import json_response as _json

_logger = logging.getLogger(__name__)

MAX_JSON_BYTES = 1024 * 1024
MAX_FORM_BYTES = 64 * 1024  # POST /oauth/token: a few form fields
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around a file
UPLOAD_TYPES = set(documents.UPLOAD_TYPES)
# `<int:webhook_id>` in a route's path: its argument's name.
PATH_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")
# Every route of the API and its methods: OPTIONS answers them in `Allow`.
ROUTE_METHODS = {}


def api_route(
    path,
    methods,
    scope,
    summary,
    answer,
    *,
    with_scopes=False,
    max_content_length=MAX_JSON_BYTES,
    **description,
):
    """An API route: auth, scope, throttle, error shape and correlation ID.

    The route describes itself in openapi.json as it is declared: `summary`,
    `answer` (its schema) and the `description` keywords of
    :func:`openapi.operation` (`code`, `body`, `errors`, `query`, `headers`,
    `links`). The query arguments described are the ones `_query` accepts.

    The handler gets the caller's key, the correlation ID and the route's own
    arguments (the scopes of the call too with `with_scopes`). Whatever it
    raises becomes an answer in the error shape: `ApiError` as it says,
    werkzeug's HTTP exceptions with their status, anything else 500 with
    the correlation ID logged (after a rollback: nothing half-made stays).
    Odoo's concurrency errors go up so that Odoo replays the request.
    `max_content_length` (bytes, or a callable of the controller) bounds the
    body before it is read.
    """
    ROUTE_METHODS.setdefault(API + path, set()).update(methods)
    for method in methods:
        openapi.register(
            openapi.operation(
                method.lower(),
                openapi.description_path(path),
                scope,
                summary,
                answer,
                **description,
            )
        )
    path_arguments = PATH_ARGUMENT.findall(path)

    def decorator(func):
        @http.route(
            API + path,
            type="http",
            auth="none",
            methods=methods,
            csrf=False,
            save_session=False,
            # Every call counts against the key's rate limit: a write.
            readonly=False,
            max_content_length=max_content_length,
        )
        @functools.wraps(func)
        def wrapper(self, **kwargs):
            correlation_id = correlation.accept(
                request.httprequest.headers.get(correlation.HEADER)
            )
            early = _answer_before_handler(
                API + path,
                {name: kwargs[name] for name in path_arguments if name in kwargs},
                correlation_id,
            )
            if early is not None:
                return early
            key = None
            try:
                key, scopes = _authorize(scope)
                if with_scopes:
                    kwargs["scopes"] = scopes
                result = func(self, key, correlation_id, **kwargs)
                request.env.flush_all()  # a failing write fails here, mapped
            except ApiError as err:
                if err.status in (401, 403):
                    _count_refusal(err.client or (key.key_id if key else None))
                return _error(err, correlation_id)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except HTTPException as err:
                if err.code is None:  # werkzeug.abort() of a whole response
                    raise
                request.env.cr.rollback()
                return _error(_http_error(err), correlation_id)
            except Exception:
                _logger.exception(
                    "[%s] %s %s failed",
                    correlation_id,
                    request.httprequest.method,
                    request.httprequest.path,
                )
                request.env.cr.rollback()
                return _error(_internal_error(), correlation_id)
            if isinstance(result, Response):  # a file, not JSON
                result.headers[correlation.HEADER] = correlation_id
                return result
            status, body = result
            return _json(status, body, correlation_id)

        return wrapper

    return decorator


def _answer_before_handler(path, arguments, correlation_id):
    """404 for path arguments no record can have, OPTIONS' 204; else None."""
    unknown = _path_argument_problem(arguments)
    if unknown:
        return _error(unknown, correlation_id)
    if request.httprequest.method == "OPTIONS":
        return _options(path, correlation_id)
    return None


def _path_argument_problem(arguments):
    """404 for a path argument no record can have (described in openapi.json):
    an id outside PostgreSQL's integer range, a reference of the wrong length."""
    for name, value in arguments.items():
        if isinstance(value, int):
            valid = (
                openapi.ID_SCHEMA["minimum"] <= value <= openapi.ID_SCHEMA["maximum"]
            )
        elif isinstance(value, str):
            valid = (
                openapi.REFERENCE_SCHEMA["minLength"]
                <= len(value)
                <= openapi.REFERENCE_SCHEMA["maxLength"]
            )
        else:
            continue
        if not valid:
            return ApiError(
                404,
                "not_found",
                "No such resource: %s %s." % (name, str(value)[:80]),
                [{"pointer": "/path/%s" % name, "reason": "out of range"}],
            )
    return None


def _options(path, correlation_id):
    """204 with the methods of a route (no credentials needed to ask)."""
    methods = set(ROUTE_METHODS.get(path, ())) | {"OPTIONS"}
    if "GET" in methods:
        methods.add("HEAD")
    response = request.make_response(
        b"",
        status=204,
        headers=[
            ("Allow", ", ".join(sorted(methods))),
            (correlation.HEADER, correlation_id),
        ],
    )
    del response.headers["Content-Type"]  # no content, no type
    return response


def _authorize(scope):
    """(key, scopes) of the caller, the request now running as its portal user."""
    headers = request.httprequest.headers
    authorization = headers.get("Authorization", "")
    Key = request.env["logistics.api.key"].sudo()
    if authorization.startswith("Bearer "):
        key, scopes, reason = (
            request.env["logistics.api.token"]
            .sudo()
            ._authenticate(authorization[len("Bearer ") :].strip())
        )
        client = key.key_id or None
    elif headers.get("X-API-Key"):
        key, reason = Key._authenticate(headers["X-API-Key"])
        scopes = key._scope_list() if key else []
        client = key.key_id or _presented_key_id(headers["X-API-Key"])
    else:
        key, scopes, reason, client = Key, [], "missing_credentials", None
    _check_refusals(client)
    if reason:
        raise ApiError(
            401,
            reason,
            {
                "missing_credentials": "Send an API key in X-API-Key or a bearer "
                "token in Authorization.",
                "invalid_key": "The API key is not valid.",
                "invalid_token": "The bearer token is not valid.",
                "revoked_key": "The API key was revoked.",
                "expired_key": "The API key has expired.",
                "expired_token": "The bearer token has expired.",
            }[reason],
            headers={"WWW-Authenticate": 'Bearer realm="logistics"'},
            client=client,
        )
    if scope not in scopes:
        raise ApiError(
            403,
            "insufficient_scope",
            "This call needs the scope %s." % scope,
            [{"pointer": "", "reason": "granted: %s" % " ".join(scopes)}],
            client=client,
        )
    Throttle = request.env["logistics.api.throttle"].sudo()
    wait = Throttle._hit(
        throttle.bucket(throttle.KEY, key.id), key.rate_limit_per_minute
    )
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            "Too many requests: at most %s a minute." % key.rate_limit_per_minute,
            headers={"Retry-After": str(wait)},
        )
    request.update_env(user=key.user_id.id)
    return key, scopes


def _presented_key_id(presented):
    """The key id of a presented key string (the client it claims), or None."""
    try:
        return api_keys.parse(presented)[0]
    except ValueError:
        return None


def _remote_address():
    return request.httprequest.remote_addr or "unknown"


def _refusal_buckets(client):
    """{bucket: limit} of the refusals counted for this address and client."""
    Throttle = request.env["logistics.api.throttle"].sudo()
    buckets = {
        throttle.bucket(throttle.FAILED_ADDRESS, _remote_address()): Throttle._limit(
            throttle.FAILED_ADDRESS
        )
    }
    if client:
        buckets[throttle.bucket(throttle.FAILED_CLIENT, client)] = Throttle._limit(
            throttle.FAILED_CLIENT
        )
    return buckets


def _check_refusals(client):
    """429 while this address or client had too many 401/403 this minute."""
    wait = request.env["logistics.api.throttle"].sudo()._wait(_refusal_buckets(client))
    if wait:
        raise ApiError(
            429,
            "too_many_failures",
            "Too many refused requests from this client or address; retry later.",
            headers={"Retry-After": str(wait)},
        )


def _count_refusal(client):
    """Count a 401 or 403 against the remote address and the client."""
    Throttle = request.env["logistics.api.throttle"].sudo()
    for bucket, limit in _refusal_buckets(client).items():
        Throttle._hit(bucket, limit)


def _read_body(limit):
    """The raw body, refused on its Content-Length (413) before it is read."""
    httprequest = request.httprequest
    refusal = body_limits.refusal(
        httprequest.content_length,
        httprequest.headers.get("Transfer-Encoding", ""),
        limit,
    )
    if refusal:
        raise ApiError(*refusal)
    return httprequest.get_data()  # werkzeug reads no more than the length


def _body():
    """The JSON object of the body: bounded, strict, and free of NUL characters."""
    data = _read_body(MAX_JSON_BYTES)
    try:
        body = json_text.loads(data or b"null")
    except json_text.MalformedJson as err:
        raise ApiError(
            400, "malformed_json", "The body is not valid JSON: %s" % err
        ) from err
    if not isinstance(body, dict):
        raise ApiError(
            422,
            "schema_violation",
            "The body must be a JSON object.",
            [{"pointer": "", "reason": "expected an object"}],
        )
    _refuse_problems(json_text.nul_problems(body))
    return body


def _refuse_problems(problems):
    """422 in the schema-violation shape for problems found before logging."""
    if problems:
        raise ApiError(
            422,
            "schema_violation",
            "The body is not valid: %s: %s"
            % (problems[0]["pointer"] or "(root)", problems[0]["reason"]),
            problems,
        )


def _query():
    """The query arguments of this list route, checked against its description.

    Unknown, repeated, out-of-range or ill-typed arguments are a 422 naming
    each one (`/query/<argument>`), exactly as openapi.json says.
    """
    route = ("get", request.httprequest.path[len(API) :])
    parameters = openapi.route_parameters(route) or []
    try:
        return openapi.parse_query(parameters, request.httprequest.args.to_dict(False))
    except openapi.QueryError as err:
        raise ApiError(
            422, "invalid_query", "Invalid query arguments: %s." % err, err.details
        ) from err


def _page():
    query = _query()
    return query["limit"], query["offset"]


def _date_filters(field_name):
    query = _query()
    return [
        (field_name, operator, query[arg])
        for arg, operator in (("date_from", ">="), ("date_to", "<="))
        if arg in query
    ]


def _partner(key):
    return key.user_id.partner_id.commercial_partner_id


def _logged(flow, payload, key, correlation_id, *, idempotency_key=None, record=None):
    """Log a write through the message log (answered in the request): the
    (status, body) of its flow's outcome (:func:`_outcome_answer`)."""
    message, received, reason = (
        request.env["logistics.message"]
        .sudo()
        ._receive(
            flow,
            payload,
            idempotency_key=idempotency_key,
            correlation_id=correlation_id,
            partner_id=_partner(key).id,
            res_model=record._name if record else False,
            res_id=record.id if record else False,
        )
    )
    if received == receipt.CONFLICT:
        raise ApiError(409, "idempotency_conflict", reason)
    if received == receipt.REJECTED:
        raise ApiError(
            422, "schema_violation", message.last_error, message.error_details or []
        )
    if message.state != "done" or not message.result:
        _logger.error(
            "[%s] %s message %s failed: %s",
            correlation_id,
            flow,
            message.id,
            message.last_error,
        )
        raise ApiError(
            500,
            "processing_failed",
            "The request could not be processed; it was logged.",
        )
    # The first answer and a replay (a duplicate message) alike.
    return _outcome_answer(outcome.Outcome.from_json(message.result))


# The HTTP status of each flow outcome: the only place they meet.
OUTCOME_STATUS = {
    outcome.CREATED: 201,
    outcome.APPLIED: 200,
    outcome.REFUSED: 422,
    outcome.STATE_CONFLICT: 409,
}


def _outcome_answer(result):
    """(status, body) of a flow's outcome, or its ApiError in the error shape."""
    status = OUTCOME_STATUS[result.kind]
    if result.failed:
        raise ApiError(status, result.code, result.message, result.problems)
    return status, result.body


def _one(model, domain, what):
    record = request.env[model].search(domain, limit=1)
    if not record:
        raise ApiError(
            404, "not_found", "No %s %s for this customer." % (what, domain[0][2])
        )
    return record


class OAuthError(Exception):
    """An OAuth2 error answer (RFC 6749, section 5.2) of the token endpoint."""

    def __init__(self, status, code, description=None):
        super().__init__(code)
        self.status = status
        self.code = code
        self.description = description


def public_route(path, method, describe, **route):
    """A route outside the customer's scopes, described by `describe()`."""
    ROUTE_METHODS[API + path] = {method}
    openapi.register_public(method.lower(), path, describe)
    return http.route(
        API + path,
        type="http",
        auth="none",
        methods=[method],
        save_session=False,
        **route,
    )


class LogisticsApi(http.Controller):
    # ------------------------------------------------------------------
    # OAuth2 and description

    @public_route(
        "/oauth/token",
        "POST",
        openapi.token_operation,
        csrf=False,
        readonly=False,
        max_content_length=MAX_FORM_BYTES,
    )
    def oauth_token(self, **_params):
        """OAuth2 client credentials: client_id = key ID, client_secret = API key.

        Both come from the form body only (never the query string, which ends
        up in access logs). Every call counts per client and per address.
        """
        correlation_id = correlation.accept(
            request.httprequest.headers.get(correlation.HEADER)
        )
        if request.httprequest.method == "OPTIONS":
            return _options(API + "/oauth/token", correlation_id)
        form = request.httprequest.form
        try:
            self._throttle_token_request(form.get("client_id"))
            token, lifetime, scopes = self._grant_token(form)
        except ApiError as err:  # throttled: 429, in the token endpoint's shape
            return _oauth_error(err.status, err.code, err.message, err.headers)
        except OAuthError as err:
            return _oauth_error(err.status, err.code, err.description)
        return request.make_json_response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": lifetime,
                "scope": " ".join(scopes),
            },
            headers=[("Cache-Control", "no-store")],
        )

    def _grant_token(self, form):
        """(token, lifetime, scopes) for the client credentials of `form`."""
        httprequest = request.httprequest
        if {"client_id", "client_secret"} & set(httprequest.args):
            # Refused, and not used: the secret must be considered leaked.
            raise OAuthError(
                400,
                "invalid_request",
                "Send client_id and client_secret in the form body, never in the "
                "query string.",
            )
        if httprequest.mimetype != "application/x-www-form-urlencoded":
            raise OAuthError(
                400,
                "invalid_request",
                "The body must be application/x-www-form-urlencoded.",
            )
        if form.get("grant_type") != "client_credentials":
            raise OAuthError(400, "unsupported_grant_type")
        client_id, presented = form.get("client_id"), form.get("client_secret") or ""
        key, reason = request.env["logistics.api.key"].sudo()._authenticate(presented)
        if reason or key.key_id != client_id:
            _count_refusal(key.key_id or _presented_key_id(presented) or client_id)
            raise OAuthError(401, "invalid_client")
        granted = key._scope_list()
        try:
            asked = api_keys.parse_scopes(form.get("scope")) or granted
        except ValueError as err:
            raise OAuthError(400, "invalid_scope") from err
        if set(asked) - set(granted):
            raise OAuthError(400, "invalid_scope")
        token, lifetime = request.env["logistics.api.token"].sudo()._issue(key, asked)
        return token, lifetime, asked

    def _throttle_token_request(self, client_id):
        """429 past the token requests a minute of the address or the client."""
        Throttle = request.env["logistics.api.throttle"].sudo()
        _check_refusals(client_id)
        buckets = [(throttle.TOKEN_ADDRESS, _remote_address())]
        if client_id:
            buckets.append((throttle.TOKEN_CLIENT, client_id))
        for kind, subject in buckets:
            wait = Throttle._hit(throttle.bucket(kind, subject), Throttle._limit(kind))
            if wait:
                raise ApiError(
                    429,
                    "rate_limited",
                    "Too many token requests; retry later.",
                    headers={"Retry-After": str(wait)},
                )

    @public_route("/openapi.json", "GET", openapi.description_operation)
    def openapi_description(self):
        if request.httprequest.method == "OPTIONS":
            return _options(API + "/openapi.json", correlation.accept(None))
        return request.make_json_response(openapi.build_document())

    # ------------------------------------------------------------------
    # orders

    @api_route(
        "/orders",
        ["POST"],
        "orders:write",
        "Submit an order (Idempotency-Key required)",
        "Order",
        code="201",
        body="OrderSubmission",
        errors=("409",),
        headers=[openapi.IDEMPOTENCY_KEY],
        links={
            name: (operation_id, "reference", "$response.body#/reference")
            for name, operation_id in (
                ("GetOrder", "get_orders_reference"),
                ("AmendOrder", "patch_orders_reference"),
                ("CancelOrder", "post_orders_reference_cancel"),
                ("UploadDocument", "post_orders_reference_documents"),
            )
        },
    )
    def submit_order(self, key, correlation_id):
        idempotency_key = request.httprequest.headers.get("Idempotency-Key")
        if not idempotency_key or len(idempotency_key) > 128:
            raise ApiError(
                400,
                "missing_idempotency_key",
                "POST /orders needs an Idempotency-Key header (at most 128 "
                "characters).",
            )
        body = _body()
        _refuse_problems(json_input.window_problems(body))
        scoped_key = "%s:%s" % (_partner(key).id, idempotency_key)
        return _logged(
            "order.submit", body, key, correlation_id, idempotency_key=scoped_key
        )

    @api_route(
        "/orders",
        ["GET"],
        "orders:read",
        "List the customer's orders, newest first",
        "Order[]",
        query=openapi.ORDER_QUERY,
    )
    def list_orders(self, key, correlation_id, **_query):  # query read from request
        limit, offset = _page()
        Order = request.env["sale.order"]
        domain = Order._portal_domain(_partner(key)) + _date_filters("create_date")
        status = request.httprequest.args.get("status")
        if status:
            domain.append(("state", "=", status))
        orders = Order.search(domain, limit=limit, offset=offset, order="id desc")
        return 200, {
            "items": [order._portal_json() for order in orders.sudo()],
            "total": Order.search_count(domain),
            "limit": limit,
            "offset": offset,
        }

    @api_route(
        "/orders/<string:reference>", ["GET"], "orders:read", "One order", "Order"
    )
    def get_order(self, key, correlation_id, reference):
        order = _one("sale.order", self._order_domain(key, reference), "order")
        return 200, order.sudo()._portal_json()

    @api_route(
        "/orders/<string:reference>",
        ["PATCH"],
        "orders:write",
        "Amend an order before its release (409 after)",
        "Order",
        body="OrderAmendment",
        errors=("409",),
        headers=[openapi.OPTIONAL_IDEMPOTENCY_KEY],
    )
    def amend_order(self, key, correlation_id, reference):
        order = _one("sale.order", self._order_domain(key, reference), "order")
        idempotency_key = request.httprequest.headers.get("Idempotency-Key")
        # An empty key is no key (not one key shared by every customer).
        scoped = (
            "%s:%s" % (_partner(key).id, idempotency_key) if idempotency_key else None
        )
        body = _body()
        _refuse_problems(json_input.window_problems(body))
        return _logged(
            "order.amend",
            body,
            key,
            correlation_id,
            idempotency_key=scoped,
            record=order,
        )

    @api_route(
        "/orders/<string:reference>/cancel",
        ["POST"],
        "orders:write",
        "Cancel an order before its release (409 after)",
        "Order",
        errors=("409",),
    )
    def cancel_order(self, key, correlation_id, reference):
        order = _one("sale.order", self._order_domain(key, reference), "order")
        return _logged(
            "order.cancel", {"reference": reference}, key, correlation_id, record=order
        )

    @api_route(
        "/orders/<string:reference>/documents",
        ["POST"],
        "orders:write",
        "Upload a document: multipart/form-data (field `file`) or a raw body of "
        "an accepted type; the type is checked against the content",
        "Document",
        max_content_length=lambda self: _upload_limit() + MULTIPART_OVERHEAD,
        code="201",
        body="binary",
        errors=("400", "411", "413", "415", "422"),
        headers=[openapi.FILENAME],
        links={"GetDocument": ("get_documents_id", "id", "$response.body#/id")},
    )
    def upload_document(self, key, correlation_id, reference, **_form):
        """A document for the order: a raw body, or the multipart field `file`.

        Its type is read from its first bytes; a declared type that says
        otherwise is refused (415), as is any type but PDF, PNG, JPEG, CSV
        and XLSX. (Odoo passes the multipart fields as `_form`; they are read
        from the request.)
        """
        order = _one("sale.order", self._order_domain(key, reference), "order")
        httprequest = request.httprequest
        limit = _upload_limit()
        if httprequest.mimetype == "multipart/form-data":
            upload = httprequest.files.get("file")
            if upload is None:
                raise ApiError(
                    400,
                    "missing_file",
                    "Send the document in the multipart field `file`.",
                    [{"pointer": "file", "reason": "missing"}],
                )
            declared, filename = upload.mimetype, upload.filename
            _check_declared_type(declared)
            content = upload.read(limit + 1)
            if len(content) > limit:
                raise ApiError(413, "payload_too_large", "At most %s bytes." % limit)
        else:
            declared = httprequest.headers.get("Content-Type")
            filename = httprequest.headers.get("X-Filename")
            _check_declared_type(declared)
            content = _read_body(limit)
        if not content:
            raise ApiError(422, "empty_document", "The document is empty.")
        mimetype, why = documents.check_type(content, declared)
        if not mimetype:
            raise ApiError(
                415,
                "unsupported_media_type",
                "Refused: %s. Allowed types: %s."
                % (why, ", ".join(sorted(UPLOAD_TYPES))),
            )
        payload = {
            "filename": documents.safe_filename(filename),
            "mimetype": mimetype,
            "sha256": hashlib.sha256(content).hexdigest(),
            "content_base64": base64.b64encode(content).decode(),
        }
        return _logged("order.document", payload, key, correlation_id, record=order)

    # ------------------------------------------------------------------
    # shipments, documents, invoices

    @api_route(
        "/shipments",
        ["GET"],
        "shipments:read",
        "List the customer's shipments, newest first",
        "Shipment[]",
        query=openapi.SHIPMENT_QUERY,
    )
    def list_shipments(self, key, correlation_id, **_query):  # query read from request
        limit, offset = _page()
        Shipment = request.env["logistics.shipment"]
        domain = Shipment._portal_domain(_partner(key)) + _date_filters("create_date")
        status = request.httprequest.args.get("status")
        if status:
            domain.append(("status", "=", status))
        shipments = Shipment.search(domain, limit=limit, offset=offset, order="id desc")
        return 200, {
            "items": [s._portal_json(with_timeline=False) for s in shipments.sudo()],
            "total": Shipment.search_count(domain),
            "limit": limit,
            "offset": offset,
        }

    @api_route(
        "/shipments/<string:reference>",
        ["GET"],
        "shipments:read",
        "Status, milestone timeline, ETA, carrier and tracking",
        "Shipment",
    )
    def get_shipment(self, key, correlation_id, reference):
        shipment = self._shipment(key, reference)
        return 200, shipment.sudo()._portal_json()

    @api_route(
        "/shipments/<string:reference>/documents",
        ["GET"],
        "documents:read",
        "Proof of delivery, delivery slips, invoices and the customer's uploads",
        "Document[]",
    )
    def shipment_documents(self, key, correlation_id, reference):
        shipment = self._shipment(key, reference).sudo()
        return 200, {"items": [_document_json(a) for a in shipment._portal_documents()]}

    @api_route(
        "/documents/<int:document_id>",
        ["GET"],
        "documents:read",
        "Download a document",
        "file",
    )
    def get_document(self, key, correlation_id, document_id):
        attachment = request.env["ir.attachment"]._logistics_portal_document(
            document_id, _partner(key)
        )
        if not attachment:
            raise ApiError(
                404, "not_found", "No document %s for this customer." % document_id
            )
        return _document_response(attachment)

    @api_route(
        "/invoices",
        ["GET"],
        "invoices:read",
        "List the customer's posted invoices and credit notes, newest first",
        "Invoice[]",
        query=openapi.INVOICE_QUERY,
    )
    def list_invoices(self, key, correlation_id, **_query):  # query read from request
        limit, offset = _page()
        Move = request.env["account.move"].sudo()
        domain = Move._portal_domain(_partner(key)) + _date_filters("invoice_date")
        invoices = Move.search(domain, limit=limit, offset=offset, order="id desc")
        return 200, {
            "items": [invoice._portal_json() for invoice in invoices],
            "total": Move.search_count(domain),
            "limit": limit,
            "offset": offset,
        }

    # ------------------------------------------------------------------
    # webhooks

    @api_route(
        "/webhooks",
        ["POST"],
        "webhooks:manage",
        "Subscribe a URL to events (the secret is shown once)",
        "Webhook",
        with_scopes=True,
        code="201",
        body="WebhookSubscription",
        links={"DeleteWebhook": ("delete_webhooks_id", "id", "$response.body#/id")},
    )
    def subscribe(self, key, correlation_id, scopes):
        """Subscribe to events; each event family needs its read scope."""
        request_body = _body()
        events = request_body.get("events")
        if isinstance(events, list) and all(isinstance(e, str) for e in events):
            try:
                needed = api_keys.event_scopes(events)
            except ValueError:
                needed = []  # an unknown event: the schema says which
            missing = sorted(set(needed) - set(scopes))
            if missing:
                raise ApiError(
                    403,
                    "insufficient_scope",
                    "These events need the scope(s) %s." % ", ".join(missing),
                    [
                        {
                            "pointer": "/events/%s" % index,
                            "reason": "needs %s" % api_keys.event_scopes([event])[0],
                        }
                        for index, event in enumerate(events)
                        if set(api_keys.event_scopes([event])) & set(missing)
                    ],
                    client=key.key_id,
                )
        status, body = _logged("webhook.subscribe", request_body, key, correlation_id)
        webhook = request.env["logistics.customer.webhook"].sudo().browse(body["id"])
        # Shown once, here; stored encrypted, never in the message log.
        return status, dict(body, secret=webhook.endpoint_id._secret("hmac"))

    @api_route(
        "/webhooks", ["GET"], "webhooks:manage", "List subscriptions", "Webhook[]"
    )
    def list_webhooks(self, key, correlation_id):
        Webhook = request.env["logistics.customer.webhook"].sudo()
        webhooks = Webhook.search(Webhook._portal_domain(_partner(key)))
        return 200, {"items": [webhook._portal_json() for webhook in webhooks]}

    @api_route(
        "/webhooks/<int:webhook_id>",
        ["DELETE"],
        "webhooks:manage",
        "Remove a subscription",
        "WebhookDeleted",
    )
    def unsubscribe(self, key, correlation_id, webhook_id):
        Webhook = request.env["logistics.customer.webhook"].sudo()
        webhook = Webhook.search(
            [("id", "=", webhook_id), *Webhook._portal_domain(_partner(key))]
        )
        if not webhook:
            raise ApiError(
                404, "not_found", "No webhook %s for this customer." % webhook_id
            )
        return _logged(
            "webhook.unsubscribe",
            {"webhook_id": webhook_id},
            key,
            correlation_id,
            record=webhook,
        )

    # ------------------------------------------------------------------
    # helpers

    def _order_domain(self, key, reference):
        return [
            ("name", "=", reference),
            *request.env["sale.order"]._portal_domain(_partner(key)),
        ]

    def _shipment(self, key, reference):
        Shipment = request.env["logistics.shipment"]
        return _one(
            "logistics.shipment",
            [("name", "=", reference), *Shipment._portal_domain(_partner(key))],
            "shipment",
        )


def _document_json(attachment):
    return {
        "id": attachment.id,
        "name": attachment.name,
        "mimetype": attachment.mimetype,
        "size": attachment.file_size,
        "url": "%s/documents/%s" % (API, attachment.id),
    }


def _oauth_error(status, code, description=None, headers=None):
    """An OAuth2 error (RFC 6749, section 5.2): what OAuth client libraries read."""
    body = {"error": code}
    if description:
        body["error_description"] = description
    return request.make_json_response(
        body,
        status=status,
        headers=[("Cache-Control", "no-store"), *(headers or {}).items()],
    )


def _upload_limit():
    value = (
        request.env["ir.config_parameter"]
        .sudo()
        .get_param(UPLOAD_LIMIT_PARAM, DEFAULT_UPLOAD_LIMIT)
    )
    try:
        return int(value)
    except ValueError:
        return DEFAULT_UPLOAD_LIMIT


def _check_declared_type(declared):
    """415 at once for a declared type no content could make acceptable."""
    claimed = documents.normalize_type(declared)
    if claimed not in UPLOAD_TYPES and claimed not in documents.UNSPECIFIED_TYPES:
        raise ApiError(
            415,
            "unsupported_media_type",
            "Allowed types: %s." % ", ".join(sorted(UPLOAD_TYPES)),
        )


def _document_response(attachment):
    response = attachment_download(attachment)
    if response is None:  # e.g. a proof of delivery announced without its file
        raise ApiError(404, "not_found", "Document %s has no content." % attachment.id)
    return response
