import logging

from odoo import http
from odoo.http import request

from odoo.addons.logistics_integration_base.lib import (
    body_limits,
    correlation,
    errors,
    json_text,
    signature,
)

from ..lib import jsonata_mapping

_logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_EVENTS_PER_REQUEST = 1000


class TmsWebhookController(http.Controller):
    """Signed TMS events in; answered at once, applied later by jobs."""

    @http.route(
        "/logistics/tms/<string:endpoint_code>/events",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,  # auth="none" routes are read-only by default in Odoo 18
        # Unauthenticated: a form body over the limit is refused unparsed.
        max_content_length=MAX_BODY_BYTES,
    )
    def receive_events(self, endpoint_code, **_params):
        correlation_id = correlation.accept(
            request.httprequest.headers.get(correlation.HEADER)
        )
        refusal = _size_refusal(correlation_id)
        if refusal:
            return refusal
        endpoint = (
            request.env["logistics.endpoint"]
            .sudo()
            .search([("code", "=", endpoint_code), ("system", "=", "tms")], limit=1)
        )
        if not endpoint:
            return _error(
                404,
                "unknown_endpoint",
                "No TMS endpoint %s." % endpoint_code,
                correlation_id,
            )
        body = request.httprequest.get_data()  # no more than its Content-Length
        refusal = _signature_refusal(endpoint, body, correlation_id, "TMS webhook")
        if refusal:
            return refusal
        try:
            events = _events(_canonical(endpoint, json_text.loads(body)))
        except jsonata_mapping.MappingError as err:
            _logger.warning(
                "[%s] TMS webhook for %s: inbound mapping failed: %s",
                correlation_id,
                endpoint_code,
                err.message,
            )
            return _error(
                422,
                "mapping_failed",
                err.message,
                correlation_id,
                jsonata_code=err.code,
            )
        except (json_text.MalformedJson, ValueError) as err:
            return _error(400, "malformed_body", str(err), correlation_id)
        results = (
            request.env["logistics.shipment"]
            .sudo()
            ._tms_receive_events(endpoint, events, correlation_id)
        )
        return _json(
            202,
            {
                "correlation_id": correlation_id,
                "results": [
                    {
                        "event_id": message.external_id,
                        "status": outcome,
                        **({"reason": reason} if reason else {}),
                    }
                    for message, outcome, reason in results
                ],
            },
            correlation_id,
        )


def _canonical(endpoint, document):
    """The body through the endpoint's inbound mapping, as {"events": [...]};
    unchanged when it has none (the body is canonical already).

    :raises jsonata_mapping.MappingError: the mapping failed on this body
    """
    expression = (
        request.env["logistics.mapping"].sudo()._inbound_expression(endpoint.id)
    )
    if not expression:
        return document
    return {"events": jsonata_mapping.evaluate_list(expression, document)}


def _events(body):
    """One event, or {"events": [...]}; anything else is malformed."""
    if isinstance(body, dict) and isinstance(body.get("events"), list):
        events = body["events"]
    elif isinstance(body, dict) and "event_id" in body:
        events = [body]
    else:
        raise ValueError('Expected one event or {"events": [...]}.')
    if not events:
        raise ValueError("No event in the batch.")
    if len(events) > MAX_EVENTS_PER_REQUEST:
        raise ValueError("At most %s events per request." % MAX_EVENTS_PER_REQUEST)
    if not all(isinstance(event, dict) for event in events):
        raise ValueError("Every event must be a JSON object.")
    return events


def _signature_refusal(endpoint, body, correlation_id, what):
    """The 401 answer to a body not signed with the endpoint's HMAC secret
    (within its tolerance), or None when it is."""
    try:
        signature.verify(
            endpoint._secrets("hmac"),
            request.httprequest.headers.get(signature.TIMESTAMP_HEADER),
            request.httprequest.headers.get(signature.SIGNATURE_HEADER),
            body,
            tolerance=endpoint.tms_webhook_tolerance,
        )
    except errors.SignatureError as err:
        _logger.warning(
            "[%s] %s for %s refused: %s",
            correlation_id,
            what,
            endpoint.code,
            err.reason,
        )
        return _error(
            401, "invalid_signature", str(err), correlation_id, reason=err.reason
        )
    return None


def _size_refusal(correlation_id):
    """The answer to a body refused on its size before it is read, or None."""
    httprequest = request.httprequest
    refusal = body_limits.refusal(
        httprequest.content_length,
        httprequest.headers.get("Transfer-Encoding", ""),
        MAX_BODY_BYTES,
    )
    return _error(*refusal, correlation_id) if refusal else None


def _json(status, body, correlation_id):
    return request.make_json_response(
        body, status=status, headers=[(correlation.HEADER, correlation_id)]
    )


def _error(status, code, message, correlation_id, **details):
    return _json(
        status,
        {
            "error": {"code": code, "message": message, "details": details},
            "correlation_id": correlation_id,
        },
        correlation_id,
    )
