from odoo import api, fields, models
from odoo.osv import expression

from odoo.addons.logistics_integration_base.lib import trust, url_guard
from odoo.addons.logistics_tms_connector.lib import milestones

from .ir_attachment import CUSTOMER_INVOICE_TYPES

# Put by the fold of TMS events on the write of a shipment whose customer has
# no webhook (`_tms_chunk_foldable`): no subscription to look for.
NO_SUBSCRIBER_KEY = "logistics_portal_no_subscriber"
NO_SUBSCRIBER = trust.ServerFlag(NO_SUBSCRIBER_KEY)


class LogisticsShipment(models.Model):
    _inherit = "logistics.shipment"

    def write(self, vals):
        notify = "status" in vals and not trust.flag_set(
            self.env.context, NO_SUBSCRIBER_KEY, NO_SUBSCRIBER
        )
        before = {shipment.id: shipment.status for shipment in self} if notify else {}
        result = super().write(vals)
        for shipment in self.filtered(
            lambda s: s.id in before and before[s.id] != s.status
        ):
            shipment._portal_notify_status(before[shipment.id])
        return result

    def _tms_chunk_foldable(self):
        """A customer with webhooks is told of each status change with the
        shipment as it is then: its shipments' events are applied one by one
        (folded, the intermediate statuses would not be notified)."""
        shipments = super()._tms_chunk_foldable()
        customers = shipments.partner_id.commercial_partner_id
        if not customers:
            return shipments
        subscribed = (
            self.env["logistics.customer.webhook"]
            .sudo()
            .search([("partner_id", "in", customers.ids)])
            .partner_id
        )
        return shipments.filtered(
            lambda s: s.partner_id.commercial_partner_id not in subscribed
        )

    def _tms_folded_writer(self):
        """Folded shipments have no subscriber (`_tms_chunk_foldable`)."""
        return (
            super()
            ._tms_folded_writer()
            .with_context(**{NO_SUBSCRIBER_KEY: NO_SUBSCRIBER})
        )

    def _portal_notify_status(self, previous):
        if (
            self.status not in milestones.CUSTOMER_NOTIFIED_STATUSES
            or not self.partner_id
        ):
            return
        event = (
            "shipment.delivered"
            if self.status == milestones.STATUS_DELIVERED
            else "shipment.status_changed"
        )
        self.env["logistics.customer.webhook"]._notify(
            self.partner_id,
            event,
            # Reads the whole timeline: built only for a subscriber.
            lambda: dict(self._portal_json(), previous_status=previous),
            self.correlation_id,
            self,
        )

    def _raise_exception(self, exception_type, note, message=None):
        had = self.exception_type
        result = super()._raise_exception(exception_type, note, message)
        if self.exception_type and self.exception_type != had and self.partner_id:
            self.env["logistics.customer.webhook"]._notify(
                self.partner_id,
                "shipment.exception",
                self._portal_json,
                self.correlation_id,
                self,
            )
        return result

    def _prepare_pod_attachment_vals(self, pod):
        vals = super()._prepare_pod_attachment_vals(pod)
        return dict(vals, logistics_portal_kind="pod")

    def _portal_documents(self):
        """Documents the customer may download: the proof of delivery, delivery
        slips, the posted invoices of the order and the customer's own uploads.

        Only attachments marked as customer documents: never chatter or
        internal files, even on the same records.
        """
        self.ensure_one()
        commercial = self.partner_id.commercial_partner_id
        order = self.sale_order_id.filtered(
            lambda o: o.partner_id.commercial_partner_id == commercial
        )
        invoices = order.invoice_ids.filtered(
            lambda m: (
                m.state == "posted"
                and m.move_type in CUSTOMER_INVOICE_TYPES
                and m.commercial_partner_id == commercial
            )
        )
        where = [
            (self._name, self.ids, "pod"),
            ("stock.picking", self.picking_ids.ids, "delivery_slip"),
            ("account.move", invoices.ids, "invoice"),
            ("sale.order", order.ids, "customer_upload"),
        ]
        domain = expression.OR(
            [
                [
                    ("res_model", "=", res_model),
                    ("res_id", "in", res_ids),
                    ("logistics_portal_kind", "=", kind),
                ]
                for res_model, res_ids, kind in where
                if res_ids
            ]
        )
        # Invoice PDFs are kept in a binary field (res_field): name it.
        domain = expression.AND(
            [domain, [("res_field", "in", (False, "invoice_pdf_report_file"))]]
        )
        return self.env["ir.attachment"].sudo().search(domain, order="id")

    def _portal_json(self, with_timeline=True):
        """What the customer API and portal show of a shipment."""
        self.ensure_one()
        answer = {
            "reference": self.name,
            "order_reference": self.sale_order_id.name or None,
            "customer_reference": self.customer_po or None,
            "status": self.status,
            "exception": dict(self._fields["exception_type"].selection).get(
                self.exception_type
            )
            if self.exception_type
            else None,
            "eta": _iso(self.eta),
            "promised_delivery_end": _iso(self.promised_delivery_end),
            "carrier": {"name": self.carrier_id.name, "scac": self.carrier_id.scac_code}
            if self.carrier_id
            else None,
            "tracking_number": self.tracking_number or None,
            "tracking_url": self._portal_tracking_url() or None,
            "delivered_at": _iso(self.pod_signed_at),
            "signed_by": self.pod_signed_by or None,
            "invoices": self._portal_invoice_numbers(),
        }
        if with_timeline:
            milestones = self.milestone_ids.sorted(lambda m: (m.event_time, m.id))
            answer["milestones"] = [
                {
                    "code": milestone.code,
                    "label": milestone.label,
                    "time": _iso(milestone.event_time),
                    "location": milestone.location or None,
                    "reason": milestone.reason or None,
                }
                for milestone in milestones
            ]
        return answer

    def _portal_invoice_numbers(self):
        """The posted invoices the shipment's delivery made (invoice on
        delivery), of the shipment's customer only."""
        self.ensure_one()
        commercial = self.partner_id.commercial_partner_id
        return [
            invoice.name
            for invoice in self.sudo().invoice_ids.sorted("id")
            if invoice.state == "posted"
            and invoice.move_type in CUSTOMER_INVOICE_TYPES
            and invoice.commercial_partner_id == commercial
        ]

    def _portal_tracking_url(self):
        """The tracking link, only if it is an http(s) URL (never javascript:)."""
        self.ensure_one()
        url = self.tracking_url
        return url if url and url_guard.is_web_url(url) else False

    @api.model
    def _portal_domain(self, partner):
        return [("partner_id", "child_of", partner.commercial_partner_id.id)]


def _iso(moment):
    return fields.Datetime.to_string(moment).replace(" ", "T") + "Z" if moment else None
