import functools
import json
from datetime import timedelta
from pathlib import Path

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.logistics_integration_base.lib import trust, url_guard

from ..lib import milestones

# The shipment's seams: this file holds the canonical document (fields,
# computes, CRUD, actions); sending to the TMS is in
# logistics_shipment_outbound.py, applying its events in
# logistics_shipment_inbound.py, exceptions in logistics_shipment_exception.py.

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "shipment.v1.json"
TMS = "tms"
DEFAULT_PICKUP_HOURS = 4
DEFAULT_DELIVERY_DAYS = 2
SHOWN_VALUE_LENGTH = 200
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
    "delivery_instructions",
    "delivery_contact_name",
    "delivery_contact_phone",
    "delivery_contact_email",
    "package_ids",
}
EXCEPTION_TYPES = [
    ("delay", "Delayed past the promised window"),
    ("failed_delivery", "Failed delivery attempt"),
    ("refused", "Refused by the consignee"),
    ("returned", "Returned to shipper"),
    ("tms_refused", "Refused by the TMS"),
    ("missed_appointment", "Missed delivery appointment"),
]


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
        milestones.STATUSES,
        required=True,
        default=milestones.STATUS_DRAFT,
        tracking=True,
        # Indexed with the company (logistics_shipment_service_report.py).
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
        vals_list = [
            dict(vals, name=self._logistics_next_number("logistics.shipment", vals))
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
            self.filtered(
                lambda s: s.status in milestones.AMENDABLE_STATUSES
            )._send_to_tms("shipment.amend")
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
    # the canonical document (what the outbound flows send)

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

    # ------------------------------------------------------------------
    # creation from Odoo documents

    @api.model
    def _create_from_pickings(self, pickings):
        """One shipment per outgoing picking that has none, for the endpoint
        its routing picks (see logistics.routing.rule)."""
        shipments = self.browse()
        for picking in pickings.filtered(
            lambda p: p.picking_type_code == "outgoing" and not p.logistics_shipment_id
        ):
            endpoint, rule = picking._logistics_route()
            if not endpoint:
                raise UserError(
                    _(
                        "No routing rule matches %(picking)s and warehouse "
                        "%(warehouse)s has no TMS endpoint: set one in its "
                        "settings, or add a routing rule.",
                        picking=picking.name,
                        warehouse=picking.picking_type_id.warehouse_id.name,
                    )
                )
            shipments |= self.create(
                {
                    **picking._prepare_shipment_vals(endpoint),
                    **self._routing_vals(picking, rule),
                }
            )
        return shipments


def default_windows(start):
    """Pickup in the next hours, delivery within days: when nothing was promised."""
    pickup_end = start + timedelta(hours=DEFAULT_PICKUP_HOURS)
    return start, pickup_end, pickup_end, start + timedelta(days=DEFAULT_DELIVERY_DAYS)
