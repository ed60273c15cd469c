from odoo import _, fields, models

from .sale_order import ORDER_ACCEPTED, ORDER_HELD

ORDER_CANCELLED = "cancelled"


# One model, one file per seam (see sale_order.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class SaleOrder(models.Model):
    """The customer's view follows the order after the API's first answer.

    A held order approved in Odoo (its quotation confirmed) becomes accepted, a
    cancelled one says so, each with its customer webhook; what the customer
    asked of the transport (service preferences, delivery contact, window) is
    kept on the order and reaches the shipment.
    """

    _inherit = "sale.order"

    portal_status = fields.Selection(
        selection_add=[(ORDER_CANCELLED, "Cancelled")],
        ondelete={ORDER_CANCELLED: "set null"},
        help="What the customer API says of the order: accepted, held for "
        "review (until approved or cancelled in Odoo) or cancelled.",
    )

    # ------------------------------------------------------------------
    # approval and cancellation in Odoo

    def action_portal_approve(self):
        """Approve held orders: their quotations are confirmed (the way a held
        order was always approved), the customer is told."""
        self._logistics_check_access("write")
        held = self.filtered(
            lambda o: o.portal_status == ORDER_HELD and o.state in ("draft", "sent")
        )
        if held:
            held.action_confirm()
        return True

    def action_confirm(self):
        held = self.filtered(lambda o: o.portal_status == ORDER_HELD)
        result = super().action_confirm()
        held.filtered(lambda o: o.state == "sale")._portal_mark(
            ORDER_ACCEPTED,
            "order.accepted",
            _("Approved after review: the customer is told the order is accepted."),
        )
        return result

    def _action_cancel(self):
        told = self.filtered(
            lambda o: o.portal_status and o.portal_status != ORDER_CANCELLED
        )
        result = super()._action_cancel()
        told.filtered(lambda o: o.state == "cancel")._portal_mark(
            ORDER_CANCELLED,
            "order.cancelled",
            _("Cancelled: the customer is told."),
        )
        return result

    def action_draft(self):
        self._logistics_check_access("write")
        reopened = self.filtered(lambda o: o.portal_status == ORDER_CANCELLED)
        result = super().action_draft()
        # Back to a quotation: for review again, as a held order.
        reopened.filtered(lambda o: o.state == "draft").write(
            {
                "portal_status": ORDER_HELD,
                "portal_hold_reasons": _("Reopened after cancellation."),
            }
        )
        return result

    def _portal_mark(self, status, event, note):
        """Set the customer status, close the review, post and notify."""
        for order in self:
            order.portal_status = status
            order.activity_ids.filtered(
                lambda a: a.summary == _("Order held for review")
            ).action_feedback(feedback=note)
            order.message_post(body=note)
            self.env["logistics.customer.webhook"]._notify(
                order.partner_id,
                event,
                # As the integration: whoever approves need not read shipments.
                order.sudo()._portal_json,
                order.logistics_correlation_id,
                order,
            )

    # ------------------------------------------------------------------
    # what the customer asked of the transport

    def _prepare_portal_order_vals(self, partner, delivery, body, message):
        vals = super()._prepare_portal_order_vals(partner, delivery, body, message)
        vals.update(self._portal_service_vals(body))
        return vals

    def _prepare_portal_amend_vals(self, partner, body):
        vals = super()._prepare_portal_amend_vals(partner, body)
        vals.update(self._portal_service_vals(body))
        return vals

    def _portal_service_vals(self, body):
        """Order values of the service preferences and the delivery contact
        given in `body` (only what it gives: an amendment keeps the rest)."""
        vals = {}
        preferences = body.get("service_preferences") or {}
        for key, field in (
            ("service_level", "logistics_service_level"),
            ("tail_lift", "logistics_tail_lift"),
            ("delivery_instructions", "logistics_delivery_instructions"),
        ):
            if key in preferences:
                vals[field] = preferences[key]
        address = body.get("delivery_address")
        if address is not None:
            # The person the driver meets: given with an address by value;
            # an address by id brings its own contact details.
            by_value = not address.get("contact_id")
            for key in ("name", "phone", "email"):
                vals["logistics_delivery_contact_%s" % key] = (
                    (address.get(key) or False) if by_value else False
                )
        return vals

    def _portal_delivery_contact(self, partner, body):
        """An address given by value reuses an identical contact of the
        customer instead of creating one more."""
        address = body.get("delivery_address")
        if address and not address.get("contact_id"):
            existing = self._portal_identical_contact(partner, address)
            if existing:
                return existing
        return super()._portal_delivery_contact(partner, body)

    def _portal_identical_contact(self, partner, address):
        Partner = self.env["res.partner"]
        country = Partner._portal_country(address.get("country_code"))
        return Partner.search(
            [
                ("commercial_partner_id", "=", partner.commercial_partner_id.id),
                ("type", "=", "delivery"),
                ("name", "=", address.get("name") or partner.name),
                ("street", "=", address.get("street") or False),
                ("street2", "=", address.get("street2") or False),
                ("zip", "=", address.get("zip") or False),
                ("city", "=", address.get("city") or False),
                ("country_id", "=", country.id or False),
            ],
            order="id",
            limit=1,
        )

    # ------------------------------------------------------------------
    # what the customer API shows

    def _portal_json(self):
        answer = super()._portal_json()
        shipping = self.partner_shipping_id
        answer.update(
            requested_delivery={
                "start": self.requested_delivery_start
                and self.requested_delivery_start.isoformat() + "Z",
                "end": self.commitment_date and self.commitment_date.isoformat() + "Z",
            },
            delivery_address={
                "id": shipping.id,
                "name": shipping.name or None,
                "street": shipping.street or None,
                "street2": shipping.street2 or None,
                "zip": shipping.zip or None,
                "city": shipping.city or None,
                "country_code": shipping.country_id.code or None,
            },
            delivery_contact={
                "name": self.logistics_delivery_contact_name or None,
                "phone": self.logistics_delivery_contact_phone or None,
                "email": self.logistics_delivery_contact_email or None,
            },
            service_preferences={
                "service_level": self.logistics_service_level or "standard",
                "tail_lift": self.logistics_tail_lift,
                "delivery_instructions": self.logistics_delivery_instructions or None,
            },
            notes=self.portal_notes or None,
            hold_reasons=(self.portal_hold_reasons or "").splitlines()
            if self.portal_status == ORDER_HELD
            else [],
            updated_at=self.write_date.isoformat() + "Z",
        )
        return answer
