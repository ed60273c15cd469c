from datetime import timedelta

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib import milestones
from .logistics_shipment import default_windows

SECONDS_PER_HOUR = 3600


class StockPicking(models.Model):
    _inherit = "stock.picking"

    logistics_shipment_id = fields.Many2one(
        "logistics.shipment", string="Shipment", copy=False, index="btree_not_null"
    )
    logistics_shipment_status = fields.Selection(
        related="logistics_shipment_id.status", string="Shipment status"
    )
    logistics_validated_by = fields.Selection(
        [("tms", "A TMS event"), ("warehouse", "The warehouse")],
        string="Validated by",
        copy=False,
        readonly=True,
        help="Who validated this delivery order of a shipment: the TMS's pickup "
        "or delivery event (as the warehouse or delivery method says), or the "
        "warehouse before that event came.",
    )
    logistics_validation_message_id = fields.Many2one(
        "logistics.message",
        string="Validating TMS event",
        copy=False,
        readonly=True,
        help="The TMS event that validated this delivery order.",
    )

    def action_logistics_release(self):
        """Create the shipments of these delivery orders and release them."""
        self._logistics_check_access("write")
        self.env["logistics.shipment"].check_access("create")
        shipments = self.env["logistics.shipment"]._create_from_pickings(self)
        if not shipments:
            raise UserError(_("These transfers already have their shipments."))
        shipments._release()
        return True

    def action_cancel(self):
        if self:  # on no transfer, Odoo's contract: nothing to do, nothing checked
            self.check_access("write")
        result = super().action_cancel()
        # Whoever may cancel the transfer cancels its open shipment (the TMS is
        # told), Shipments rights or not.
        self.sudo().logistics_shipment_id.filtered(
            lambda s: (
                s.status not in milestones.CLOSED_STATUSES
                and all(p.state == "cancel" for p in s.picking_ids)
            )
        )._cancel()
        return result

    def _logistics_release_ready(self):
        """Release the ready delivery orders of warehouses that want it."""
        ready = self.filtered(
            lambda p: (
                p.state == "assigned"
                and p.picking_type_code == "outgoing"
                and not p.logistics_shipment_id
                and p._tms_release_trigger() == "picking_ready"
                and p._logistics_route()[0]
            )
        )
        if ready:
            # The release trigger acts for the integration, whoever reserves.
            self.env["logistics.shipment"].sudo()._create_from_pickings(
                ready
            )._release()

    def _tms_release_trigger(self):
        """The delivery method's release trigger, else the warehouse's."""
        self.ensure_one()
        carrier = self.carrier_id or self.sale_id.carrier_id
        return (
            carrier.tms_release_trigger
            or self.picking_type_id.warehouse_id.tms_release_trigger
        )

    def _tms_validation_trigger(self):
        """The delivery method's validation trigger, else the warehouse's."""
        self.ensure_one()
        carrier = self.carrier_id or self.sale_id.carrier_id
        return (
            carrier.tms_validation_trigger
            or self.picking_type_id.warehouse_id.tms_validation_trigger
        )

    def _prepare_shipment_vals(self, endpoint):
        self.ensure_one()
        order = self.sale_id
        start = self.scheduled_date or fields.Datetime.now()
        pickup_start, pickup_end, delivery_start, delivery_end = default_windows(start)
        if order.commitment_date:
            delivery_end = order.commitment_date
            delivery_start = min(delivery_start, delivery_end - timedelta(hours=4))
        warehouse = self.picking_type_id.warehouse_id
        return {
            "endpoint_id": endpoint.id,
            "company_id": self.company_id.id,
            "sale_order_id": order.id,
            "picking_ids": [fields.Command.link(self.id)],
            "partner_id": (
                order.partner_id or self.partner_id
            ).commercial_partner_id.id,
            "shipper_id": warehouse.partner_id.id or self.company_id.partner_id.id,
            "consignee_id": self.partner_id.id,
            "requested_pickup_start": pickup_start,
            "requested_pickup_end": pickup_end,
            "requested_delivery_start": delivery_start,
            "requested_delivery_end": delivery_end,
            "promised_delivery_end": delivery_end,
            "customer_po": order.client_order_ref,
            "order_reference": order.name or self.name,
            "correlation_id": order.logistics_correlation_id or False,
            "line_ids": [
                fields.Command.create(move._prepare_shipment_line_vals())
                for move in self.move_ids.filtered(lambda m: m.state != "cancel")
            ],
        }
