"""The return form on the customer's order page (/my/orders/<id>): the same
request as POST /api/logistics/v1/returns, through the message log."""

import logging
from datetime import datetime
from urllib.parse import urlencode

import pytz

from odoo import _, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.logistics_integration_base.lib import correlation, outcome, receipt
from odoo.addons.portal.controllers.portal import CustomerPortal

from ..models.logistics_return import PORTAL_ORIGIN, PORTAL_ORIGIN_KEY

_logger = logging.getLogger(__name__)
LOCAL_MOMENT = "%Y-%m-%dT%H:%M"
MAX_REASON = 1000
MAX_TOKEN = 64


class ReturnPortal(CustomerPortal):
    @http.route(
        "/my/orders/<int:order_id>/return",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_order_return(self, order_id, access_token=None, **post):
        try:
            order = self._document_check_access("sale.order", order_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        partner = request.env.user.partner_id.commercial_partner_id
        if order.partner_id.commercial_partner_id != partner:
            return request.redirect("/my")  # a shared link: not the customer
        body, problem = self._return_form_body(order, post)
        if not problem:
            problem, reference = self._return_request(order, partner, body, post)
        if problem:
            return request.redirect(
                order.get_portal_url(
                    query_string="&%s" % urlencode({"return_error": problem[:300]}),
                    anchor="logistics_returns",
                )
            )
        return request.redirect(
            order.get_portal_url(
                query_string="&%s" % urlencode({"return_requested": reference}),
                anchor="logistics_returns",
            )
        )

    def _return_form_body(self, order, post):
        """(the request's JSON body, None) or (None, the problem to show)."""
        lines = []
        for line, _room in order.sudo()._portal_returnable_lines():
            text = (post.get("qty_%s" % line.id) or "").strip()
            if not text:
                continue
            try:
                quantity = float(text)
            except ValueError:
                return None, _("%s is not a quantity.", text[:20])
            if quantity > 0:
                lines.append(
                    {"product_code": line.product_id.default_code, "quantity": quantity}
                )
        if not lines:
            return None, _("Give the quantity of at least one line to return.")
        reason = (post.get("reason") or "").strip()[:MAX_REASON]
        if not reason:
            return None, _("Say why the goods come back.")
        body = {"order_reference": order.name, "lines": lines, "reason": reason}
        start, end = post.get("pickup_start"), post.get("pickup_end")
        if start or end:
            timezone = pytz.timezone(request.env.user.tz or "UTC")
            try:
                window = {
                    bound: timezone.localize(datetime.strptime(text, LOCAL_MOMENT))
                    .astimezone(pytz.utc)
                    .strftime("%Y-%m-%dT%H:%M:%SZ")
                    for bound, text in (("start", start), ("end", end))
                }
            except (TypeError, ValueError):
                return None, _("Give the pickup window as a start and an end.")
            body["pickup_window"] = window
        return body, None

    def _return_request(self, order, partner, body, post):
        """Log the request (flow return.request); (problem, reference)."""
        token = (post.get("form_token") or "")[:MAX_TOKEN]
        correlation_id = correlation.new_id()
        Message = request.env["logistics.message"].sudo()
        message, received, reason = Message.with_context(
            **{PORTAL_ORIGIN_KEY: PORTAL_ORIGIN}
        )._receive(
            "return.request",
            body,
            idempotency_key="%s:portal:%s" % (partner.id, token) if token else None,
            correlation_id=correlation_id,
            partner_id=partner.id,
        )
        if received in (receipt.CONFLICT, receipt.REJECTED):
            return reason or message.last_error, None
        if message.state != "done" or not message.result:
            _logger.error(
                "[%s] portal return request %s failed: %s",
                correlation_id,
                message.id,
                message.last_error,
            )
            return _("The request could not be processed; it was logged."), None
        result = outcome.Outcome.from_json(message.result)
        if result.failed:
            return result.message, None
        return None, result.body["reference"]
