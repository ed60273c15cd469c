from odoo import api, fields, models

from .logistics_freight_charge import CHARGE_FLOW

FREIGHT_EVENT_TYPE = "freight.charges"
INVOICE_REF_FLOW = "freight.invoice_ref"
KINDS = {"in_invoice": "vendor_bill", "out_invoice": "customer_invoice"}


class LogisticsShipment(models.Model):
    _inherit = "logistics.shipment"

    freight_charge_ids = fields.One2many(
        "logistics.freight.charge", "shipment_id", string="Freight charges"
    )
    freight_charge_count = fields.Integer(compute="_compute_freight_charge_count")

    def _compute_freight_charge_count(self):
        counts = dict(
            self.env["logistics.freight.charge"]._read_group(
                [("shipment_id", "in", self.ids)], ["shipment_id"], ["__count"]
            )
        )
        for shipment in self:
            shipment.freight_charge_count = counts.get(shipment, 0)

    # ------------------------------------------------------------------
    # actions

    def action_view_freight_charges(self):
        self._logistics_check_access("read", read_models=["logistics.freight.charge"])
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_freight_settlement.logistics_freight_charge_action"
        )
        action["domain"] = [("shipment_id", "=", self.id)]
        action["context"] = {"default_shipment_id": self.id}
        return action

    # ------------------------------------------------------------------
    # TMS -> Odoo

    @api.model
    def _tms_event_flow(self, event):
        """Freight charges go to the settlement's own flow (and schema)."""
        if isinstance(event, dict) and event.get("event_type") == FREIGHT_EVENT_TYPE:
            return CHARGE_FLOW
        return super()._tms_event_flow(event)

    # ------------------------------------------------------------------
    # Odoo -> TMS and portal: invoice references

    def _freight_send_invoice_refs(self):
        """Queue the posted invoice references of each shipment to its TMS."""
        Message = self.env["logistics.message"]
        for shipment in self.filtered(
            lambda s: s.tms_reference and s.endpoint_id.protocol == "rest"
        ):
            document = shipment._freight_invoice_refs_document()
            if not document["invoices"]:
                continue
            Message._send(
                INVOICE_REF_FLOW,
                document,
                endpoint_id=shipment.endpoint_id.id,
                correlation_id=shipment.correlation_id,
                res_model=shipment._name,
                res_id=shipment.id,
                aggregate_key=False,
            )

    def _freight_posted_moves(self):
        """The posted bills and invoices of the shipment's freight, and the
        customer invoices its delivery made (invoice on delivery)."""
        self.ensure_one()
        moves = self.freight_charge_ids.move_line_ids.move_id | self.invoice_ids
        return moves.filtered(
            lambda move: move.state == "posted" and move.move_type in KINDS
        )

    def _freight_invoice_refs_document(self):
        """The shipment's posted vendor bills and customer invoices (schema
        freight.invoice_ref v1)."""
        self.ensure_one()
        invoices = []
        for move in self._freight_posted_moves().sorted("id"):
            lines = move.invoice_line_ids.filtered(
                lambda line: line.freight_charge_id.shipment_id == self
            )
            if not lines and move.logistics_shipment_id == self:
                lines = move.invoice_line_ids  # the goods its delivery invoiced
            invoices.append(
                {
                    "kind": KINDS[move.move_type],
                    "number": move.name,
                    "carrier_invoice": move.ref or None
                    if move.move_type == "in_invoice"
                    else None,
                    "date": fields.Date.to_string(move.invoice_date or move.date),
                    "currency": move.currency_id.name,
                    "amount": move.currency_id.round(
                        sum(lines.mapped("price_subtotal"))
                    ),
                    "charges": sorted(
                        set(lines.freight_charge_id.mapped("charge_type_id.code"))
                    ),
                }
            )
        return {
            "shipment_id": self.tms_reference,
            "external_reference": self.name,
            "invoices": invoices,
        }

    @api.model
    def _tms_send_freight_invoices(self, message):
        """Flow `freight.invoice_ref`: tell the TMS which invoices carry the freight."""
        document = message.payload
        message.endpoint_id._request(
            "POST",
            "shipments/%s/settlement" % document["shipment_id"],
            message.correlation_id,
            json={"invoices": document["invoices"]},
        )
        return {"sent": [invoice["number"] for invoice in document["invoices"]]}
