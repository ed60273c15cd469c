"""POST /api/logistics/v1/claims: the customer reports damage, shortage or loss.

The report goes through the message log (flow `claim.report`, schema
`schemas/claim.report.v1.json`) to the shipment's `_logistics_report_claim`
(logistics_tms_connector): the claims addon (logistics_freight_settlement)
opens a claim against the carrier there; without it the report is a note on
the shipment. This addon does not depend on the claims addon, nor it on this.
"""

from odoo import http
from odoo.http import request

from ..lib import openapi
from .api import _body, _logged, _partner, api_route
from .errors import ApiError

IDEMPOTENCY_KEY = dict(
    openapi.OPTIONAL_IDEMPOTENCY_KEY,
    description="A repeated report with the same key answers what the first did.",
)


class LogisticsClaimApi(http.Controller):
    @api_route(
        "/claims",
        ["POST"],
        "orders:write",
        "Report damage, shortage or loss of a shipment: a claim against the carrier",
        "ClaimReportAnswer",
        code="201",
        body="ClaimReport",
        errors=("409",),
        headers=[IDEMPOTENCY_KEY],
    )
    def report_claim(self, key, correlation_id):
        body = _body()
        reference = body.get("shipment") if isinstance(body, dict) else None
        shipment = request.env["logistics.shipment"]
        if isinstance(reference, str) and reference:
            shipment = shipment.search(
                [("name", "=", reference), *shipment._portal_domain(_partner(key))],
                limit=1,
            )
            if not shipment:
                raise ApiError(
                    422,
                    "unknown_shipment",
                    "No shipment %s for this customer." % reference,
                    [{"pointer": "/shipment", "reason": "unknown shipment"}],
                )
        idempotency_key = request.httprequest.headers.get("Idempotency-Key")
        # An empty key is no key (not one key shared by every customer).
        scoped = (
            "%s:%s" % (_partner(key).id, idempotency_key) if idempotency_key else None
        )
        # A body the schema refuses is answered 422 by the message log.
        return _logged(
            "claim.report",
            body,
            key,
            correlation_id,
            idempotency_key=scoped,
            record=shipment or None,
        )
