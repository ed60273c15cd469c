"""Delivery appointments in the customer API: ask for one on a shipment, or
accept or decline the slot the TMS proposed. Needs `orders:write` (the
customer's orders and what comes with them); the appointment is read with
the shipment (`GET /shipments/{reference}`, `appointment`), its changes are
pushed as `appointment.*` webhook events (`shipments:read`).

The request goes through the message log (flow `appointment.request`, schema
`schemas/appointment.request.v1.json`) to the shipment's
`_portal_request_appointment`; a shipment of another customer is a 404.
"""

from odoo import http
from odoo.http import request

from ..lib import json_input, openapi
from .api import _body, _logged, _one, _partner, _refuse_problems, api_route

IDEMPOTENCY_KEY = dict(
    openapi.OPTIONAL_IDEMPOTENCY_KEY,
    description="A repeated request with the same key answers what the first did.",
)


class LogisticsAppointmentApi(http.Controller):
    @api_route(
        "/shipments/<string:reference>/appointment",
        ["POST"],
        "orders:write",
        "Ask for a delivery appointment (window, dock or contact, booking "
        "reference), or accept or decline the slot the TMS proposed; sent to "
        "the TMS until the carrier picks the shipment up (409 after, with the "
        "reason)",
        "Shipment",
        body="AppointmentRequest",
        errors=("404", "409"),
        headers=[IDEMPOTENCY_KEY],
    )
    def request_appointment(self, key, correlation_id, reference):
        Shipment = request.env["logistics.shipment"]
        shipment = _one(
            Shipment._name,
            [("name", "=", reference), *Shipment._portal_domain(_partner(key))],
            "shipment",
        )
        body = _body()
        _refuse_problems(json_input.window_problems(body, "window"))
        idempotency_key = request.httprequest.headers.get("Idempotency-Key")
        # An empty key is no key (not one key shared by every customer).
        scoped = (
            "%s:%s" % (_partner(key).id, idempotency_key) if idempotency_key else None
        )
        return _logged(
            "appointment.request",
            body,
            key,
            correlation_id,
            idempotency_key=scoped,
            record=shipment,
        )
