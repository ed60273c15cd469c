"""The delivery appointment form of a shipment's portal page: a request goes
through the message log (flow `appointment.request`), exactly like one from
the API."""

import pytz
from werkzeug.urls import url_encode

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.logistics_integration_base.lib import correlation, outcome, receipt
from odoo.addons.portal.controllers.portal import CustomerPortal

# The browser's datetime-local field: local time of the shipment's windows.
LOCAL_FORMAT_LENGTH = len("2030-05-06T08:00")


class AppointmentPortal(CustomerPortal):
    @http.route(
        "/my/shipments/<int:shipment_id>/appointment",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_shipment_appointment(self, shipment_id, **form):
        """Ask for an appointment, or answer the TMS's proposal."""
        try:
            shipment = self._document_check_access("logistics.shipment", shipment_id)
        except (AccessError, MissingError):
            return request.redirect("/my")
        back = "/my/shipments/%s" % shipment.id
        decision = form.get("decision")
        if decision in ("accept", "decline"):
            payload = {"decision": decision}
        else:
            payload = {
                "window": {
                    "start": _utc_text(shipment, form.get("start")),
                    "end": _utc_text(shipment, form.get("end")),
                },
                **{
                    name: form[name].strip()
                    for name in ("dock", "contact", "reference")
                    if (form.get(name) or "").strip()
                },
            }
        partner = request.env.user.partner_id
        message, received, _reason = (
            request.env["logistics.message"]
            .sudo()
            ._receive(
                "appointment.request",
                payload,
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
            reason = result.message if result else message.last_error
            return request.redirect(
                back + "?" + url_encode({"appointment_error": (reason or "")[:300]})
            )
        return request.redirect(back + "?" + url_encode({"appointment": "sent"}))


def _utc_text(shipment, value):
    """RFC 3339 UTC text of a `datetime-local` value in the shipment's time
    zone; what is no such value is passed on (the schema refuses it)."""
    text = (value or "").strip()[:LOCAL_FORMAT_LENGTH]
    try:
        moment = fields.Datetime.to_datetime(text.replace("T", " ") + ":00")
    except ValueError:
        return text or "-"
    if not moment:
        return "-"
    zone = pytz.timezone(shipment.sudo().window_tz or "UTC")
    utc = zone.localize(moment).astimezone(pytz.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
