"""Service requests in the customer API: ask about a shipment or an order,
follow the answer. Creating needs `orders:write`, reading `orders:read`
(the scopes of the customer's orders and what comes with them)."""

from odoo import http
from odoo.http import request

from ..lib import openapi
from ..lib import service_requests as sr
from .api import (
    ApiError,
    _body,
    _logged,
    _one,
    _page,
    _partner,
    _query,
    _refuse_problems,
    api_route,
)


class LogisticsServiceRequestApi(http.Controller):
    @api_route(
        "/service-requests",
        ["POST"],
        "orders:write",
        "Ask for a service about a shipment or an order (Idempotency-Key "
        "required): a new delivery appointment, special handling, an extra "
        "pickup, an address correction or a proof-of-delivery copy",
        "ServiceRequest",
        code="201",
        body="ServiceRequestCreation",
        errors=("404", "409"),
        headers=[openapi.SERVICE_REQUEST_IDEMPOTENCY_KEY],
        links={
            "GetServiceRequest": (
                "get_service-requests_reference",
                "reference",
                "$response.body#/reference",
            )
        },
    )
    def create_service_request(self, key, correlation_id):
        idempotency_key = request.httprequest.headers.get("Idempotency-Key")
        if not idempotency_key or len(idempotency_key) > 128:
            raise ApiError(
                400,
                "missing_idempotency_key",
                "POST /service-requests needs an Idempotency-Key header (at most "
                "128 characters).",
            )
        body = _body()
        _refuse_problems(sr.subject_problems(body))
        subject = self._subject(key, body)
        return _logged(
            "service_request.create",
            body,
            key,
            correlation_id,
            idempotency_key="%s:%s" % (_partner(key).id, idempotency_key),
            record=subject,
        )

    @api_route(
        "/service-requests",
        ["GET"],
        "orders:read",
        "List the customer's service requests and their answers, newest first",
        "ServiceRequest[]",
        query=openapi.SERVICE_REQUEST_QUERY,
    )
    def list_service_requests(self, key, correlation_id, **_query_args):
        limit, offset = _page()
        status = _query().get("status")
        Request = request.env["logistics.service.request"]
        domain = Request._portal_domain(_partner(key))
        if status:
            domain.append(("status", "=", status))
        requests = Request.search(domain, limit=limit, offset=offset, order="id desc")
        return 200, {
            "items": [r._portal_json() for r in requests.sudo()],
            "total": Request.search_count(domain),
            "limit": limit,
            "offset": offset,
        }

    @api_route(
        "/service-requests/<string:reference>",
        ["GET"],
        "orders:read",
        "One service request, with its answer",
        "ServiceRequest",
    )
    def get_service_request(self, key, correlation_id, reference):
        Request = request.env["logistics.service.request"]
        service_request = _one(
            Request._name,
            [("name", "=", reference), *Request._portal_domain(_partner(key))],
            "service request",
        )
        return 200, service_request.sudo()._portal_json()

    def _subject(self, key, body):
        """The customer's shipment or order named by the body: 404 if another's.

        A reference that is not a string is left to the schema (422).
        """
        partner = _partner(key)
        for field, model, what in (
            ("shipment", "logistics.shipment", "shipment"),
            ("order", "sale.order", "order"),
        ):
            reference = body.get(field)
            if isinstance(reference, str) and reference:
                Model = request.env[model]
                found = Model.search(
                    [("name", "=", reference), *Model._portal_domain(partner)],
                    limit=1,
                )
                if not found:
                    raise ApiError(
                        404,
                        "not_found",
                        "No %s %s for this customer." % (what, reference[:64]),
                        [{"pointer": "/" + field, "reason": "not found"}],
                    )
                return found
        return None
