from odoo import _, api, models

from odoo.addons.logistics_integration_base.lib import outcome, timestamps, trust
from odoo.addons.logistics_tms_connector.lib import customer_returns

# The portal form's requests (server code only: lib/trust.py).
PORTAL_ORIGIN_KEY = "logistics_return_origin"
PORTAL_ORIGIN = trust.ServerFlag("return requested in the portal")
# Customer webhook event of each state a customer is told about.
STATE_EVENTS = {
    customer_returns.APPROVED: "return.approved",
    customer_returns.REFUSED: "return.refused",
    customer_returns.RECEIVED: "return.received",
}


class LogisticsReturn(models.Model):
    """Customer returns asked through the API and the portal (flow
    return.request), shown to the customer, announced by webhook."""

    _inherit = "logistics.return"

    @api.model
    def _portal_domain(self, partner):
        """The returns of `partner`'s company: what its API keys may read."""
        return [("partner_id", "child_of", partner.commercial_partner_id.id)]

    @api.model
    def _portal_request(self, message):
        """Flow handler of return.request: check, create, decide (the return's
        approval rules); the outcome is the message's result."""
        partner = message.partner_id.commercial_partner_id
        body = message.payload
        Order = self.env["sale.order"]
        order = Order.search(
            [("name", "=", body["order_reference"]), *Order._portal_domain(partner)],
            limit=1,
        )
        if not order:
            return outcome.refused(
                "return_rejected",
                _("No order %s for this customer.", body["order_reference"]),
                [{"pointer": "/order_reference", "reason": "unknown order"}],
            ).to_json()
        requested, problems = self._portal_requested_lines(order, body["lines"])
        window = None
        if body.get("pickup_window"):
            window = tuple(
                timestamps.parse(body["pickup_window"][bound])
                for bound in ("start", "end")
            )
        if not problems:
            customer_return, problems = self._request(
                order,
                requested,
                body["reason"],
                window=window,
                origin="portal"
                if trust.flag_set(self.env.context, PORTAL_ORIGIN_KEY, PORTAL_ORIGIN)
                else "api",
                correlation_id=message.correlation_id,
            )
        if problems:
            return outcome.refused(
                "return_rejected",
                _("The return was rejected: %s", problems[0]["reason"]),
                problems,
            ).to_json()
        message.write({"res_model": self._name, "res_id": customer_return.id})
        customer_return.message_subscribe(partner_ids=[partner.id])
        return outcome.created(customer_return._portal_json()).to_json()

    @api.model
    def _portal_requested_lines(self, order, lines):
        """``([(index, sale line, quantity)], problems)``: each requested line
        spread over the order lines of its product (what each may still
        return first); what no line can take stays on the last, to be refused."""
        returnable = self._returnable_quantities(order)
        room = dict(returnable)
        requested, problems = [], []
        for index, line in enumerate(lines):
            candidates = [
                sale_line
                for sale_line in returnable
                if sale_line.product_id.default_code == line["product_code"]
            ]
            if not candidates:
                problems.append(
                    {
                        "pointer": "/lines/%s/product_code" % index,
                        "reason": "not on order %s" % order.name,
                    }
                )
                continue
            left = float(line["quantity"])
            for position, sale_line in enumerate(candidates):
                last = position == len(candidates) - 1
                taken = left if last else min(left, room[sale_line])
                if taken <= customer_returns.EPSILON:
                    continue
                requested.append((index, sale_line, taken))
                room[sale_line] -= taken
                left -= taken
        return requested, problems

    def _portal_json(self):
        """What the customer API shows of a return."""
        self.ensure_one()
        shipment = self.shipment_id
        return {
            "reference": self.name,
            "order_reference": self.sale_order_id.name,
            "status": self.state,
            "reason": self.reason,
            "refusal_reason": self.refusal_reason or None
            if self.state == customer_returns.REFUSED
            else None,
            "lines": [
                {
                    "product_code": line.product_id.default_code,
                    "description": line.sale_line_id.name,
                    "quantity": line.quantity,
                    "unit": line.uom_id.name,
                }
                for line in self.line_ids
            ],
            "pickup_window": {
                "start": _iso(self.pickup_start),
                "end": _iso(self.pickup_end),
            }
            if self.pickup_start and self.pickup_end
            else None,
            "shipment": shipment.name or None,
            "shipment_status": shipment.status or None,
            "created_at": _iso(self.create_date),
            "received_at": _iso(self.received_at),
        }

    def _logistics_return_reached(self, state):
        result = super()._logistics_return_reached(state)
        event = STATE_EVENTS.get(state)
        if event:
            self.env["logistics.customer.webhook"]._notify(
                self.partner_id,
                event,
                self._portal_json,
                self.correlation_id,
                self,
            )
        return result


def _iso(moment):
    return moment.isoformat() + "Z" if moment else None
