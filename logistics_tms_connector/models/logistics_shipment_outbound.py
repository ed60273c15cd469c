from odoo import _, api, models
from odoo.exceptions import UserError

from odoo.addons.logistics_integration_base.lib import errors, receipt

from ..lib import mapping, milestones
from .logistics_shipment import TMS


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
        released._send_to_tms("shipment.cancel")
        return True

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
                aggregate_key=False,
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
