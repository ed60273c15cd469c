import base64
import logging

from odoo import _, api, fields, models

from odoo.addons.logistics_integration_base.lib import errors, timestamps, url_guard

from ..lib import milestones
from .logistics_shipment import SHOWN_VALUE_LENGTH, TMS

_logger = logging.getLogger(__name__)


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """TMS -> Odoo: events logged, then applied to the shipment they are about."""

    _inherit = "logistics.shipment"

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
            "event_time": timestamps.parse_or_none(event.get("occurred_at")),
            "event_sequence": event.get("sequence"),
            "correlation_id": event.get("correlation_id") or correlation_id,
            "res_model": self._name,
        }

    def _tms_apply_event(self, message):
        """Apply one TMS event: milestone, TMS-owned fields, status, exceptions,
        and the delivery orders it validates (logistics_shipment_stock.py).

        Called on the shipments its chunk is about (`_tms_prepare_events`).
        """
        event = message.payload
        data = event["data"]
        shipment = self._tms_find(message, data)
        code = self._tms_canonical_code(message.endpoint_id, data["status_code"])
        # What put it in exception, before this milestone joins the timeline.
        in_exception = shipment.status == milestones.STATUS_EXCEPTION
        cause = shipment._exception_cause() if in_exception else None
        milestone = shipment._add_milestone(message, code)
        # The status is Odoo's: derived from the TMS's milestones, never copied.
        new_status = milestones.next_status(shipment.status, code, cause)
        shipment._apply_tms_values(
            message, {"status": new_status} if new_status else {}
        )
        if in_exception and code in milestones.RECOVERY_CODES.get(cause, ()):
            shipment._tms_recovered(code, message)
        shipment._tms_exceptions(code, data, message)
        result = {
            "shipment": shipment.name,
            "milestone": code,
            "milestone_id": milestone.id,
            "status": shipment.status,
        }
        delivery_orders = shipment._tms_apply_stock(message, code)
        if delivery_orders:
            result["delivery_orders"] = delivery_orders
        return result

    def _tms_record_history(self, message):
        """A stale event: on the timeline, never over newer state."""
        data = message.payload["data"]
        shipment = self._tms_find(message, data)
        code = self._tms_canonical_code(message.endpoint_id, data["status_code"])
        milestone = shipment._add_milestone(message, code, stale=True)
        shipment._apply_tms_values(message)
        result = {"shipment": shipment.name, "milestone_id": milestone.id}
        # A pickup or delivery reported late still happened.
        delivery_orders = shipment._tms_apply_stock(message, code, stale=True)
        if delivery_orders:
            result["delivery_orders"] = delivery_orders
        return result

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
            vals["eta"] = timestamps.parse_or_none(data["eta"])
        pod = data.get("pod")
        if pod:
            vals.update(
                pod_signed_by=pod.get("signed_by"),
                pod_signed_at=timestamps.parse_or_none(pod.get("signed_at")),
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
        return self.env["logistics.shipment.milestone"].create(
            self._prepare_milestone_vals(message, code, stale=stale)
        )

    def _prepare_milestone_vals(self, message, code, stale=False):
        """The milestone an event puts on the timeline (created one by one,
        or a chunk's together: logistics_shipment_inbound_chunk.py)."""
        self.ensure_one()
        data = message.payload["data"]
        location = data.get("location") or {}
        return {
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
