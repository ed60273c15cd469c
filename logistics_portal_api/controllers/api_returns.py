"""Customer returns (RMA) in the customer API: ask, list, follow.

Scopes: returns are part of the customer's orders, so asking for one needs
``orders:write`` and reading them ``orders:read`` (and the webhook events
``return.*`` need ``orders:read``). A customer only sees its own returns.
"""

from odoo import http
from odoo.http import request

from ..lib import json_input, openapi
from .api import (
    _body,
    _date_filters,
    _logged,
    _one,
    _page,
    _partner,
    _refuse_problems,
    api_route,
)
from .errors import ApiError

MAX_IDEMPOTENCY_KEY = 128


class LogisticsReturnsApi(http.Controller):
    @api_route(
        "/returns",
        ["POST"],
        "orders:write",
        "Ask to return goods of a delivered order (Idempotency-Key required): "
        "approved at once under the company's thresholds, else by a manager",
        "Return",
        code="201",
        body="ReturnRequest",
        errors=("409",),
        headers=[openapi.IDEMPOTENCY_KEY],
        links={
            "GetReturn": (
                "get_returns_reference",
                "reference",
                "$response.body#/reference",
            )
        },
    )
    def request_return(self, key, correlation_id):
        idempotency_key = request.httprequest.headers.get("Idempotency-Key")
        if not idempotency_key or len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
            raise ApiError(
                400,
                "missing_idempotency_key",
                "POST /returns needs an Idempotency-Key header (at most %s "
                "characters)." % MAX_IDEMPOTENCY_KEY,
            )
        body = _body()
        _refuse_problems(json_input.window_problems(body, "pickup_window"))
        scoped_key = "%s:%s" % (_partner(key).id, idempotency_key)
        return _logged(
            "return.request", body, key, correlation_id, idempotency_key=scoped_key
        )

    @api_route(
        "/returns",
        ["GET"],
        "orders:read",
        "List the customer's returns, newest first",
        "Return[]",
        query=openapi.RETURN_QUERY,
    )
    def list_returns(self, key, correlation_id, **_query):  # query read from request
        limit, offset = _page()
        Return = request.env["logistics.return"]
        domain = Return._portal_domain(_partner(key)) + _date_filters("create_date")
        status = request.httprequest.args.get("status")
        if status:
            domain.append(("state", "=", status))
        records = Return.search(domain, limit=limit, offset=offset, order="id desc")
        return 200, {
            "items": [record._portal_json() for record in records.sudo()],
            "total": Return.search_count(domain),
            "limit": limit,
            "offset": offset,
        }

    @api_route(
        "/returns/<string:reference>",
        ["GET"],
        "orders:read",
        "One return: status, lines, reverse shipment",
        "Return",
    )
    def get_return(self, key, correlation_id, reference):
        Return = request.env["logistics.return"]
        record = _one(
            "logistics.return",
            [("name", "=", reference), *Return._portal_domain(_partner(key))],
            "return",
        )
        return 200, record.sudo()._portal_json()
