from odoo import _, api, models
from odoo.exceptions import UserError

from odoo.addons.logistics_integration_base.lib import errors, receipt, states

from ..lib import mapping, milestones
from .logistics_shipment import TMS

OPERATION_OF_FLOW = {"shipment.release": "release", "shipment.amend": "amend"}


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """Odoo -> TMS: release, amendment and cancellation of shipments."""

    _inherit = "logistics.shipment"

    def _release(self):
        """Release these draft shipments: the actions' and the triggers' step."""
        for shipment in self:
            if shipment.status != milestones.STATUS_DRAFT:
                raise UserError(_("Shipment %s was already released.", shipment.name))
        self.write({"status": milestones.STATUS_RELEASED})
        self._send_to_tms("shipment.release")
        return True

    def _cancel(self):
        """Cancel these shipments (and tell their TMS): also when orders cancel."""
        released = self.filtered(lambda s: s.status in milestones.OPEN_STATUSES)
        done = self.filtered(
            lambda s: (
                s.status in (milestones.STATUS_DELIVERED, milestones.STATUS_RETURNED)
            )
        )
        if done:
            raise UserError(
                _(
                    "Delivered shipments cannot be cancelled: %s",
                    ", ".join(done.mapped("name")),
                )
            )
        self.write({"status": milestones.STATUS_CANCELLED})
        self._supersede_unsent()._supersede(
            _("The shipment was cancelled before this was sent to the TMS.")
        )
        released._send_to_tms("shipment.cancel")
        return True

    def _supersede_unsent(self):
        """The outbound messages of these shipments a cancel makes moot.

        Exactly once toward the TMS: a release that never left Odoo (queued,
        never attempted nor replayed) or was given up (dead) is superseded and
        never sent; pending amendments too. A release that was attempted may
        have reached the TMS (a lost answer): it stays, and the cancel, logged
        after it on the shipment's aggregate, waits for it (`_held_back` of the
        message log): the TMS gets the release, then the cancel. One in flight
        holds its row until it ends: superseding it then is run again.
        """
        # As the integration: whoever cancels the order need not read the log.
        messages = (
            self.env["logistics.message"]
            .sudo()
            .search(
                [
                    ("aggregate_key", "in", [s._tms_aggregate_key() for s in self]),
                    ("direction", "=", "outbound"),
                    ("flow_code", "in", ["shipment.release", "shipment.amend"]),
                    ("state", "in", list(states.SUPERSEDABLE_STATES)),
                ]
            )
        )
        return messages.filtered(
            lambda m: (
                m.flow_code == "shipment.amend"
                or m.state == states.DEAD
                or not (m.attempts or m.replay_count)
            )
        )

    def _tms_aggregate_key(self):
        """What the shipment's outbound messages are ordered on."""
        self.ensure_one()
        return "%s/%s" % (self._name, self.id)

    def _check_amendable(self):
        late = self.filtered(
            lambda s: (
                s.status
                not in (
                    milestones.STATUS_DRAFT,
                    *milestones.AMENDABLE_STATUSES,
                    milestones.STATUS_CANCELLED,
                )
            )
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
                aggregate_key=shipment._tms_aggregate_key(),
            )
            if outcome == receipt.REJECTED:
                raise UserError(
                    _(
                        "Shipment %(name)s cannot be sent to the TMS: %(reason)s",
                        name=shipment.name,
                        reason=reason,
                    )
                )
            if not shipment.correlation_id:
                shipment.correlation_id = message.correlation_id

    def _tms_payload(self, message):
        """The TMS's payload: the message's canonical document through the
        endpoint's JSONata mapping of the operation (release or amend).

        An endpoint still holding a template of the former language (the
        deprecated `tms_mapping_template`) renders it until it is replaced.
        """
        endpoint = message.endpoint_id
        if endpoint.tms_mapping_template:
            try:
                return mapping.render(endpoint._tms_template(), message.payload)
            except mapping.MappingError as err:
                raise errors.PermanentError(str(err), details=err.details) from err
        operation = OPERATION_OF_FLOW[message.flow_code]
        return endpoint._tms_map_outbound(operation, message.payload)

    def _tms_mapping_input(self, operation):
        """What an outbound mapping of ``operation`` gets for this shipment (the
        mapping editor's preview; the sending code builds the same)."""
        self.ensure_one()
        if operation in ("release", "amend"):
            return self._canonical_document()
        if operation == "cancel":
            return {"reference": self.tms_reference, "reason": _("Cancelled in Odoo")}
        return {"reference": self.tms_reference, "window": None, "reason": None}

    @api.model
    def _tms_client_for(self, message):
        """The TMS client of a message: its calls carry the message's key."""
        return message.endpoint_id._tms_client(
            message.correlation_id, idempotency_key=self._tms_idempotency_key(message)
        )

    @api.model
    def _tms_idempotency_key(self, message):
        """The `Idempotency-Key` of a message's calls, the same on every retry
        and replay: the TMS answers a repeat with its first answer."""
        if message.idempotency_key:
            return message.idempotency_key
        database = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return "odoo-%s-message-%s" % (database or self.env.cr.dbname, message.id)

    @api.model
    def _tms_send_release(self, message):
        shipment = self.browse(message.res_id)
        client = self._tms_client_for(message)
        reference = client.release(self._tms_payload(message))
        shipment._logistics_apply({"tms_reference": reference}, TMS, message)
        # A note nobody is notified of, as message_post made it, without its
        # notification pass: a third of a release's time (PROFILE.md, round 5).
        shipment._message_log(
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
        client = self._tms_client_for(message)
        client.amend(shipment.tms_reference, self._tms_payload(message))
        return {"amended": shipment.tms_reference}

    @api.model
    def _tms_send_cancel(self, message):
        shipment = self.browse(message.res_id)
        if not shipment.tms_reference:
            # Sent after the release ended (`_held_back`): a release given up
            # meanwhile must not be replayed for a cancelled shipment.
            shipment._supersede_unsent()._supersede(
                _("The shipment was cancelled; this was never answered by the TMS.")
            )
            return {"cancelled": False, "reason": "never reached the TMS"}
        client = self._tms_client_for(message)
        client.cancel(shipment.tms_reference, _("Cancelled in Odoo"))
        return {"cancelled": shipment.tms_reference}

    @api.model
    def _tms_outbound_dead(self, message):
        """The TMS refused a release, an amendment or a cancellation for good."""
        shipment = self.browse(message.res_id).exists()
        cancelled = shipment.status == milestones.STATUS_CANCELLED
        if shipment and cancelled and message.flow_code != "shipment.cancel":
            # Moot once the shipment is cancelled: no exception to work on.
            shipment.message_post(
                body=_(
                    "%(flow)s given up after the shipment was cancelled: %(error)s",
                    flow=message.flow_id.name,
                    error=message.last_error,
                )
            )
        elif shipment:
            shipment._raise_exception(
                "tms_refused",
                _(
                    "%(flow)s refused by the TMS: %(error)s",
                    flow=message.flow_id.name,
                    error=message.last_error,
                ),
                message,
            )
