import base64
import functools
import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.logistics_integration_base.lib import errors, trust, url_guard

from ..lib import delay, mapping, milestones

_logger = logging.getLogger(__name__)

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "shipment.v1.json"
TMS = "tms"
DEFAULT_PICKUP_HOURS = 4
DEFAULT_DELIVERY_DAYS = 2
SHOWN_VALUE_LENGTH = 200
# Statuses in which the TMS holds the shipment but the carrier has not picked
# it up: amendments are still possible.
AMENDABLE_STATUSES = ("released", "accepted", "carrier_assigned")
OPEN_STATUSES = (*AMENDABLE_STATUSES, "picked_up", "in_transit", "out_for_delivery")
# Changing one of these after release sends an amendment to the TMS.
AMENDMENT_FIELDS = {
    "requested_pickup_start",
    "requested_pickup_end",
    "requested_delivery_start",
    "requested_delivery_end",
    "consignee_id",
    "line_ids",
    "service_level",
    "vehicle_type",
    "temperature_min_c",
    "temperature_max_c",
    "hazardous_goods",
    "tail_lift",
}
STATUSES = [
    ("draft", "Draft"),
    ("released", "Released to TMS"),
    ("accepted", "Accepted by TMS"),
    ("carrier_assigned", "Carrier assigned"),
    ("picked_up", "Picked up"),
    ("in_transit", "In transit"),
    ("out_for_delivery", "Out for delivery"),
    ("delivered", "Delivered"),
    ("exception", "Exception"),
    ("returned", "Returned"),
    ("cancelled", "Cancelled"),
]
EXCEPTION_TYPES = [
    ("delay", "Delayed past the promised window"),
    ("failed_delivery", "Failed delivery attempt"),
    ("refused", "Refused by the consignee"),
    ("returned", "Returned to shipper"),
    ("tms_refused", "Refused by the TMS"),
]
# Milestone codes that put the shipment in exception, and which exception.
EXCEPTION_FOR_CODE = {"AH": "failed_delivery", "A7": "refused", "A3": "returned"}


@functools.cache
def canonical_schema():
    return json.loads(SCHEMA_FILE.read_text())


class LogisticsShipment(models.Model):
    """A shipment handed to a TMS: what to move, when, and how it is going."""

    _name = "logistics.shipment"
    _description = "Shipment"
    _inherit = ["mail.thread", "mail.activity.mixin", "logistics.owned.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/"
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    endpoint_id = fields.Many2one(
        "logistics.endpoint",
        string="TMS",
        required=True,
        domain="[('system', '=', 'tms')]",
        check_company=True,
        tracking=True,
    )
    sale_order_id = fields.Many2one("sale.order", index=True, check_company=True)
    picking_ids = fields.One2many("stock.picking", "logistics_shipment_id")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", help="The commercial partner billed."
    )
    shipper_id = fields.Many2one("res.partner", required=True, string="Shipper")
    consignee_id = fields.Many2one("res.partner", required=True, string="Consignee")
    status = fields.Selection(
        STATUSES, required=True, default="draft", tracking=True, index=True
    )
    line_ids = fields.One2many("logistics.shipment.line", "shipment_id", copy=True)
    total_weight_kg = fields.Float(compute="_compute_totals", store=True)
    total_volume_m3 = fields.Float(compute="_compute_totals", store=True)
    package_count = fields.Integer(compute="_compute_totals", store=True)
    window_tz = fields.Selection(
        "_tz_get",
        string="Time zone",
        default=lambda self: self.env.user.tz or "UTC",
        help="Time zone the windows are agreed in (they are stored in UTC).",
    )
    requested_pickup_start = fields.Datetime()
    requested_pickup_end = fields.Datetime()
    requested_delivery_start = fields.Datetime()
    requested_delivery_end = fields.Datetime()
    promised_delivery_end = fields.Datetime(
        help="The end of the delivery window promised to the customer: an ETA "
        "past it is a delay exception."
    )
    service_level = fields.Selection(
        [("standard", "Standard"), ("express", "Express"), ("economy", "Economy")],
        default="standard",
        required=True,
    )
    vehicle_type = fields.Char()
    temperature_min_c = fields.Float(string="Min. temperature (°C)")
    temperature_max_c = fields.Float(string="Max. temperature (°C)")
    temperature_controlled = fields.Boolean()
    hazardous_goods = fields.Boolean()
    tail_lift = fields.Boolean(string="Tail-lift required")
    customer_po = fields.Char(string="Customer PO")
    order_reference = fields.Char()
    # Owned by the TMS (see the field ownership matrix).
    tms_reference = fields.Char(string="TMS reference", index=True, copy=False)
    carrier_id = fields.Many2one("res.partner", string="Carrier", copy=False)
    tracking_number = fields.Char(copy=False)
    tracking_url = fields.Char(
        copy=False, help="The carrier's tracking page: an http(s) URL only."
    )
    # Not tracked: the TMS moves it with nearly every event, and the timeline
    # (a milestone per event) and the message log already record each value.
    eta = fields.Datetime(string="ETA", copy=False)
    pod_signed_by = fields.Char(string="POD signed by", copy=False)
    pod_signed_at = fields.Datetime(string="POD signed at", copy=False)
    pod_attachment_id = fields.Many2one(
        "ir.attachment", string="Proof of delivery", copy=False
    )
    tms_field_times = fields.Json(
        copy=False,
        help="Event time of the last TMS update of each TMS-owned field: a late "
        "event may fill a field, never overwrite a newer value.",
    )
    milestone_ids = fields.One2many("logistics.shipment.milestone", "shipment_id")
    exception_type = fields.Selection(EXCEPTION_TYPES, copy=False, tracking=True)
    exception_note = fields.Text(copy=False)
    exception_resolved_at = fields.Datetime(copy=False)
    message_ids_count = fields.Integer(compute="_compute_message_count")
    correlation_id = fields.Char(
        string="Correlation ID",
        copy=False,
        index=True,
        help="Follows the order from the portal through the TMS to the invoice.",
    )

    _sql_constraints = [
        (
            "tms_reference_unique",
            "unique(endpoint_id, tms_reference)",
            "A TMS reference names one shipment of that TMS.",
        )
    ]

    @api.model
    def _tz_get(self):
        return [(tz, tz) for tz in sorted(pytz.all_timezones)]

    @api.depends("line_ids.weight_kg", "line_ids.volume_m3", "line_ids.package_ref")
    def _compute_totals(self):
        for shipment in self:
            lines = shipment.line_ids
            shipment.total_weight_kg = sum(lines.mapped("weight_kg"))
            shipment.total_volume_m3 = sum(lines.mapped("volume_m3"))
            shipment.package_count = len(set(lines.mapped("package_ref")) - {False})

    @api.constrains("tracking_url")
    def _check_tracking_url(self):
        """Shown to customers as a link: a javascript: URL would run in their
        session (stored XSS)."""
        for shipment in self:
            if shipment.tracking_url and not url_guard.is_web_url(
                shipment.tracking_url
            ):
                raise ValidationError(
                    _(
                        "The tracking URL of %(shipment)s must be an http(s) link, "
                        "not %(url)s.",
                        shipment=shipment.name,
                        url=shipment.tracking_url[:SHOWN_VALUE_LENGTH],
                    )
                )

    def _compute_message_count(self):
        counts = dict(
            self.env["logistics.message"]._read_group(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)],
                ["res_id"],
                ["__count"],
            )
        )
        for shipment in self:
            shipment.message_ids_count = counts.get(shipment.id, 0)

    # ------------------------------------------------------------------
    # CRUD

    @api.model_create_multi
    def create(self, vals_list):
        # Before a number is drawn from the sequence for nothing.
        self.check_access("create")
        sequence = self.env["ir.sequence"]
        vals_list = [
            dict(vals, name=sequence.next_by_code("logistics.shipment") or "/")
            if vals.get("name", "/") == "/"
            else vals
            for vals in vals_list
        ]
        return super().create(vals_list)

    def write(self, vals):
        # Changes a system sends (applied by server code) are not amendments;
        # a source a client puts in its context is not trusted (lib/trust.py).
        from_system = trust.trusted(
            self.env.context, trust.SOURCE_KEY, trust.TrustedSource
        )
        amended = AMENDMENT_FIELDS & set(vals) and from_system is None
        if amended:
            self._check_amendable()
        result = super().write(vals)
        if amended:
            self.filtered(lambda s: s.status in AMENDABLE_STATUSES)._send_to_tms(
                "shipment.amend"
            )
        return result

    # ------------------------------------------------------------------
    # actions

    def action_release(self):
        """Hand draft shipments to their TMS (a job sends them)."""
        self._logistics_check_access("write")
        return self._release()

    def action_cancel(self):
        self._logistics_check_access("write")
        return self._cancel()

    def action_resolve_exception(self):
        self._logistics_check_access("write")
        for shipment in self.filtered("exception_type"):
            shipment.message_post(
                body=_(
                    "Exception resolved by %(user)s: %(type)s",
                    user=self.env.user.name,
                    type=dict(EXCEPTION_TYPES)[shipment.exception_type],
                )
            )
            shipment.activity_ids.filtered(
                lambda a: (
                    a.activity_type_id
                    == self.env.ref(
                        "logistics_tms_connector.mail_activity_type_shipment_exception"
                    )
                )
            ).action_done()
        self.filtered("exception_type").write(
            {"exception_type": False, "exception_resolved_at": fields.Datetime.now()}
        )
        return True

    def action_view_messages(self):
        self._logistics_check_access("read", read_models=["logistics.message"])
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_integration_base.logistics_message_action"
        )
        action["domain"] = [("res_model", "=", self._name), ("res_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_open_trace(self):
        self._logistics_check_access("read", read_models=["logistics.trace"])
        self.ensure_one()
        return self.env["logistics.trace"]._action_for(self.correlation_id)

    # ------------------------------------------------------------------
    # Odoo -> TMS

    def _release(self):
        """Release these draft shipments: the actions' and the triggers' step."""
        for shipment in self:
            if shipment.status != "draft":
                raise UserError(_("Shipment %s was already released.", shipment.name))
        self.write({"status": "released"})
        self._send_to_tms("shipment.release")
        return True

    def _cancel(self):
        """Cancel these shipments (and tell their TMS): also when orders cancel."""
        released = self.filtered(lambda s: s.status in OPEN_STATUSES)
        done = self.filtered(lambda s: s.status in ("delivered", "returned"))
        if done:
            raise UserError(
                _(
                    "Delivered shipments cannot be cancelled: %s",
                    ", ".join(done.mapped("name")),
                )
            )
        self.write({"status": "cancelled"})
        released._send_to_tms("shipment.cancel")
        return True

    def _check_amendable(self):
        late = self.filtered(
            lambda s: s.status not in ("draft", *AMENDABLE_STATUSES, "cancelled")
        )
        if late:
            raise UserError(
                _(
                    "Shipments already picked up cannot be amended: %s",
                    ", ".join(late.mapped("name")),
                )
            )

    def _send_to_tms(self, flow_code):
        """Log an outbound message per shipment; its job calls the TMS."""
        Message = self.env["logistics.message"]
        for shipment in self:
            document = shipment._canonical_document()
            message, outcome, reason = Message._send(
                flow_code,
                document,
                endpoint_id=shipment.endpoint_id.id,
                correlation_id=shipment.correlation_id,
                res_model=shipment._name,
                res_id=shipment.id,
                aggregate_key=False,
            )
            if outcome == "rejected":
                raise UserError(
                    _(
                        "Shipment %(name)s cannot be sent to the TMS: %(reason)s",
                        name=shipment.name,
                        reason=reason,
                    )
                )
            if not shipment.correlation_id:
                shipment.correlation_id = message.correlation_id

    @api.model
    def _canonical_schema(self):
        return canonical_schema()

    def _canonical_document(self):
        """The shipment as the suite's canonical document (schemas/shipment.v1)."""
        self.ensure_one()
        return {
            "reference": self.name,
            "order_reference": self.order_reference or self.name,
            "customer_po": self.customer_po or None,
            "service_level": self.service_level,
            "shipper": self._party(self.shipper_id),
            "consignee": self._party(self.consignee_id),
            "items": [line._canonical_item() for line in self.line_ids],
            "packages": self._canonical_packages(),
            "requested_pickup_window": self._window(
                self.requested_pickup_start, self.requested_pickup_end
            ),
            "requested_delivery_window": self._window(
                self.requested_delivery_start, self.requested_delivery_end
            ),
            "route_constraints": {
                "vehicle_type": self.vehicle_type or None,
                "temperature_min_c": self.temperature_min_c
                if self.temperature_controlled
                else None,
                "temperature_max_c": self.temperature_max_c
                if self.temperature_controlled
                else None,
                "hazardous_goods": self.hazardous_goods,
                "tail_lift": self.tail_lift,
            },
            "billing": {
                "customer_po": self.customer_po or None,
                "order_reference": self.order_reference or self.name,
                "bill_to": (
                    self.partner_id or self.consignee_id
                ).commercial_partner_id.name,
            },
            "totals": {
                "weight_kg": self.total_weight_kg,
                "volume_m3": self.total_volume_m3,
                "package_count": self.package_count,
            },
        }

    @staticmethod
    def _party(partner):
        return {
            "name": partner.name or partner.commercial_partner_id.name,
            "street": partner.street or None,
            "street2": partner.street2 or None,
            "city": partner.city or None,
            "zip": partner.zip or None,
            "state": partner.state_id.name or None,
            "country_code": partner.country_id.code or None,
            "phone": partner.phone or None,
            "email": partner.email or None,
            "contact_name": partner.name if partner.parent_id else None,
        }

    def _window(self, start, end):
        timezone = pytz.timezone(self.window_tz or "UTC")

        def local(moment):
            return pytz.utc.localize(moment).astimezone(timezone).isoformat()

        if not (start and end):
            return None
        return {"start": local(start), "end": local(end), "timezone": timezone.zone}

    def _canonical_packages(self):
        packages = {}
        for line in self.line_ids.filtered("package_ref"):
            package = packages.setdefault(
                line.package_ref, {"package_ref": line.package_ref, "weight_kg": 0.0}
            )
            package["weight_kg"] += line.weight_kg
        return list(packages.values())

    def _tms_payload(self, message):
        """The TMS's payload: the message's canonical document through the mapping."""
        try:
            return mapping.render(message.endpoint_id._tms_template(), message.payload)
        except mapping.MappingError as err:
            raise errors.PermanentError(str(err), details=err.details) from err

    @api.model
    def _tms_send_release(self, message):
        shipment = self.browse(message.res_id)
        client = message.endpoint_id._tms_client(message.correlation_id)
        reference = client.release(self._tms_payload(message))
        shipment._logistics_apply({"tms_reference": reference}, TMS, message)
        shipment.message_post(
            body=_(
                "Released to %(tms)s as %(ref)s (correlation %(corr)s).",
                tms=message.endpoint_id.name,
                ref=reference,
                corr=message.correlation_id,
            )
        )
        return {"tms_reference": reference}

    @api.model
    def _tms_send_amend(self, message):
        shipment = self.browse(message.res_id)
        if not shipment.tms_reference:
            raise errors.RetryableError(
                _("The release of %s is not answered yet.", shipment.name), system=TMS
            )
        client = message.endpoint_id._tms_client(message.correlation_id)
        client.amend(shipment.tms_reference, self._tms_payload(message))
        return {"amended": shipment.tms_reference}

    @api.model
    def _tms_send_cancel(self, message):
        shipment = self.browse(message.res_id)
        if not shipment.tms_reference:
            return {"cancelled": False, "reason": "never reached the TMS"}
        client = message.endpoint_id._tms_client(message.correlation_id)
        client.cancel(shipment.tms_reference, _("Cancelled in Odoo"))
        return {"cancelled": shipment.tms_reference}

    @api.model
    def _tms_outbound_dead(self, message):
        """The TMS refused a release, an amendment or a cancellation for good."""
        shipment = self.browse(message.res_id).exists()
        if shipment:
            shipment._raise_exception(
                "tms_refused",
                _(
                    "%(flow)s refused by the TMS: %(error)s",
                    flow=message.flow_id.name,
                    error=message.last_error,
                ),
                message,
            )

    # ------------------------------------------------------------------
    # TMS -> Odoo

    @api.model
    def _tms_receive_events(self, endpoint, events, correlation_id=None):
        """Log TMS events (webhook batch or polled page); return one result each.

        Each event goes to the flow `_tms_event_flow` names (milestones by
        default); results come back in the order of the events.
        """
        by_flow = {}
        for position, event in enumerate(events):
            by_flow.setdefault(self._tms_event_flow(event), []).append(position)
        results = [None] * len(events)
        Message = self.env["logistics.message"]
        for flow_code, positions in by_flow.items():
            items = [self._tms_event_item(events[i], correlation_id) for i in positions]
            answers = Message._receive_batch(flow_code, items, endpoint=endpoint)
            for position, answer in zip(positions, answers, strict=True):
                results[position] = answer
        return results

    @api.model
    def _tms_event_flow(self, event):
        """The flow of a TMS event; other addons route their event types here."""
        return "tms.event"

    @api.model
    def _tms_event_item(self, event, correlation_id):
        """Message values of one event (a JSON object; the schema checks the rest)."""
        aggregate = event.get("aggregate")
        aggregate_id = aggregate.get("id") if isinstance(aggregate, dict) else None
        return {
            "payload": event,
            "idempotency_key": event.get("event_id"),
            "external_id": event.get("event_id"),
            "aggregate_key": "tms-shipment/%s" % aggregate_id
            if aggregate_id
            else False,
            "event_time": _parse_time(event.get("occurred_at")),
            "event_sequence": event.get("sequence"),
            "correlation_id": event.get("correlation_id") or correlation_id,
            "res_model": self._name,
        }

    def _tms_apply_event(self, message):
        """Apply one TMS event: milestone, TMS-owned fields, status, exceptions.

        Called on the shipments its chunk is about (`_tms_prepare_events`).
        """
        event = message.payload
        data = event["data"]
        shipment = self._tms_find(message, data)
        code = self._tms_canonical_code(message.endpoint_id, data["status_code"])
        milestone = shipment._add_milestone(message, code)
        # The status is Odoo's: derived from the TMS's milestones, never copied.
        new_status = milestones.next_status(shipment.status, code)
        shipment._apply_tms_values(
            message, {"status": new_status} if new_status else {}
        )
        shipment._tms_exceptions(code, data, message)
        return {
            "shipment": shipment.name,
            "milestone": code,
            "milestone_id": milestone.id,
            "status": shipment.status,
        }

    def _tms_record_history(self, message):
        """A stale event: on the timeline, never over newer state."""
        data = message.payload["data"]
        shipment = self._tms_find(message, data)
        code = self._tms_canonical_code(message.endpoint_id, data["status_code"])
        milestone = shipment._add_milestone(message, code, stale=True)
        shipment._apply_tms_values(message)
        return {"shipment": shipment.name, "milestone_id": milestone.id}

    @api.model
    def _tms_prepare_events(self, messages):
        """The shipments a chunk of TMS events is about, found in one query."""
        references = {message.payload["data"]["shipment_id"] for message in messages}
        return self.search(
            [
                ("endpoint_id", "in", messages.endpoint_id.ids),
                ("tms_reference", "in", list(references)),
            ]
        )

    def _tms_find(self, message, data):
        """The shipment an event is about; the message is linked to it.

        Looked up among these shipments (those `_tms_prepare_events` found for
        the event's chunk) first, then in the database.
        """
        endpoint = message.endpoint_id
        shipment = self.filtered(
            lambda s: (
                s.tms_reference == data["shipment_id"] and s.endpoint_id == endpoint
            )
        )[:1] or self.search(
            [
                ("endpoint_id", "=", endpoint.id),
                ("tms_reference", "=", data["shipment_id"]),
            ],
            limit=1,
        )
        if not shipment and data.get("external_reference"):
            # The event can overtake the answer to the release: match our reference.
            shipment = self.search(
                [
                    ("endpoint_id", "=", endpoint.id),
                    ("name", "=", data["external_reference"]),
                ],
                limit=1,
            )
        if not shipment:
            raise errors.RetryableError(
                _(
                    "No shipment of %(tms)s is known as %(ref)s yet.",
                    tms=endpoint.name,
                    ref=data["shipment_id"],
                ),
                system=TMS,
            )
        message.write({"res_model": self._name, "res_id": shipment.id})
        return shipment

    @api.model
    def _tms_canonical_code(self, endpoint, tms_code):
        try:
            return milestones.canonical_code(tms_code, endpoint._tms_status_table())
        except milestones.UnknownStatusCode as err:
            raise errors.PermanentError(str(err), system=TMS) from err

    def _apply_tms_values(self, message, odoo_vals=None):
        """Write what the event tells, field by field, unless a newer event did.

        The TMS's fields go through the ownership guard; the time of each, with
        `odoo_vals` (Odoo's own fields the event decides, e.g. the status), in
        one more write.
        """
        self.ensure_one()
        event_time = fields.Datetime.to_string(
            message.event_time or fields.Datetime.now()
        )
        times = dict(self.tms_field_times or {})
        vals = {
            name: value
            for name, value in self._tms_owned_values(message.payload).items()
            if times.get(name, "") <= event_time
        }
        own = dict(odoo_vals or {})
        if vals:
            self._logistics_apply(vals, TMS, message)
            own["tms_field_times"] = dict(times, **dict.fromkeys(vals, event_time))
        if own:
            self.write(own)

    def _tms_owned_values(self, event):
        self.ensure_one()
        data = event["data"]
        vals = {}
        if not self.tms_reference:
            vals["tms_reference"] = data["shipment_id"]
        if data.get("carrier"):
            vals["carrier_id"] = self._carrier(data["carrier"]).id
        if data.get("tracking_number"):
            vals["tracking_number"] = data["tracking_number"]
        if data.get("tracking_url"):
            if url_guard.is_web_url(data["tracking_url"]):
                vals["tracking_url"] = data["tracking_url"]
            else:
                self._tms_ignore_tracking_url(
                    data["tracking_url"], event.get("correlation_id")
                )
        if data.get("eta"):
            vals["eta"] = _parse_time(data["eta"])
        pod = data.get("pod")
        if pod:
            vals.update(
                pod_signed_by=pod.get("signed_by"),
                pod_signed_at=_parse_time(pod.get("signed_at")),
                pod_attachment_id=self._attach_pod(pod).id,
            )
        return vals

    def _tms_ignore_tracking_url(self, value, correlation_id=None):
        """A tracking URL that is no http(s) link is not stored: say so."""
        self.ensure_one()
        shown = str(value)[:SHOWN_VALUE_LENGTH]
        _logger.warning(
            "[%s] %s: tracking URL from the TMS ignored (not http(s)): %r",
            correlation_id or self.correlation_id,
            self.name,
            shown,
        )
        self.message_post(
            body=_(
                "The TMS sent a tracking URL that is not an http(s) link; it was "
                "ignored: %s",
                shown,
            ),
            subtype_xmlid="mail.mt_note",
        )

    @api.model
    def _carrier(self, carrier):
        Partner = self.env["res.partner"]
        partner = Partner.search([("scac_code", "=", carrier.get("scac"))], limit=1)
        if not partner:
            partner = Partner.create(
                {
                    "name": carrier.get("name") or carrier.get("scac"),
                    "scac_code": carrier.get("scac"),
                    "is_company": True,
                }
            )
        return partner

    def _attach_pod(self, pod):
        """The proof of delivery, on the shipment and on its delivery orders."""
        attachment = self.env["ir.attachment"].create(
            self._prepare_pod_attachment_vals(pod)
        )
        for picking in self.picking_ids:
            attachment.copy({"res_model": picking._name, "res_id": picking.id})
        return attachment

    def _prepare_pod_attachment_vals(self, pod):
        self.ensure_one()
        return {
            "name": pod.get("filename") or "POD-%s.pdf" % self.name,
            "raw": base64.b64decode(pod.get("content_base64") or b""),
            "res_model": self._name,
            "res_id": self.id,
            "mimetype": "application/pdf",
        }

    def _add_milestone(self, message, code, stale=False):
        self.ensure_one()
        data = message.payload["data"]
        location = data.get("location") or {}
        return self.env["logistics.shipment.milestone"].create(
            {
                "shipment_id": self.id,
                "code": code,
                "tms_code": data["status_code"],
                "event_time": message.event_time or fields.Datetime.now(),
                "timezone": data.get("timezone"),
                "location": ", ".join(
                    filter(
                        None,
                        (
                            location.get("name"),
                            location.get("city"),
                            location.get("country"),
                        ),
                    )
                ),
                "reason_code": data.get("reason_code"),
                "reason": data.get("reason"),
                "message_id": message.id,
                "is_stale": stale,
            }
        )

    def _tms_exceptions(self, code, data, message):
        """Declined tenders, failed or refused deliveries, returns and delays."""
        self.ensure_one()
        reason = " ".join(filter(None, (data.get("reason_code"), data.get("reason"))))
        if code == "TD":
            self._raise_exception(
                "tms_refused", _("The TMS declined the tender: %s", reason), message
            )
            return
        if code in EXCEPTION_FOR_CODE:
            self._raise_exception(EXCEPTION_FOR_CODE[code], reason, message)
            return
        late_by = delay.delay_minutes(
            self.eta or None, self.promised_delivery_end or None
        )
        if late_by:
            note = _(
                "ETA %(eta)s is %(minutes)s minutes past the promised window.",
                eta=self.eta,
                minutes=late_by,
            )
            self._raise_exception("delay", note, message)
        elif code == "SD":
            self._raise_exception(
                "delay", _("The TMS reports a delay: %s", reason), message
            )

    def _raise_exception(self, exception_type, note, message=None):
        """Put the shipment in exception once: state, activity, chatter."""
        self.ensure_one()
        if self.exception_type == exception_type:
            return
        self.write(
            {
                "exception_type": exception_type,
                "exception_note": note,
                "exception_resolved_at": False,
                **({"status": "exception"} if exception_type != "delay" else {}),
            }
        )
        self.activity_schedule(
            "logistics_tms_connector.mail_activity_type_shipment_exception",
            summary=dict(EXCEPTION_TYPES)[exception_type],
            note=note,
            user_id=self._exception_user().id,
        )
        self.message_post(
            body=_(
                "Exception: %(type)s. %(note)s (correlation %(corr)s)",
                type=dict(EXCEPTION_TYPES)[exception_type],
                note=note,
                corr=message.correlation_id if message else self.correlation_id,
            )
        )

    def _exception_user(self):
        warehouse = self.picking_ids.picking_type_id.warehouse_id[:1]
        return (
            warehouse.tms_exception_user_id
            or self.sale_order_id.user_id
            or self.endpoint_id.create_uid
            or self.env.ref("base.user_admin")
        )

    @api.model
    def _cron_detect_overdue(self):
        """Shipments past their promised window with no delivery: a delay."""
        overdue = self.search(
            [
                ("status", "in", OPEN_STATUSES),
                ("promised_delivery_end", "<", fields.Datetime.now()),
                ("exception_type", "=", False),
            ]
        )
        for shipment in overdue:
            shipment._raise_exception(
                "delay",
                _(
                    "Not delivered by the promised %(end)s; last news: %(last)s.",
                    end=shipment.promised_delivery_end,
                    last=shipment.milestone_ids.sorted("event_time")[-1:].label
                    or _("none"),
                ),
            )
        return len(overdue)

    # ------------------------------------------------------------------
    # creation from Odoo documents

    @api.model
    def _create_from_pickings(self, pickings):
        """One shipment per outgoing picking that has none, for its warehouse's TMS."""
        shipments = self.browse()
        for picking in pickings.filtered(
            lambda p: p.picking_type_code == "outgoing" and not p.logistics_shipment_id
        ):
            endpoint = picking.picking_type_id.warehouse_id.tms_endpoint_id
            if not endpoint:
                raise UserError(
                    _(
                        "Warehouse %s has no TMS endpoint: set one in its settings.",
                        picking.picking_type_id.warehouse_id.name,
                    )
                )
            shipments |= self.create(picking._prepare_shipment_vals(endpoint))
        return shipments


def _parse_time(value):
    """An RFC 3339 timestamp as a naive UTC datetime (None if absent or bad)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo:
        moment = moment.astimezone(pytz.utc).replace(tzinfo=None)
    return moment


def default_windows(start):
    """Pickup in the next hours, delivery within days: when nothing was promised."""
    pickup_end = start + timedelta(hours=DEFAULT_PICKUP_HOURS)
    return start, pickup_end, pickup_end, start + timedelta(days=DEFAULT_DELIVERY_DAYS)
