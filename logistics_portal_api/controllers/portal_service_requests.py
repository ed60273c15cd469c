"""Portal pages of service requests: the list (with answers) and the form on a
shipment page. A request from the form goes through the message log (flow
`service_request.create`), exactly like one from the API."""

import re
import secrets

from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.logistics_integration_base.lib import correlation, outcome, receipt
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..lib import service_requests as sr

REQUESTS_PER_PAGE = 20
# The form's token (Idempotency-Key): a double submission creates one request.
FORM_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class ServiceRequestPortal(CustomerPortal):
    def _prepare_portal_layout_values(self):
        values = super()._prepare_portal_layout_values()
        # One token per rendering of the request form (its Idempotency-Key).
        values["service_request_form_token"] = secrets.token_urlsafe(24)
        return values

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "service_request_count" in counters:
            Request = request.env["logistics.service.request"]
            values["service_request_count"] = (
                Request.search_count(self._service_request_domain())
                if Request.has_access("read")
                else 0
            )
        return values

    def _service_request_domain(self):
        partner = request.env.user.partner_id
        return request.env["logistics.service.request"]._portal_domain(partner)

    @http.route(
        ["/my/service-requests", "/my/service-requests/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_service_requests(self, page=1, created=None, **_kwargs):
        Request = request.env["logistics.service.request"]
        domain = self._service_request_domain()
        pager = portal_pager(
            url="/my/service-requests",
            total=Request.search_count(domain),
            page=page,
            step=REQUESTS_PER_PAGE,
        )
        requests = Request.search(
            domain, order="id desc", limit=REQUESTS_PER_PAGE, offset=pager["offset"]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            service_requests=requests,
            created=created if created in requests.mapped("name") else None,
            pager=pager,
            page_name="service_request",
            default_url="/my/service-requests",
        )
        return request.render("logistics_portal_api.portal_my_service_requests", values)

    @http.route(
        "/my/shipments/<int:shipment_id>/service-requests",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_shipment_service_request(self, shipment_id, **form):
        """Create a request about the shipment from its page's form."""
        try:
            shipment = self._document_check_access("logistics.shipment", shipment_id)
        except (AccessError, MissingError):
            return request.redirect("/my")
        back = "/my/shipments/%s" % shipment.id
        payload = {
            "type": form.get("type") or "",
            "shipment": shipment.name,
            "description": (form.get("description") or "").strip(),
        }
        if payload["type"] not in sr.TYPE_CODES or not payload["description"]:
            return request.redirect(
                back + "?" + url_encode({"service_request_error": "incomplete"})
            )
        partner = request.env.user.partner_id
        token = form.get("token") or ""
        message, received, _reason = (
            request.env["logistics.message"]
            .sudo()
            ._receive(
                "service_request.create",
                payload,
                # The form's token: a double submission is answered once.
                idempotency_key="%s:portal:%s"
                % (partner.commercial_partner_id.id, token)
                if FORM_TOKEN.match(token)
                else None,
                correlation_id=correlation.new_id(),
                partner_id=partner.id,
                res_model=shipment._name,
                res_id=shipment.id,
            )
        )
        result = (
            outcome.Outcome.from_json(message.result)
            if received in (receipt.ACCEPTED, receipt.DUPLICATE) and message.result
            else None
        )
        if not result or result.failed:
            return request.redirect(
                back + "?" + url_encode({"service_request_error": "refused"})
            )
        return request.redirect(
            "/my/service-requests?" + url_encode({"created": result.body["reference"]})
        )
