"""Flow `claim.report`: the customer's report of damage, shortage or loss,
checked against the shipment, then handed to `_logistics_report_claim`."""

import base64
import binascii

from odoo import _, api, models

from odoo.addons.logistics_integration_base.lib import outcome

from ..lib import documents

# The kinds of report (claim.report.v1.json).
CLAIM_KINDS = ("damage", "shortage", "loss")
# What the customer may send as evidence.
EVIDENCE_TYPES = (documents.PDF, documents.PNG, documents.JPEG)
EPSILON = 1e-6


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    _inherit = "logistics.shipment"

    @api.model
    def _portal_report_claim(self, message):
        """Handler of `claim.report`: the lines and documents checked (422
        with pointers, nothing changed), then the report taken in."""
        shipment = self.browse(message.res_id).exists()
        body = message.payload
        if not shipment or message.res_model != self._name:
            return outcome.refused(
                "unknown_shipment",
                _("No shipment %s for this customer.", body.get("shipment")),
                [outcome.problem("/shipment", "unknown shipment")],
            ).to_json()
        quantities, problems = shipment._portal_claim_quantities(body.get("lines"))
        attachments, document_problems = self._portal_claim_documents(
            body.get("documents") or []
        )
        problems += document_problems
        if problems:
            return outcome.refused(
                "invalid_claim",
                _("The claim report does not fit shipment %s.", shipment.name),
                problems,
            ).to_json()
        answer = shipment._logistics_report_claim(
            body["kind"], quantities, body["description"], attachments, message
        )
        return outcome.created(
            {
                "shipment": shipment.name,
                "kind": body["kind"],
                "claim": answer["claim"],
                "claim_opened": bool(answer["created"]),
            }
        ).to_json()

    def _portal_claim_quantities(self, lines):
        """``({line id: quantity}, problems)`` of the reported lines (none: all
        of the shipment's items, whole)."""
        self.ensure_one()
        if not lines:
            return {line.id: line.quantity for line in self.line_ids}, []
        quantities, problems = {}, []
        for index, item in enumerate(lines):
            code = item["product_code"]
            matching = self.line_ids.filtered(
                lambda line, c=code: line.product_id.default_code == c
            )
            if not matching:
                problems.append(
                    outcome.problem(
                        "/lines/%s/product_code" % index, "not in the shipment"
                    )
                )
                continue
            wanted = float(item["quantity"])
            held = sum(matching.mapped("quantity")) - sum(
                quantities.get(line.id, 0.0) for line in matching
            )
            if wanted > held + EPSILON:
                problems.append(
                    outcome.problem(
                        "/lines/%s/quantity" % index,
                        "more than the shipment holds (%g)" % held,
                    )
                )
                continue
            for line in matching:
                room = line.quantity - quantities.get(line.id, 0.0)
                taken = min(room, wanted)
                if taken > EPSILON:
                    quantities[line.id] = quantities.get(line.id, 0.0) + taken
                    wanted -= taken
        return quantities, problems

    @api.model
    def _portal_claim_documents(self, items):
        """``([(filename, mimetype, raw)], problems)``: PDF, PNG or JPEG only,
        the type read from the content."""
        attachments, problems = [], []
        for index, item in enumerate(items):
            pointer = "/documents/%s/content_base64" % index
            try:
                raw = base64.b64decode(item["content_base64"], validate=True)
            except (binascii.Error, ValueError):
                problems.append(outcome.problem(pointer, "not base64"))
                continue
            mimetype, why = documents.check_type(raw, None)
            if mimetype not in EVIDENCE_TYPES:
                problems.append(
                    outcome.problem(
                        pointer,
                        why or "%s is not accepted: PDF, PNG or JPEG" % mimetype,
                    )
                )
                continue
            attachments.append(
                (documents.safe_filename(item["filename"]), mimetype, raw)
            )
        return attachments, problems
