from odoo import fields, models

from odoo.addons.logistics_integration_base.lib import errors, trust, url_guard

from ..lib import event_fold
from .logistics_shipment import TMS


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """TMS events applied set-based: the chunk method of `tms.event`.

    A chunk's events of one shipment that only put milestones on the timeline,
    update the TMS's fields and move the status forward are folded
    (`lib/event_fold.py`): their milestones are created together with those of
    the other shipments, and the shipment is written once. What users see is
    what the one-by-one path gives: every milestone on the timeline, the same
    fields and status, one tracking entry per chunk. A shipment with any other
    event in the chunk (exception, recovery, appointment, stock validation,
    return, delivery, proof of delivery, stale...) has all its events applied
    one by one (`_tms_apply_event`).
    """

    _inherit = "logistics.shipment"

    def _tms_apply_chunk(self, messages, positions):
        """Fold what can be; return {message id: (shipment, result)} for it.

        Called on the shipments `_tms_prepare_events` found for the chunk,
        with the chunk's messages and their aggregates' locked positions.
        """
        plans = []
        for shipment, group in self._tms_chunk_groups(messages, positions).items():
            folded = shipment._tms_fold(group, positions)
            if folded:
                plans.append((shipment, group, folded))
        if not plans:
            return {}
        created = self.env["logistics.shipment.milestone"].create(
            [
                shipment._prepare_milestone_vals(message, code)
                for shipment, group, _folded in plans
                for message, code in group
            ]
        )
        milestone_ids = iter(created.ids)
        outcomes = {}
        for shipment, group, folded in plans:
            shipment._tms_write_folded(folded)
            for (message, code), status in zip(group, folded.statuses, strict=True):
                outcomes[message.id] = (
                    shipment,
                    {
                        "shipment": shipment.name,
                        "milestone": code,
                        "milestone_id": next(milestone_ids),
                        "status": status,
                    },
                )
        return outcomes

    def _tms_chunk_groups(self, messages, positions):
        """{shipment: [(message, code)]} in event order, for the shipments
        whose every event in the chunk may be folded (and the aggregates of
        those events: one aggregate, one shipment)."""
        by_reference = {(s.endpoint_id.id, s.tms_reference): s for s in self}
        groups, refused = {}, set()
        shipment_of_key = {}
        for message in messages:
            data = message.payload["data"]
            key = message.aggregate_key
            shipment = by_reference.get(
                (message.endpoint_id.id, data.get("shipment_id"))
            )
            code = self._tms_chunk_code(message, data)
            if (
                not shipment
                or not code
                or key not in positions
                or not shipment._tms_chunk_may_fold(message, data, code)
                or shipment_of_key.setdefault(key, shipment) != shipment
            ):
                refused.update((key, shipment))
                continue
            groups.setdefault(shipment, []).append((message, code))
        for shipment, group in groups.items():
            if {message.aggregate_key for message, _code in group} != {
                group[0][0].aggregate_key
            }:
                refused.add(shipment)
        foldable = self.browse(
            [s.id for s, group in groups.items() if s not in refused]
        )._tms_chunk_foldable()
        return {
            shipment: group
            for shipment, group in groups.items()
            if shipment in foldable and group[0][0].aggregate_key not in refused
        }

    def _tms_chunk_code(self, message, data):
        """The event's canonical code, or None: an unknown code fails its
        message on the one-by-one path."""
        try:
            return self._tms_canonical_code(
                message.endpoint_id, data.get("status_code")
            )
        except errors.PermanentError:
            return None

    def _tms_chunk_may_fold(self, message, data, code):
        """Whether this event of the shipment may be folded: its milestone has
        no effect beyond the timeline, the TMS's fields and the status, and
        its data brings no document, quantities or refused tracking URL.
        Addons whose events do more refuse theirs here."""
        self.ensure_one()
        tracking_url = data.get("tracking_url")
        return bool(
            code in event_fold.FOLDABLE_CODES
            and message.event_time
            and not data.get("pod")
            and data.get("items") is None
            and (not tracking_url or url_guard.is_web_url(tracking_url))
        )

    def _tms_chunk_foldable(self):
        """These shipments, less those whose events must each be applied on
        their own whatever the event (addons with side effects per write)."""
        return self

    def _tms_fold(self, group, positions):
        """The fold of the shipment's events (`lib/event_fold.py`), or None."""
        self.ensure_one()
        Ownership = self.env["logistics.field.ownership"]
        events = []
        for message, code in group:
            values = self._tms_owned_values(message.payload)
            # A refused field is a conflict of that message: one by one.
            if Ownership._split_vals(self._name, values, TMS)[1]:
                return None
            events.append(
                event_fold.Event(
                    position=message._position(),
                    stamp=fields.Datetime.to_string(message.event_time),
                    code=code,
                    values=values,
                )
            )
        start = event_fold.Start(
            status=self.status,
            field_times=self.tms_field_times or {},
            position=positions[group[0][0].aggregate_key]._position(),
            eta=self.eta or None,
            promised_end=self.promised_delivery_end or None,
        )
        return event_fold.fold(start, events)

    def _tms_write_folded(self, folded):
        """Write the fold in one write: the TMS's fields (`_tms_fold` found
        the ownership matrix lets the TMS write each of them, so no conflict
        is left to record) with the status and field times, which are Odoo's
        own and decided by its code; `_apply_tms_values` writes them in two."""
        self.ensure_one()
        vals = dict(folded.values)
        if folded.status:
            vals["status"] = folded.status
        if folded.field_times is not None:
            vals["tms_field_times"] = folded.field_times
        if vals:
            self._tms_folded_writer().write(vals)

    def _tms_folded_writer(self):
        """The shipment as the write of a fold sees it: from the TMS, with the
        ownership checked already (a context no client can send)."""
        source = trust.TrustedSource(TMS, bypass_ownership=True)
        return self.with_context(**{trust.SOURCE_KEY: source})
