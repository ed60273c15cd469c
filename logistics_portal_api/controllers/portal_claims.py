"""/my/shipments/<id>/claim: the customer reports damage, shortage or loss
from the shipment's portal page, through the same flow as the API
(`claim.report`, see api_claims.py)."""

import base64

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.logistics_integration_base.lib import correlation, outcome, receipt
from odoo.addons.portal.controllers.portal import CustomerPortal

from ..models.logistics_shipment_claim import CLAIM_KINDS

# The largest evidence file the form takes (the schema's base64 limit).
MAX_EVIDENCE_BYTES = 128 * 1024


class ShipmentClaimPortal(CustomerPortal):
    @http.route(
        "/my/shipments/<int:shipment_id>/claim",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_shipment_claim(self, shipment_id, kind=None, description=None, **form):
        try:
            shipment = self._document_check_access("logistics.shipment", shipment_id)
        except (AccessError, MissingError):
            return request.redirect("/my")
        page = "/my/shipments/%s" % shipment.id
        payload = {
            "shipment": shipment.name,
            "kind": kind if kind in CLAIM_KINDS else None,
            "description": (description or "").strip(),
        }
        evidence = form.get("evidence")
        if evidence is not None and getattr(evidence, "filename", None):
            content = evidence.read(MAX_EVIDENCE_BYTES + 1)
            if len(content) > MAX_EVIDENCE_BYTES:
                return request.redirect(page + "?claim=refused")
            payload["documents"] = [
                {
                    "filename": evidence.filename,
                    "content_base64": base64.b64encode(content).decode(),
                }
            ]
        message, received, _reason = (
            request.env["logistics.message"]
            .sudo()
            ._receive(
                "claim.report",
                payload,
                correlation_id=correlation.accept(None),
                partner_id=request.env.user.partner_id.commercial_partner_id.id,
                res_model=shipment._name,
                res_id=shipment.id,
            )
        )
        if received != receipt.ACCEPTED or message.state != "done":
            return request.redirect(page + "?claim=refused")
        result = outcome.Outcome.from_json(message.result)
        return request.redirect(
            page + ("?claim=refused" if result.failed else "?claim=reported")
        )
