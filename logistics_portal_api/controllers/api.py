"""The customer JSON API, /api/logistics/v1.

Every route: authenticate (API key or bearer token) → scope → throttle → run as
the key's portal user (record rules apply) → one JSON shape for every error,
with the correlation ID. Writes go through the message log.
"""

import base64
import functools
import hashlib
import json
import logging

from odoo import http
from odoo.http import Response, request

from odoo.addons.logistics_integration_base.lib import correlation

from ..lib import api_keys, openapi
from ..models.res_config_settings import DEFAULT_UPLOAD_LIMIT, UPLOAD_LIMIT_PARAM

_logger = logging.getLogger(__name__)

API = "/api/logistics/v1"
MAX_JSON_BYTES = 1024 * 1024
UPLOAD_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ApiError(Exception):
    """An answer other than 2xx, in the API's one error shape."""

    def __init__(self, status, code, message, details=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


def api_route(path, methods, scope=None):
    """An API route: auth, scope, throttle, error shape and correlation ID."""

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
        )
        @functools.wraps(func)
        def wrapper(self, **kwargs):
            correlation_id = correlation.accept(
                request.httprequest.headers.get(correlation.HEADER)
            )
            try:
                key = _authorize(scope) if scope else None
                result = func(self, key, correlation_id, **kwargs)
            except ApiError as err:
                return _error(err, correlation_id)
            if isinstance(result, Response):  # a file, not JSON
                result.headers[correlation.HEADER] = correlation_id
                return result
            status, body = result
            return _json(status, body, correlation_id)

        return wrapper

    return decorator


def _authorize(scope):
    """The caller's API key, with the request now running as its portal user."""
    headers = request.httprequest.headers
    authorization = headers.get("Authorization", "")
    Key = request.env["logistics.api.key"].sudo()
    if authorization.startswith("Bearer "):
        key, scopes, reason = (
            request.env["logistics.api.token"]
            .sudo()
            ._authenticate(authorization[len("Bearer ") :].strip())
        )
    elif headers.get("X-API-Key"):
        key, reason = Key._authenticate(headers["X-API-Key"])
        scopes = key._scope_list() if key else []
    else:
        raise ApiError(
            401,
            "missing_credentials",
            "Send an API key in X-API-Key or a bearer token in Authorization.",
            headers={"WWW-Authenticate": 'Bearer realm="logistics"'},
        )
    if reason:
        raise ApiError(
            401,
            reason,
            {
                "invalid_key": "The API key is not valid.",
                "invalid_token": "The bearer token is not valid.",
                "revoked_key": "The API key was revoked.",
                "expired_key": "The API key has expired.",
                "expired_token": "The bearer token has expired.",
            }[reason],
            headers={"WWW-Authenticate": 'Bearer realm="logistics"'},
        )
    if scope not in scopes:
        raise ApiError(
            403,
            "insufficient_scope",
            "This call needs the scope %s." % scope,
            [{"pointer": "", "reason": "granted: %s" % " ".join(scopes)}],
        )
    wait = request.env["logistics.api.throttle"].sudo()._hit(key)
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            "Too many requests: at most %s a minute." % key.rate_limit_per_minute,
            headers={"Retry-After": str(wait)},
        )
    request.update_env(user=key.user_id.id)
    return key


def _json(status, body, correlation_id, headers=None):
    if isinstance(body, dict):
        body = dict(body, correlation_id=correlation_id)
    return request.make_json_response(
        body,
        status=status,
        headers=[(correlation.HEADER, correlation_id), *(headers or {}).items()],
    )


def _error(err, correlation_id):
    return _json(
        err.status,
        {"error": {"code": err.code, "message": err.message, "details": err.details}},
        correlation_id,
        err.headers,
    )


def _body():
    data = request.httprequest.get_data()
    if len(data) > MAX_JSON_BYTES:
        raise ApiError(413, "payload_too_large", "At most %s bytes." % MAX_JSON_BYTES)
    try:
        body = json.loads(data or b"null")
    except ValueError as err:
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
    return body


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
    """Log a write through the message log (answered in the request)."""
    message, outcome, reason = (
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
    if outcome == "conflict":
        raise ApiError(409, "idempotency_conflict", reason)
    if outcome == "rejected":
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
    answer = message.result
    if answer["http_status"] >= 400:
        error = answer["body"]["error"]
        raise ApiError(
            answer["http_status"], error["code"], error["message"], error["details"]
        )
    return answer["http_status"], answer["body"]


def _one(model, domain, what):
    record = request.env[model].search(domain, limit=1)
    if not record:
        raise ApiError(
            404, "not_found", "No %s %s for this customer." % (what, domain[0][2])
        )
    return record


class LogisticsApi(http.Controller):
    # ------------------------------------------------------------------
    # OAuth2 and description

    @http.route(
        API + "/oauth/token",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def oauth_token(self, **params):
        """OAuth2 client credentials: client_id = key ID, client_secret = API key."""
        if params.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type")
        presented = params.get("client_secret") or ""
        key, reason = request.env["logistics.api.key"].sudo()._authenticate(presented)
        if reason or key.key_id != params.get("client_id"):
            return _oauth_error(401, "invalid_client")
        granted = key._scope_list()
        try:
            asked = api_keys.parse_scopes(params.get("scope")) or granted
        except ValueError:
            return _oauth_error(400, "invalid_scope")
        if set(asked) - set(granted):
            return _oauth_error(400, "invalid_scope")
        token, lifetime = request.env["logistics.api.token"].sudo()._issue(key, asked)
        return request.make_json_response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": lifetime,
                "scope": " ".join(asked),
            },
            headers=[("Cache-Control", "no-store")],
        )

    @http.route(API + "/openapi.json", type="http", auth="none", methods=["GET"])
    def openapi_description(self):
        return request.make_json_response(openapi.build_document())

    # ------------------------------------------------------------------
    # orders

    @api_route("/orders", ["POST"], "orders:write")
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
        scoped_key = "%s:%s" % (_partner(key).id, idempotency_key)
        return _logged(
            "order.submit", body, key, correlation_id, idempotency_key=scoped_key
        )

    @api_route("/orders", ["GET"], "orders:read")
    def list_orders(self, key, correlation_id, **_query):  # query read from request
        limit, offset = _page()
        domain = [
            ("partner_id", "child_of", _partner(key).id),
            *_date_filters("create_date"),
        ]
        status = request.httprequest.args.get("status")
        if status:
            domain.append(("state", "=", status))
        Order = request.env["sale.order"]
        orders = Order.search(domain, limit=limit, offset=offset, order="id desc")
        return 200, {
            "items": [order._portal_json() for order in orders.sudo()],
            "total": Order.search_count(domain),
            "limit": limit,
            "offset": offset,
        }

    @api_route("/orders/<string:reference>", ["GET"], "orders:read")
    def get_order(self, key, correlation_id, reference):
        order = _one("sale.order", self._order_domain(key, reference), "order")
        return 200, order.sudo()._portal_json()

    @api_route("/orders/<string:reference>", ["PATCH"], "orders:write")
    def amend_order(self, key, correlation_id, reference):
        order = _one("sale.order", self._order_domain(key, reference), "order")
        idempotency_key = request.httprequest.headers.get("Idempotency-Key")
        # An empty key is no key (not one key shared by every customer).
        scoped = (
            "%s:%s" % (_partner(key).id, idempotency_key) if idempotency_key else None
        )
        return _logged(
            "order.amend",
            _body(),
            key,
            correlation_id,
            idempotency_key=scoped,
            record=order,
        )

    @api_route("/orders/<string:reference>/cancel", ["POST"], "orders:write")
    def cancel_order(self, key, correlation_id, reference):
        order = _one("sale.order", self._order_domain(key, reference), "order")
        return _logged(
            "order.cancel", {"reference": reference}, key, correlation_id, record=order
        )

    @api_route("/orders/<string:reference>/documents", ["POST"], "orders:write")
    def upload_document(self, key, correlation_id, reference):
        order = _one("sale.order", self._order_domain(key, reference), "order")
        headers = request.httprequest.headers
        mimetype = (headers.get("Content-Type") or "").split(";")[0].strip()
        if mimetype not in UPLOAD_TYPES:
            raise ApiError(
                415,
                "unsupported_media_type",
                "Allowed types: %s." % ", ".join(sorted(UPLOAD_TYPES)),
            )
        limit = int(
            request.env["ir.config_parameter"]
            .sudo()
            .get_param(UPLOAD_LIMIT_PARAM, DEFAULT_UPLOAD_LIMIT)
        )
        if (request.httprequest.content_length or 0) > limit:
            raise ApiError(413, "payload_too_large", "At most %s bytes." % limit)
        content = request.httprequest.get_data()
        if len(content) > limit:
            raise ApiError(413, "payload_too_large", "At most %s bytes." % limit)
        if not content:
            raise ApiError(422, "empty_document", "The document is empty.")
        payload = {
            "filename": (headers.get("X-Filename") or "document")[:128],
            "mimetype": mimetype,
            "sha256": hashlib.sha256(content).hexdigest(),
            "content_base64": base64.b64encode(content).decode(),
        }
        return _logged("order.document", payload, key, correlation_id, record=order)

    # ------------------------------------------------------------------
    # shipments, documents, invoices

    @api_route("/shipments", ["GET"], "shipments:read")
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

    @api_route("/shipments/<string:reference>", ["GET"], "shipments:read")
    def get_shipment(self, key, correlation_id, reference):
        shipment = self._shipment(key, reference)
        return 200, shipment.sudo()._portal_json()

    @api_route(
        "/shipments/<string:reference>/documents",
        ["GET"],
        "documents:read",
    )
    def shipment_documents(self, key, correlation_id, reference):
        shipment = self._shipment(key, reference).sudo()
        return 200, {"items": [_document_json(a) for a in shipment._portal_documents()]}

    @api_route("/documents/<int:document_id>", ["GET"], "documents:read")
    def get_document(self, key, correlation_id, document_id):
        attachment = request.env["ir.attachment"].sudo().browse(document_id).exists()
        if not attachment or not self._may_read_document(key, attachment):
            raise ApiError(
                404, "not_found", "No document %s for this customer." % document_id
            )
        return _document_response(attachment)

    @api_route("/invoices", ["GET"], "orders:read")
    def list_invoices(self, key, correlation_id, **_query):  # query read from request
        limit, offset = _page()
        domain = [
            ("partner_id", "child_of", _partner(key).id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
            *_date_filters("invoice_date"),
        ]
        Move = request.env["account.move"].sudo()
        invoices = Move.search(domain, limit=limit, offset=offset, order="id desc")
        return 200, {
            "items": [invoice._portal_json() for invoice in invoices],
            "total": Move.search_count(domain),
            "limit": limit,
            "offset": offset,
        }

    # ------------------------------------------------------------------
    # webhooks

    @api_route("/webhooks", ["POST"], "webhooks:manage")
    def subscribe(self, key, correlation_id):
        status, body = _logged("webhook.subscribe", _body(), key, correlation_id)
        webhook = request.env["logistics.customer.webhook"].sudo().browse(body["id"])
        # Shown once, here; stored encrypted, never in the message log.
        return status, dict(body, secret=webhook.endpoint_id._secret("hmac"))

    @api_route("/webhooks", ["GET"], "webhooks:manage")
    def list_webhooks(self, key, correlation_id):
        webhooks = (
            request.env["logistics.customer.webhook"]
            .sudo()
            .search([("partner_id", "=", _partner(key).id)])
        )
        return 200, {"items": [webhook._portal_json() for webhook in webhooks]}

    @api_route("/webhooks/<int:webhook_id>", ["DELETE"], "webhooks:manage")
    def unsubscribe(self, key, correlation_id, webhook_id):
        webhook = (
            request.env["logistics.customer.webhook"]
            .sudo()
            .search([("id", "=", webhook_id), ("partner_id", "=", _partner(key).id)])
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
        return [("name", "=", reference), ("partner_id", "child_of", _partner(key).id)]

    def _shipment(self, key, reference):
        Shipment = request.env["logistics.shipment"]
        return _one(
            "logistics.shipment",
            [("name", "=", reference), *Shipment._portal_domain(_partner(key))],
            "shipment",
        )

    def _may_read_document(self, key, attachment):
        partner = _partner(key)
        env = request.env
        if attachment.res_model == "logistics.shipment":
            records = env["logistics.shipment"].search(
                [
                    ("id", "=", attachment.res_id),
                    *env["logistics.shipment"]._portal_domain(partner),
                ]
            )
        elif attachment.res_model == "stock.picking":
            records = env["logistics.shipment"].search(
                [
                    ("picking_ids", "in", attachment.res_id),
                    *env["logistics.shipment"]._portal_domain(partner),
                ]
            )
        elif attachment.res_model == "sale.order":
            records = env["sale.order"].search(
                [("id", "=", attachment.res_id), ("partner_id", "child_of", partner.id)]
            )
        else:
            return False
        return bool(records)


def _document_json(attachment):
    return {
        "id": attachment.id,
        "name": attachment.name,
        "mimetype": attachment.mimetype,
        "size": attachment.file_size,
        "url": "%s/documents/%s" % (API, attachment.id),
    }


def _oauth_error(status, code):
    return request.make_json_response(
        {"error": code}, status=status, headers=[("Cache-Control", "no-store")]
    )


def _document_response(attachment):
    return request.make_response(
        attachment.raw,
        headers=[
            ("Content-Type", attachment.mimetype or "application/octet-stream"),
            ("Content-Disposition", 'attachment; filename="%s"' % attachment.name),
        ],
    )
