import logging

from odoo import SUPERUSER_ID, _, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_is_zero

from odoo.addons.logistics_integration_base.lib import errors

from ..lib import stock_validation

_logger = logging.getLogger(__name__)

ODOO = "odoo"


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """TMS events -> Odoo stock: the delivery order validated on pickup or delivery.

    Called where TMS events are applied (logistics_shipment_inbound.py), inside
    the message's savepoint: a failure is the message's, retried or
    dead-lettered like any other; a repeated or late event finds the delivery
    order done and changes nothing.
    """

    _inherit = "logistics.shipment"

    tms_picked_reported = fields.Boolean(
        string="Quantities reported by the TMS",
        readonly=True,
        copy=False,
        help="The TMS reported the quantities picked up (on the items); "
        "without it, everything was.",
    )

    def _tms_apply_stock(self, message, code, stale=False):
        """Record the quantities an event reports; validate the delivery
        orders it validates (warehouse or delivery method setting).

        :param stale: the event came after newer ones; its quantities only
            count if none were reported yet (the pickup still happened)
        :returns: what was validated, for the message's result
        """
        self.ensure_one()
        items = message.payload["data"].get("items")
        if items is not None and not (stale and self.tms_picked_reported):
            self._tms_record_picked(message, items)
        result = {}
        if code not in stock_validation.VALIDATING:
            return result  # most events: no query spent on the delivery orders
        pickings = self.picking_ids.filtered(
            lambda p: (
                p.picking_type_code == "outgoing"
                and stock_validation.validates(p._tms_validation_trigger(), code)
            )
        )
        for picking in pickings:
            outcome = self._tms_validate_picking(picking, message, code)
            if outcome:
                result[picking.name] = outcome
        return result

    def _tms_record_picked(self, message, items):
        """The quantities picked up, on the lines; notes on items that fit none."""
        self.ensure_one()
        lines = [
            (line.id, line._canonical_item()["product_code"], line.quantity)
            for line in self.line_ids
        ]
        quantities, problems = stock_validation.picked_quantities(lines, items)
        for line in self.line_ids:
            line.picked_quantity = quantities[line.id]
        self.tms_picked_reported = True
        if problems:
            _logger.warning(
                "[%s] %s: quantities from the TMS not applied: %s",
                message.correlation_id,
                self.name,
                "; ".join(problems),
            )
            self.message_post(
                body=_(
                    "Quantities from the TMS that fit no item of the shipment "
                    "were ignored: %s",
                    "; ".join(problems),
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _tms_validate_picking(self, picking, message, code):
        """Validate one delivery order with what was picked up; backorder the rest.

        Runs as the integration (superuser), in the picking's company. A
        delivery order done before (by the warehouse, or by an earlier event)
        or cancelled is left as it is.

        :returns: ``"validated"``, ``"by_warehouse"`` or ``None`` (nothing done)
        """
        self.ensure_one()
        picking = picking.with_user(SUPERUSER_ID).with_company(picking.company_id)
        if picking.state == "cancel":
            return None
        if picking.state == "done":
            if picking.logistics_validated_by:
                return None  # a repeated or late event: done once already
            picking.logistics_validated_by = "warehouse"
            self.message_post(
                body=_(
                    "%(picking)s was validated by the warehouse before the TMS "
                    "reported %(milestone)s: it is left as it is.",
                    picking=picking.name,
                    milestone=code,
                ),
                subtype_xmlid="mail.mt_note",
            )
            return "by_warehouse"
        quantities = self._tms_move_quantities(picking)
        if all(
            float_is_zero(qty, precision_rounding=move.product_uom.rounding)
            for move, qty in quantities.items()
        ):
            self.message_post(
                body=_(
                    "The TMS reported %(milestone)s with nothing picked up: "
                    "%(picking)s stays open.",
                    picking=picking.name,
                    milestone=code,
                ),
                subtype_xmlid="mail.mt_note",
            )
            return None
        for move, qty in quantities.items():
            rounding = move.product_uom.rounding
            if float_compare(move.quantity, qty, precision_rounding=rounding):
                move.quantity = qty
            move.picked = not float_is_zero(qty, precision_rounding=rounding)
        self._tms_button_validate(picking, code)
        picking.write(
            {
                "logistics_validated_by": "tms",
                "logistics_validation_message_id": message.id,
            }
        )
        self._tms_note_validated(picking, code)
        return "validated"

    def _tms_move_quantities(self, picking):
        """``{move: quantity picked up}`` of the picking's open moves, in the
        move's unit, at most its demand: the quantities the TMS reported, or
        the whole demand."""
        self.ensure_one()
        moves = picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        quantities = {}
        for move in moves:
            if self.tms_picked_reported:
                lines = self.line_ids.filtered(lambda line, m=move: line.move_id == m)
                qty = sum(lines.mapped("picked_quantity"))
            else:
                qty = move.product_uom_qty
            quantities[move] = min(qty, move.product_uom_qty)
        return quantities

    def _tms_button_validate(self, picking, code):
        """Odoo's validation with the backorder wizard answered "create a
        backorder" (no wizard can be asked in a job)."""
        try:
            picking.with_context(skip_backorder=True).button_validate()
        except (UserError, ValidationError) as err:
            raise errors.PermanentError(
                _(
                    "The TMS reported %(milestone)s but Odoo refused to validate "
                    "%(picking)s: %(reason)s",
                    milestone=code,
                    picking=picking.name,
                    reason=err.args[0] if err.args else err,
                ),
                system=ODOO,
            ) from err
        if picking.state != "done":
            # Another pre-validation wizard (expired lots, SMS warning...).
            raise errors.PermanentError(
                _(
                    "The TMS reported %(milestone)s but %(picking)s needs a "
                    "question answered to be validated: validate it by hand, "
                    "then replay this message.",
                    milestone=code,
                    picking=picking.name,
                ),
                system=ODOO,
            )

    def _tms_note_validated(self, picking, code):
        self.ensure_one()
        body = _(
            "%(picking)s validated on the TMS's %(milestone)s event.",
            picking=picking.name,
            milestone=code,
        )
        backorders = picking.backorder_ids
        if backorders:
            body = _(
                "%(validated)s Not picked up: backorder %(backorders)s.",
                validated=body,
                backorders=", ".join(backorders.mapped("name")),
            )
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
