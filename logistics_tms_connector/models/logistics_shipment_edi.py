import logging

import pytz

from odoo import _, api, models

from odoo.addons.logistics_integration_base.lib import correlation, errors, receipt

from ..lib import edi
from .logistics_shipment import TMS

_logger = logging.getLogger(__name__)

INVOICE_FLOW = "freight.invoice"  # freight settlement's, when installed
ACKNOWLEDGEMENT_FLOW = "edi.acknowledgement"
ACKNOWLEDGEMENT_OUT_FLOW = "edi.acknowledgement.send"


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """Shipments of EDI carriers: the release, amendment and cancellation are
    tender files (204 / IFTMIN) written to the carrier's folder, and the
    carrier's files become the same canonical events as a REST TMS's, applied
    by the same flow (``tms.event``), its status codes through the endpoint's
    milestone mapping."""

    _inherit = "logistics.shipment"

    @api.model
    def _tms_send_release(self, message):
        if message.endpoint_id.edi_standard:
            return self._edi_send(message, "release")
        return super()._tms_send_release(message)

    @api.model
    def _tms_send_amend(self, message):
        if message.endpoint_id.edi_standard:
            return self._edi_send(message, "amend")
        return super()._tms_send_amend(message)

    @api.model
    def _tms_send_cancel(self, message):
        if message.endpoint_id.edi_standard:
            return self._edi_send(message, "cancel")
        return super()._tms_send_cancel(message)

    @api.model
    def _edi_send(self, message, operation):
        """Write (or POST) the tender file of a message, kept on it. A retry
        writes the same file again: the control number is drawn without gaps
        (a failed attempt returns it) and the time is the message's own."""
        endpoint = message.endpoint_id
        control = endpoint._edi_next_control()
        name, text = edi.tender_file(
            endpoint.edi_standard,
            message.payload,
            endpoint._edi_parties(),
            control,
            pytz.utc.localize(message.create_date),
            operation=operation,
        )
        delivery = endpoint._edi_deliver(name, text, message.correlation_id)
        self._edi_keep_file(message, name, text)
        message.edi_control_number = control
        return {"edi_file": name, "control_number": control, **delivery}

    @api.model
    def _edi_pick_up(self, endpoint):
        """Log the events of the carrier's files; return how many were new.

        A file is removed from the carrier's folder once the message log holds
        every set of it (seen again on a later pickup): a pickup that fails
        before its transaction commits leaves the file to be read again, and
        its sets already logged are refused as duplicates by their keys.
        """
        target = endpoint._edi_inbound_target()
        new = 0
        for name in target.list():
            text = target.get(name).decode("utf-8", errors="replace")
            try:
                answers = self._edi_receive(endpoint, name, text)
            except edi.EdiError as err:
                _logger.warning(
                    "EDI file %s of %s cannot be read and stays: %s",
                    name,
                    endpoint.code,
                    err,
                )
                continue
            created = _accepted(answers)
            if created:
                new += len(created)
            else:
                target.remove(name)  # every set is in the log already
        return new

    @api.model
    def _edi_receive(self, endpoint, name, text, correlation_id=None):
        """Log the sets of one interchange of the carrier, a file picked up or
        a request received; return the answers of the message log.

        The interchange is kept on its first new message and acknowledged
        (997 / CONTRL); one whose sets are all logged already changes nothing.

        :raises edi.EdiError: the text is not a readable interchange (nothing
            of it is logged then, not even the sets read before the one that
            failed)
        """
        items = edi.read_file(
            endpoint.edi_standard, text, endpoint.edi_local_zone or None
        )
        with self.env.cr.savepoint():
            answers = self._edi_log_items(endpoint, items, correlation_id)
        created = _accepted(answers)
        if created:
            self._edi_keep_file(created[0], name, text)
            self._edi_acknowledge(endpoint, text, created[0])
        return answers

    @api.model
    def _edi_log_items(self, endpoint, items, correlation_id=None):
        """Log the sets of one file, each in its flow; return the answers."""
        Message = self.env["logistics.message"]
        correlation_id = correlation_id or correlation.new_id()
        events = [e for item in items if item.kind == edi.EVENTS for e in item.content]
        answers = list(self._tms_receive_events(endpoint, events, correlation_id))
        for item in items:
            if item.kind == edi.INVOICE:
                payload = edi.invoice_payload(
                    item.content,
                    endpoint.edi_scac,
                    endpoint.company_id.currency_id.name,
                )
                flow = INVOICE_FLOW
            elif item.kind == edi.ACKNOWLEDGEMENT:
                payload = edi.acknowledgement_payload(
                    endpoint.edi_standard, item.content
                )
                flow = ACKNOWLEDGEMENT_FLOW
            else:
                continue
            if not self.env["logistics.flow"].search_count([("code", "=", flow)]):
                _logger.warning(
                    "EDI %s %s: flow %s is not installed", item.kind, item.key, flow
                )
                continue
            answers += Message._receive_batch(
                flow,
                [
                    {
                        "payload": payload,
                        "idempotency_key": item.key,
                        "external_id": item.key,
                        "correlation_id": correlation_id,
                    }
                ],
                endpoint=endpoint,
            )
        return answers

    @api.model
    def _edi_acknowledge(self, endpoint, text, received):
        """Queue the 997 / CONTRL answering a carrier's file (through the
        message log, as the file it answers is)."""
        summary = edi.receipt_summary(endpoint.edi_standard, text)
        if not summary:
            return  # acknowledgements are not acknowledged
        self.env["logistics.message"]._send(
            ACKNOWLEDGEMENT_OUT_FLOW,
            summary,
            endpoint_id=endpoint.id,
            correlation_id=received.correlation_id,
            idempotency_key="ack/%s" % received.idempotency_key,
        )

    @api.model
    def _edi_send_acknowledgement(self, message):
        """Write (or POST) the 997 / CONTRL of a message to the carrier."""
        endpoint = message.endpoint_id
        control = endpoint._edi_next_control()
        name, text = edi.acknowledgement_file(
            message.payload,
            endpoint._edi_parties(),
            control,
            pytz.utc.localize(message.create_date),
        )
        delivery = endpoint._edi_deliver(name, text, message.correlation_id)
        self._edi_keep_file(message, name, text)
        message.edi_control_number = control
        return {"edi_file": name, "control_number": control, **delivery}

    @api.model
    def _edi_apply_acknowledgement(self, message):
        """The carrier's 997 / CONTRL: marks the tender file it acknowledges."""
        payload = message.payload
        tenders = self.env["logistics.message"].search(
            [
                ("endpoint_id", "=", message.endpoint_id.id),
                ("direction", "=", "outbound"),
                ("edi_control_number", "=", payload["control_number"]),
            ]
        )
        if not tenders:
            raise errors.PermanentError(
                _(
                    "%(endpoint)s acknowledged control number %(control)s, which "
                    "Odoo never sent.",
                    endpoint=message.endpoint_id.name,
                    control=payload["control_number"],
                ),
                system=TMS,
            )
        tenders.edi_acknowledgement = "accepted" if payload["accepted"] else "rejected"
        return {"acknowledged": tenders.ids, "accepted": payload["accepted"]}

    @api.model
    def _edi_keep_file(self, message, name, text):
        self.env["ir.attachment"].sudo().create(
            {
                "name": name,
                "raw": text.encode("utf-8"),
                "res_model": message._name,
                "res_id": message.id,
                "mimetype": "text/plain",
            }
        )


def _accepted(answers):
    """The messages newly logged, of the answers of the message log."""
    return [
        message for message, outcome, _reason in answers if outcome == receipt.ACCEPTED
    ]
