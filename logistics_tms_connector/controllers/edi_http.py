import logging

from odoo import http
from odoo.http import request

from odoo.addons.logistics_integration_base.lib import correlation

from ..lib import edi, edi_http
from ..models.logistics_endpoint_edi import HTTP_PROTOCOL
from .tms_webhook import (
    MAX_BODY_BYTES,
    _error,
    _json,
    _signature_refusal,
    _size_refusal,
)

_logger = logging.getLogger(__name__)


class EdiHttpController(http.Controller):
    """Interchanges of EDI carriers over HTTP POST, one per request: logged at
    once as a picked-up file's would be, applied later by jobs."""

    @http.route(
        "/logistics/edi/<string:endpoint_code>/inbound",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,  # auth="none" routes are read-only by default in Odoo 18
        # Unauthenticated: a form body over the limit is refused unparsed.
        max_content_length=MAX_BODY_BYTES,
    )
    def receive_interchange(self, endpoint_code, **_params):
        correlation_id = correlation.accept(
            request.httprequest.headers.get(correlation.HEADER)
        )
        refusal = _size_refusal(correlation_id)
        if refusal:
            return refusal
        endpoint = (
            request.env["logistics.endpoint"]
            .sudo()
            .search(
                [
                    ("code", "=", endpoint_code),
                    ("system", "=", "tms"),
                    ("edi_standard", "!=", False),
                    ("protocol", "=", HTTP_PROTOCOL),
                ],
                limit=1,
            )
        )
        if not endpoint:
            return _error(
                404,
                "unknown_endpoint",
                "No EDI over HTTP endpoint %s." % endpoint_code,
                correlation_id,
            )
        body = request.httprequest.get_data()  # no more than its Content-Length
        refusal = _signature_refusal(endpoint, body, correlation_id, "EDI interchange")
        if refusal:
            return refusal
        try:
            answers = (
                request.env["logistics.shipment"]
                .sudo()
                ._edi_receive(
                    endpoint,
                    edi_http.inbound_name(endpoint.edi_standard, correlation_id),
                    edi_http.interchange_text(body),
                    correlation_id,
                )
            )
        except edi.EdiError as err:
            _logger.warning(
                "[%s] EDI interchange for %s cannot be read: %s",
                correlation_id,
                endpoint_code,
                err,
            )
            return _error(
                400,
                "malformed_interchange",
                str(err),
                correlation_id,
                **({"segment": err.segment} if err.segment else {}),
            )
        return _json(
            202,
            {
                "correlation_id": correlation_id,
                "results": [
                    {
                        "id": message.external_id,
                        "flow": message.flow_code,
                        "status": outcome,
                        **({"reason": reason} if reason else {}),
                    }
                    for message, outcome, reason in answers
                ],
            },
            correlation_id,
        )
