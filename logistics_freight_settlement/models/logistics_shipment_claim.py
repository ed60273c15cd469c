"""Claims of a shipment: opened from TMS events (a damage, shortage or loss
reason code, remarks on the proof of delivery, delivered quantities below the
shipped ones) and by the customer; counted on the shipment."""

from odoo import Command, _, api, fields, models

from odoo.addons.logistics_tms_connector.lib import milestones, stock_validation

from ..lib import claims


# One model, one file per seam (see logistics_shipment.py of the connector).
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    _inherit = "logistics.shipment"

    claim_ids = fields.One2many("logistics.claim", "shipment_id", string="Claims")
    claim_count = fields.Integer(compute="_compute_claim_count")

    def _compute_claim_count(self):
        counts = dict(
            self.env["logistics.claim"]._read_group(
                [("shipment_id", "in", self.ids)], ["shipment_id"], ["__count"]
            )
        )
        for shipment in self:
            shipment.claim_count = counts.get(shipment, 0)

    def action_view_claims(self):
        self._logistics_check_access("read", read_models=["logistics.claim"])
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_freight_settlement.logistics_claim_action"
        )
        action["domain"] = [("shipment_id", "=", self.id)]
        action["context"] = {"default_shipment_id": self.id}
        return action

    # ------------------------------------------------------------------
    # TMS -> claims

    def _tms_apply_event(self, message):
        """An event that reports damage, shortage or loss opens a claim."""
        return self._claims_around(message, super()._tms_apply_event)

    def _tms_record_history(self, message):
        """A late event still reports what happened to the goods."""
        return self._claims_around(message, super()._tms_record_history)

    def _tms_chunk_may_fold(self, message, data, code):
        """An event that may report damage, shortage or loss is applied on its
        own (`_claims_around`)."""
        return super()._tms_chunk_may_fold(
            message, data, code
        ) and not self._claim_may_report(data)

    def _claims_around(self, message, apply):
        """`apply(message)`, with the claims its event opens in the result
        (the quantities shipped are read before the event changes them)."""
        data = message.payload["data"]
        if not self._claim_may_report(data):
            return apply(message)
        shipment = self._tms_find(message, data)
        shipped = shipment._claim_shipped_quantities()
        result = apply(message)
        opened = shipment._claims_from_tms_event(message, shipped)
        if opened:
            result["claims"] = opened.mapped("name")
        return result

    @api.model
    def _claim_may_report(self, data):
        """Whether an event's data may report damage, shortage or loss (most
        events do not: they cost nothing more)."""
        return bool(claims.event_kind(data)) or data.get("items") is not None

    def _claim_shipped_quantities(self):
        """``{line id: quantity}`` that left with the carrier (before the event):
        what the TMS reported picked up, else the whole line."""
        self.ensure_one()
        return {
            line.id: line.picked_quantity if self.tms_picked_reported else line.quantity
            for line in self.line_ids
        }

    def _claims_from_tms_event(self, message, shipped):
        """Open the claims an event reports, once per shipment and kind.

        :param shipped: the quantities that left, read before the event
        :returns: the claims opened
        """
        self.ensure_one()
        data = message.payload["data"]
        code = self._tms_canonical_code(message.endpoint_id, data["status_code"])
        opened = self.env["logistics.claim"]
        kind = claims.event_kind(data)
        if kind:
            quantities = self._claim_event_quantities(kind, data, shipped)
            opened |= self._open_tms_claim(kind, quantities, message)
        if code == milestones.DELIVERED and data.get("items") is not None:
            lines = [
                (line.id, line._canonical_item()["product_code"], line.quantity)
                for line in self.line_ids
            ]
            delivered, _problems = stock_validation.picked_quantities(
                lines, data["items"]
            )
            short = claims.shortages(shipped, delivered)
            if short and kind != claims.SHORTAGE:
                opened |= self._open_tms_claim(claims.SHORTAGE, short, message)
        return opened

    def _claim_event_quantities(self, kind, data, shipped):
        """The quantities a reported damage, shortage or loss is about: what
        the items say is missing (shortage), else all that was shipped."""
        if kind == claims.SHORTAGE and data.get("items") is not None:
            lines = [
                (line.id, line._canonical_item()["product_code"], line.quantity)
                for line in self.line_ids
            ]
            delivered, _problems = stock_validation.picked_quantities(
                lines, data["items"]
            )
            return claims.shortages(shipped, delivered) or shipped
        return {line_id: qty for line_id, qty in shipped.items() if qty > 0}

    def _open_tms_claim(self, kind, quantities, message):
        """A claim of ``kind`` for the quantities, unless the shipment has one."""
        self.ensure_one()
        if self._live_claim(kind):
            return self.env["logistics.claim"]
        data = message.payload["data"]
        pod = data.get("pod") if isinstance(data.get("pod"), dict) else {}
        description = "\n".join(
            filter(
                None,
                (
                    " ".join(
                        filter(None, (data.get("reason_code"), data.get("reason")))
                    ),
                    pod.get("remarks"),
                ),
            )
        ) or _("Delivered short of what was shipped.")
        claim = self._open_claim(
            kind,
            quantities,
            source="tms",
            description=description,
            incident_date=(message.event_time or fields.Datetime.now()).date(),
            message=message,
        )
        return claim

    def _live_claim(self, kind):
        self.ensure_one()
        return self.env["logistics.claim"].search(
            [
                ("shipment_id", "=", self.id),
                ("kind", "=", kind),
                ("state", "in", list(claims.LIVE_STATES)),
            ],
            limit=1,
        )

    def _open_claim(
        self, kind, quantities, *, source, description, incident_date, message=None
    ):
        """Open a claim (as the integration) with one line per shipment item in
        ``quantities`` (``{line id: quantity}``); the proof of delivery is its
        first evidence; the freight dispute user gets an activity."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: quantities.get(line.id))
        claim = (
            self.env["logistics.claim"]
            .sudo()
            .create(
                {
                    "shipment_id": self.id,
                    "kind": kind,
                    "source": source,
                    "description": description,
                    "incident_date": incident_date,
                    "source_message_id": message.id if message else False,
                    "line_ids": [
                        Command.create(
                            {
                                "shipment_line_id": line.id,
                                "description": line.description
                                or line.product_id.display_name,
                                "quantity": quantities[line.id],
                            }
                        )
                        for line in lines
                    ],
                }
            )
        )
        if self.pod_attachment_id:
            self.pod_attachment_id.sudo().copy(
                {"res_model": claim._name, "res_id": claim.id}
            )
        claim._schedule_activity()
        self.message_post(
            body=_(
                "Claim %(claim)s opened against %(carrier)s: %(kind)s, %(amount)s.",
                claim=claim.name,
                carrier=claim.carrier_id.name or _("the carrier"),
                kind=dict(claims.KINDS)[kind],
                amount=claim._format(claim.amount_claimed),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return claim

    # ------------------------------------------------------------------
    # customer -> claims (the report comes in through the customer API)

    def _logistics_report_claim(
        self, kind, quantities, description, attachments=(), message=None
    ):
        """The customer's report opens a claim against the carrier, or joins
        the shipment's live claim of that kind (its documents added)."""
        self.ensure_one()
        claim = self._live_claim(kind)
        created = not claim
        if created:
            claim = self._open_claim(
                kind,
                quantities,
                source="customer",
                description=description,
                incident_date=fields.Date.context_today(self),
                message=message,
            )
        else:
            claim.sudo().message_post(
                body=_("The customer reports again: %s", description)
            )
        for name, mimetype, raw in attachments:
            self.env["ir.attachment"].sudo().create(
                {
                    "name": name,
                    "raw": raw,
                    "mimetype": mimetype,
                    "res_model": claim._name,
                    "res_id": claim.id,
                }
            )
        return {"claim": claim.sudo()._api_json(), "created": created}
