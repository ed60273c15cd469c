from datetime import timedelta

from odoo import _, api, fields, models

from odoo.addons.logistics_integration_base.lib import outcome, timestamps
from odoo.addons.logistics_tms_connector.lib import milestones

from ..lib import json_input
from .stock_move import DEFER_RESERVATION

# What the API said of an order when it came in (sale.order.portal_status):
# taken and confirmed, or kept as a quotation for review.
ORDER_ACCEPTED, ORDER_HELD = "accepted", "held"
DEFAULT_LEAD_DAYS = 2


class SaleOrder(models.Model):
    _inherit = "sale.order"

    portal_status = fields.Selection(
        [(ORDER_ACCEPTED, "Accepted"), (ORDER_HELD, "Held for review")],
        string="API status",
        copy=False,
        help="The answer the customer API gave when the order came in.",
    )
    portal_hold_reasons = fields.Text(copy=False)
    requested_delivery_start = fields.Datetime(copy=False)
    portal_notes = fields.Text(string="Customer notes", copy=False)

    @api.model
    def _portal_domain(self, partner):
        """The orders of `partner`'s company: what its API keys may read."""
        return [("partner_id", "child_of", partner.commercial_partner_id.id)]

    # ------------------------------------------------------------------
    # order submission (flow order.submit, answered in the request)

    @api.model
    def _portal_submit(self, message):
        """Check, price and create the order: its outcome is the message's result."""
        partner = message.partner_id.commercial_partner_id
        body = message.payload
        refusal = (
            json_input.window_problems(body)
            or self._portal_check_customer(partner)
            or self._portal_check_lines(body)
            or self._portal_check_address(partner, body)
        )
        if refusal:
            return self._portal_rejection(refusal).to_json()  # nothing created
        delivery = self._portal_delivery_contact(partner, body)
        order = self.create(
            self._prepare_portal_order_vals(partner, delivery, body, message)
        )
        order.message_subscribe(partner_ids=[partner.id])
        message.write({"res_model": order._name, "res_id": order.id})
        held, backorder = order._portal_decide()
        if held:
            order._portal_hold(held)
        else:
            order.with_context(
                logistics_correlation_id=message.correlation_id,
                logistics_defer_reservation=DEFER_RESERVATION
                if order._portal_defers_reservation()
                else False,
            ).action_confirm()
            order.portal_status = ORDER_ACCEPTED
        self.env["logistics.customer.webhook"]._notify(
            partner,
            "order.held" if held else "order.accepted",
            order._portal_json(),
            message.correlation_id,
            order,
        )
        return outcome.created(order._portal_answer(held, backorder)).to_json()

    def _portal_defers_reservation(self):
        """Reserve the stock after the answer (stock.move._action_assign)?

        Not when the customer holds short orders: the answer then hangs on
        availability, decided on a forecast that does not see an order another
        request is confirming at the same time. Reserving in the request makes
        two such orders collide on the quants they reserve from, and Odoo
        replays the second, which then sees the first. Other orders are
        confirmed whatever the forecast says; their backordered lines are a
        forecast that a concurrent order may overtake.
        """
        self.ensure_one()
        policy = self.partner_id.commercial_partner_id.portal_shortage_policy
        return policy != "hold"

    @api.model
    def _portal_check_customer(self, partner):
        if partner.sale_warn == "block":
            return [
                outcome.problem(
                    "",
                    partner.sale_warn_msg
                    or _("Ordering is blocked for this customer."),
                )
            ]
        return None

    @api.model
    def _portal_check_lines(self, body):
        problems = []
        for index, line in enumerate(body["lines"]):
            product = self._portal_product(line["product_code"])
            pointer = "/lines/%s" % index
            if not product:
                problems.append(
                    outcome.problem(
                        pointer + "/product_code",
                        _("Unknown product %s.", line["product_code"]),
                    )
                )
            elif line.get("unit") and not self._portal_uom(product, line["unit"]):
                problems.append(
                    outcome.problem(
                        pointer + "/unit",
                        _(
                            "Unit %(unit)s does not fit %(product)s.",
                            unit=line["unit"],
                            product=line["product_code"],
                        ),
                    )
                )
        return problems or None

    @api.model
    def _portal_product(self, code):
        return self.env["product.product"].search(
            [("default_code", "=", code), ("sale_ok", "=", True)], limit=1
        )

    @api.model
    def _portal_uom(self, product, unit):
        return self.env["uom.uom"].search(
            [
                ("name", "=ilike", unit),
                ("category_id", "=", product.uom_id.category_id.id),
            ],
            limit=1,
        )

    @api.model
    def _portal_check_address(self, partner, body):
        """Refusal reasons when the delivery address is not the customer's own."""
        address = body.get("delivery_address") or {}
        if address.get("contact_id"):
            contact = self.env["res.partner"].browse(address["contact_id"]).exists()
            if not contact or contact.commercial_partner_id != partner:
                return [
                    outcome.problem(
                        "/delivery_address/contact_id",
                        _(
                            "Address %s is not one of this customer's.",
                            address["contact_id"],
                        ),
                    )
                ]
        elif address.get("country_code") and not self.env[
            "res.partner"
        ]._portal_country(address["country_code"]):
            return [
                outcome.problem("/delivery_address/country_code", _("Unknown country."))
            ]
        return None

    @api.model
    def _portal_delivery_contact(self, partner, body):
        """The delivery contact of a checked address (a new one is created)."""
        address = body.get("delivery_address")
        if not address:
            return partner
        if address.get("contact_id"):
            return self.env["res.partner"].browse(address["contact_id"])
        return self.env["res.partner"].create(
            {
                "parent_id": partner.id,
                "type": "delivery",
                "name": address.get("name") or partner.name,
                "street": address.get("street"),
                "street2": address.get("street2"),
                "city": address.get("city"),
                "zip": address.get("zip"),
                "country_id": self.env["res.partner"]
                ._portal_country(address.get("country_code"))
                .id,
                "phone": address.get("phone"),
                "email": address.get("email"),
            }
        )

    @api.model
    def _portal_rejection(self, problems):
        """The refusal of an order (or amendment) for these problems."""
        return outcome.refused(
            "order_rejected",
            _("The order was rejected: %s", problems[0]["reason"]),
            problems,
        )

    @api.model
    def _prepare_portal_order_vals(self, partner, delivery, body, message):
        window = body.get("requested_delivery")
        start = timestamps.parse(window["start"]) if window else None
        end = (
            timestamps.parse(window["end"])
            if window
            else fields.Datetime.now() + timedelta(days=DEFAULT_LEAD_DAYS)
        )
        preferences = body.get("service_preferences") or {}
        return {
            "partner_id": partner.id,
            "partner_shipping_id": delivery.id,
            "client_order_ref": body["customer_reference"],
            "commitment_date": end,
            "requested_delivery_start": start,
            "portal_notes": "\n".join(
                filter(
                    None, (body.get("notes"), preferences.get("delivery_instructions"))
                )
            )
            or False,
            "logistics_correlation_id": message.correlation_id,
            "order_line": [
                fields.Command.create(self._prepare_portal_line_vals(line))
                for line in body["lines"]
            ],
        }

    @api.model
    def _prepare_portal_line_vals(self, line):
        product = self._portal_product(line["product_code"])
        uom = (
            self._portal_uom(product, line["unit"])
            if line.get("unit")
            else product.uom_id
        )
        return {
            "product_id": product.id,
            "product_uom_qty": line["quantity"],
            "product_uom": uom.id,
        }

    def _portal_decide(self):
        """(hold reasons, backordered lines): availability, then credit."""
        self.ensure_one()
        held, backorder = [], []
        policy = self.partner_id.commercial_partner_id.portal_shortage_policy
        for index, line in enumerate(self.order_line):
            if line._portal_short():
                if policy == "hold":
                    held.append(
                        outcome.problem(
                            "/lines/%s/quantity" % index,
                            _("Not available by the requested date."),
                        )
                    )
                elif policy == "backorder":
                    backorder.append(index)
        exposure, limit = self.partner_id._portal_credit_exposure(self.amount_total)
        if limit and exposure > limit:
            held.append(
                outcome.problem(
                    "",
                    _(
                        "Credit limit exceeded: %(exposure).2f open against a limit "
                        "of %(limit).2f.",
                        exposure=exposure,
                        limit=limit,
                    ),
                )
            )
        return held, backorder

    def _portal_hold(self, reasons):
        self.write(
            {
                "portal_status": ORDER_HELD,
                "portal_hold_reasons": "\n".join(r["reason"] for r in reasons),
            }
        )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Order held for review"),
            note="\n".join(r["reason"] for r in reasons),
            user_id=(self.user_id or self.env.ref("base.user_admin")).id,
        )

    def _portal_answer(self, held=None, backorder=None):
        self.ensure_one()
        answer = self._portal_json()
        answer.update(
            status=ORDER_HELD if held else ORDER_ACCEPTED,
            reasons=held or [],
            backordered_lines=backorder or [],
        )
        return answer

    def _portal_json(self):
        """What the customer API shows of an order."""
        self.ensure_one()
        return {
            "reference": self.name,
            "customer_reference": self.client_order_ref,
            "status": self.portal_status
            or ("cancelled" if self.state == "cancel" else self.state),
            "state": self.state,
            "currency": self.currency_id.name,
            "lines": [
                line._portal_json()
                for line in self.order_line.filtered(lambda ln: not ln.display_type)
            ],
            "amount_untaxed": self.amount_untaxed,
            "amount_tax": self.amount_tax,
            "amount_total": self.amount_total,
            "promised_date": self.commitment_date
            and self.commitment_date.isoformat() + "Z",
            "delivery_address_id": self.partner_shipping_id.id,
            "shipments": [s.name for s in self.logistics_shipment_ids],
            "invoices": [m.name for m in self.invoice_ids if m.state == "posted"],
            "created_at": self.create_date.isoformat() + "Z",
        }

    # ------------------------------------------------------------------
    # amendment and cancellation (answered in the request, through the log)

    def _portal_release_conflict(self):
        """The conflict outcome when the customer no longer owns the order, else
        None."""
        self.ensure_one()
        released = self.logistics_shipment_ids.filtered(
            lambda s: s.status in milestones.RELEASED_STATUSES
        )
        shipped = any(p.state == "done" for p in self.picking_ids)
        if not (released or shipped or self.state == "cancel"):
            return None
        return outcome.state_conflict(
            "order_released",
            _(
                "Order %(order)s can no longer be changed by the customer: %(why)s.",
                order=self.name,
                why=_(
                    "it was released to transport as %s",
                    ", ".join(released.mapped("name")),
                )
                if released
                else (
                    _("it was cancelled")
                    if self.state == "cancel"
                    else _("it was shipped")
                ),
            ),
        )

    @api.model
    def _portal_amend(self, message):
        order = self.browse(message.res_id)
        body = message.payload
        refusal = order._portal_release_conflict()
        if refusal:
            return refusal.to_json()
        partner = order.partner_id.commercial_partner_id
        problems = (
            json_input.window_problems(body)
            or self._portal_check_address(partner, body)
            or (self._portal_check_lines(body) if body.get("lines") else None)
        )
        if problems:
            return self._portal_rejection(problems).to_json()
        if body.get("lines") and order.state != "draft":
            return self._portal_rejection(
                [
                    outcome.problem(
                        "/lines", _("Lines of a confirmed order cannot be changed.")
                    )
                ]
            ).to_json()
        # The ownership matrix says which of the order's fields the portal
        # owns before release; a change to another is kept for a manager.
        refused = self.env["logistics.field.ownership"]._guarded_write(
            order, self._prepare_portal_amend_vals(partner, body), "portal", message
        )
        order.message_post(
            body=_(
                "Amended by the customer through the API (correlation %s).",
                message.correlation_id,
            )
        )
        answer = order._portal_json()
        answer["pending_review"] = sorted(refused)
        return outcome.applied(answer).to_json()

    @api.model
    def _prepare_portal_amend_vals(self, partner, body):
        vals = {}
        if body.get("requested_delivery"):
            vals["commitment_date"] = timestamps.parse(
                body["requested_delivery"]["end"]
            )
            vals["requested_delivery_start"] = timestamps.parse(
                body["requested_delivery"]["start"]
            )
        if "notes" in body:
            vals["portal_notes"] = body["notes"]
        if body.get("delivery_address"):
            vals["partner_shipping_id"] = self._portal_delivery_contact(
                partner, body
            ).id
        if body.get("lines"):
            vals["order_line"] = [fields.Command.clear()] + [
                fields.Command.create(self._prepare_portal_line_vals(line))
                for line in body["lines"]
            ]
        return vals

    @api.model
    def _portal_cancel(self, message):
        order = self.browse(message.res_id)
        refusal = order._portal_release_conflict()
        if refusal:
            return refusal.to_json()
        order._action_cancel()
        order.message_post(
            body=_(
                "Cancelled by the customer through the API (correlation %s).",
                message.correlation_id,
            )
        )
        return outcome.applied(order._portal_json()).to_json()


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _portal_short(self):
        """Is the product short for the requested date (forecast, this warehouse)?"""
        self.ensure_one()
        product = self.product_id
        if not product.is_storable:
            return False
        date = self.order_id.commitment_date or fields.Datetime.now()
        forecast = product.with_context(
            to_date=date, warehouse_id=self.order_id.warehouse_id.id
        ).virtual_available
        return forecast < self.product_uom._compute_quantity(
            self.product_uom_qty, product.uom_id
        )

    def _portal_json(self):
        self.ensure_one()
        return {
            "product_code": self.product_id.default_code,
            "description": self.name,
            "quantity": self.product_uom_qty,
            "unit": self.product_uom.name,
            "unit_price": self.price_unit,
            "discount": self.discount,
            "taxes": [tax.name for tax in self.tax_id],
            "subtotal": self.price_subtotal,
            "total": self.price_total,
        }
