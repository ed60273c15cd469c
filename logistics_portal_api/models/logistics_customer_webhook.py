import secrets

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.logistics_integration_base.lib import correlation, outcome, url_guard

EVENTS = [
    ("order.accepted", "Order accepted"),
    ("order.held", "Order held for review"),
    ("shipment.status_changed", "Shipment status changed"),
    ("shipment.exception", "Shipment exception"),
    ("shipment.delivered", "Shipment delivered"),
    ("invoice.posted", "Invoice posted"),
    ("order.cancelled", "Order cancelled"),
    ("service_request.answered", "Service request answered or refused"),
    ("return.approved", "Customer return approved"),
    ("return.refused", "Customer return refused"),
    ("return.received", "Customer return received"),
    ("appointment.requested", "Delivery appointment requested"),
    ("appointment.proposed", "Delivery appointment proposed by the TMS"),
    ("appointment.confirmed", "Delivery appointment confirmed"),
    ("appointment.rejected", "Delivery appointment rejected"),
    ("appointment.missed", "Delivery appointment missed"),
]
SECRET_BYTES = 32


class LogisticsCustomerWebhook(models.Model):
    """A customer system subscribed to events: deliveries are signed messages.

    Each subscription owns an endpoint (system "customer", HMAC-signed), so
    deliveries get the message log's retries, dead letters and replay.
    """

    _name = "logistics.customer.webhook"
    _description = "Customer Webhook Subscription"
    _order = "id desc"

    partner_id = fields.Many2one(
        "res.partner", required=True, string="Customer", index=True
    )
    url = fields.Char(string="URL", required=True)
    events = fields.Char(required=True, help="Space-separated event names.")
    description = fields.Char()
    endpoint_id = fields.Many2one(
        "logistics.endpoint", readonly=True, ondelete="restrict"
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    @api.constrains("events")
    def _check_events(self):
        known = dict(EVENTS)
        for webhook in self:
            unknown = set(webhook.events.split()) - set(known)
            if unknown:
                raise ValidationError(
                    _("Unknown events: %s", ", ".join(sorted(unknown)))
                )

    @api.constrains("url")
    def _check_url(self):
        """Customers give the URL: it must not lead inside (SSRF)."""
        Endpoint = self.env["logistics.endpoint"]
        for webhook in self:
            try:
                Endpoint._check_outbound_url(webhook.url)
            except url_guard.UrlRefused as err:
                raise ValidationError(
                    _("Webhook URL refused: %s", err.message)
                ) from err

    @api.model
    def _portal_domain(self, partner):
        """The subscriptions of `partner`'s company."""
        return [("partner_id", "=", partner.commercial_partner_id.id)]

    @api.model
    def _subscribe(self, partner, url, events, description=False):
        """Create a subscription; return it with its signing secret (shown once)."""
        secret = secrets.token_urlsafe(SECRET_BYTES)
        endpoint = (
            self.env["logistics.endpoint"]
            .sudo()
            .create(
                {
                    "name": _("Webhooks of %s", partner.name),
                    "code": "webhook_%s_%s" % (partner.id, secrets.token_hex(4)),
                    "system": "customer",
                    # Production in the production database: no copy calls it.
                    "environment": self.env[
                        "logistics.endpoint"
                    ]._default_environment(),
                    "protocol": "rest",
                    "base_url": url,
                    "auth_method": "hmac",
                    "max_attempts": 5,
                    "backoff_schedule": "30,120,600,1800",
                    "company_id": partner.company_id.id or self.env.company.id,
                }
            )
        )
        self.env["logistics.endpoint.secret"].sudo().create(
            {"endpoint_id": endpoint.id, "kind": "hmac", "value": secret}
        )
        webhook = self.sudo().create(
            {
                "partner_id": partner.id,
                "url": url,
                "events": " ".join(events),
                "description": description,
                "endpoint_id": endpoint.id,
                "company_id": endpoint.company_id.id,
            }
        )
        return webhook, secret

    def _unsubscribe(self):
        self.endpoint_id.sudo().write({"active": False})
        self.sudo().write({"active": False})

    @api.model
    def _notify(self, partner, event, data, correlation_id=None, record=None):
        """Queue a signed delivery to every subscription of the customer.

        `data` may be a callable: it is then built only for a subscriber.
        """
        commercial = partner.commercial_partner_id
        webhooks = (
            self.sudo()
            .search([("partner_id", "=", commercial.id)])
            .filtered(lambda w: event in w.events.split())
        )
        if not webhooks:
            return
        if callable(data):
            data = data()
        Message = self.env["logistics.message"].sudo()
        for webhook in webhooks:
            Message._send(
                "customer.notify",
                {
                    "event": event,
                    "data": data,
                    "occurred_at": fields.Datetime.now().isoformat() + "Z",
                },
                endpoint_id=webhook.endpoint_id.id,
                partner_id=commercial.id,
                correlation_id=correlation_id or correlation.new_id(),
                res_model=record._name if record else False,
                res_id=record.id if record else False,
            )

    @api.model
    def _deliver(self, message):
        """Flow handler: POST the event, signed, to the subscription's URL."""
        response = message.endpoint_id._request(
            "POST", "", message.correlation_id, json=message.payload
        )
        return {"status": response.status_code}

    @api.model
    def _portal_subscribe(self, message):
        """Flow webhook.subscribe: the secret is added to the answer, not logged."""
        body = message.payload
        try:
            self.env["logistics.endpoint"]._check_outbound_url(body["url"])
        except url_guard.UrlRefused as err:
            return outcome.refused(
                "url_refused",
                _("The webhook URL is refused: %s", err.message),
                [outcome.problem("/url", err.message)],
            ).to_json()
        webhook, _secret = self._subscribe(
            message.partner_id, body["url"], body["events"], body.get("description")
        )
        message.write({"res_model": self._name, "res_id": webhook.id})
        return outcome.created(webhook._portal_json()).to_json()

    @api.model
    def _portal_unsubscribe(self, message):
        webhook = self.browse(message.res_id)
        webhook._unsubscribe()
        return outcome.applied({"id": webhook.id, "deleted": True}).to_json()

    def _portal_json(self):
        self.ensure_one()
        return {
            "id": self.id,
            "url": self.url,
            "events": self.events.split(),
            "description": self.description or None,
            "created_at": self.create_date.isoformat() + "Z",
        }
