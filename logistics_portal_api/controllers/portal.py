from odoo import _, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from .downloads import attachment_download

SHIPMENTS_PER_PAGE = 20


class ShipmentPortal(CustomerPortal):
    """/my/shipments: the customer's shipments, their timeline and documents."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "shipment_count" in counters:
            Shipment = request.env["logistics.shipment"]
            values["shipment_count"] = (
                Shipment.search_count(self._shipment_domain())
                if Shipment.has_access("read")
                else 0
            )
        return values

    def _shipment_domain(self):
        partner = request.env.user.partner_id
        return request.env["logistics.shipment"]._portal_domain(partner)

    @http.route(
        ["/my/shipments", "/my/shipments/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_shipments(self, page=1, **_kwargs):
        Shipment = request.env["logistics.shipment"]
        domain = self._shipment_domain()
        pager = portal_pager(
            url="/my/shipments",
            total=Shipment.search_count(domain),
            page=page,
            step=SHIPMENTS_PER_PAGE,
        )
        shipments = Shipment.search(
            domain, order="id desc", limit=SHIPMENTS_PER_PAGE, offset=pager["offset"]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            shipments=shipments,
            pager=pager,
            page_name="shipment",
            default_url="/my/shipments",
        )
        return request.render("logistics_portal_api.portal_my_shipments", values)

    @http.route(
        "/my/shipments/<int:shipment_id>", type="http", auth="user", website=True
    )
    def portal_shipment_page(self, shipment_id, **_kwargs):
        try:
            shipment = self._document_check_access("logistics.shipment", shipment_id)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._prepare_portal_layout_values()
        values.update(
            shipment=shipment,
            documents=shipment.sudo()._portal_documents(),
            page_name="shipment",
        )
        return request.render("logistics_portal_api.portal_shipment_page", values)

    @http.route(
        "/my/shipments/<int:shipment_id>/documents/<int:document_id>",
        type="http",
        auth="user",
    )
    def portal_shipment_document(self, shipment_id, document_id, **_kwargs):
        try:
            shipment = self._document_check_access("logistics.shipment", shipment_id)
        except (AccessError, MissingError):
            return request.not_found()
        attachment = (
            shipment.sudo()._portal_documents().filtered(lambda a: a.id == document_id)
        )
        if not attachment:
            return request.not_found(_("No such document."))
        return attachment_download(attachment) or request.not_found(
            _("No such document.")
        )
