import logging

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_is_zero

from odoo.addons.logistics_integration_base.lib import errors

from ..lib import returns, stock_validation

_logger = logging.getLogger(__name__)

ODOO = "odoo"


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """Failed deliveries: the goods come back in a return picking.

    On a refusal (A7) or a return to the shipper (A3), what the delivery orders
    delivered comes back with Odoo's own return (``stock.return.picking``),
    in the delivery order's return type; when the warehouse validates the
    return, the customer's credit note follows the credit policy
    (stock_picking_return.py). Runs inside the event's savepoint, like the
    delivery order validation (logistics_shipment_stock.py).
    """

    _inherit = "logistics.shipment"

    return_picking_ids = fields.One2many(
        "stock.picking",
        "logistics_return_shipment_id",
        string="Returns",
        help="The return pickings of the goods that came back after a refused "
        "or returned delivery.",
    )
    return_picking_count = fields.Integer(
        string="Return count", compute="_compute_return_counts"
    )
    return_credit_note_count = fields.Integer(
        string="Credit note count", compute="_compute_return_counts"
    )

    @api.depends("return_picking_ids.logistics_credit_note_id")
    def _compute_return_counts(self):
        for shipment in self:
            # Counts only: who reads the shipment sees how many (the buttons
            # open them with the reader's own rights).
            pickings = shipment.sudo().return_picking_ids
            shipment.return_picking_count = len(pickings)
            shipment.return_credit_note_count = len(pickings.logistics_credit_note_id)

    def action_view_return_pickings(self):
        self._logistics_check_access(
            "read", group="base.group_user", read_models=["stock.picking"]
        )
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.action_picking_tree_all"
        )
        action["domain"] = [("logistics_return_shipment_id", "=", self.id)]
        action["context"] = {}
        if len(self.return_picking_ids) == 1:
            action.update(views=[(False, "form")], res_id=self.return_picking_ids.id)
        return action

    def action_view_return_credit_notes(self):
        self._logistics_check_access(
            "read", group="base.group_user", read_models=["account.move"]
        )
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_refund_type"
        )
        # The link is for invoicing users; the list shows what the reader may.
        credit_notes = self.sudo().return_picking_ids.logistics_credit_note_id
        action["domain"] = [("id", "in", credit_notes.ids)]
        action["context"] = {"default_move_type": "out_refund"}
        return action

    # ------------------------------------------------------------------
    # the TMS's events

    def _tms_apply_event(self, message):
        result = super()._tms_apply_event(message)
        return self._tms_apply_return(message, result)

    def _tms_record_history(self, message):
        # A refusal reported late still brought the goods back.
        result = super()._tms_record_history(message)
        return self._tms_apply_return(message, result)

    def _tms_apply_stock(self, message, code, stale=False):
        # The items of a refusal or a return say what comes back, not what
        # was picked up (logistics_shipment_stock.py): they are read below.
        if returns.is_return_code(code):
            return {}
        return super()._tms_apply_stock(message, code, stale=stale)

    def _tms_apply_return(self, message, result):
        """On a refusal or a return, the return picking of what comes back."""
        data = message.payload["data"]
        code = self._tms_canonical_code(message.endpoint_id, data["status_code"])
        if not returns.is_return_code(code):
            return result
        # The applied event is linked to its shipment (`_tms_find`).
        shipment = self.browse(message.res_id)
        created = shipment._tms_create_returns(message, code)
        if created:
            result = dict(result, return_pickings=created)
        return result

    def _tms_create_returns(self, message, code):
        """Return what the delivery orders delivered, once.

        :returns: ``{return picking name: delivery order name}`` of the returns
            created now (empty: nothing came back that was not returned yet)
        """
        self.ensure_one()
        items = message.payload["data"].get("items")
        coming_back = None if items is None else self._tms_coming_back(message, items)
        delivery_orders = self.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing"
        )
        created = {}
        for picking in delivery_orders.filtered(lambda p: p.state == "done"):
            new = self._tms_return_picking(picking, coming_back, message, code)
            if new:
                created[new.name] = picking.name
        open_orders = delivery_orders.filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        first = (
            len(self.milestone_ids.filtered(lambda m: returns.is_return_code(m.code)))
            == 1
        )
        if open_orders and first:
            # Nothing of them left the stock in Odoo's books: no return. The
            # warehouse decides (cancel, or deliver again), as Odoo would.
            self.message_post(
                body=_(
                    "The TMS reported %(milestone)s; %(pickings)s not validated "
                    "in Odoo: nothing of it left the stock, so nothing is "
                    "returned. It stays open: cancel it or deliver it again.",
                    milestone=code,
                    pickings=", ".join(open_orders.mapped("name")),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return created

    def _tms_coming_back(self, message, items):
        """``{move id: quantity}`` coming back from the event's items."""
        self.ensure_one()
        lines = [
            (line.id, line._canonical_item()["product_code"], line.quantity)
            for line in self.line_ids
        ]
        quantities, problems = stock_validation.picked_quantities(lines, items)
        if problems:
            _logger.warning(
                "[%s] %s: returned quantities from the TMS not applied: %s",
                message.correlation_id,
                self.name,
                "; ".join(problems),
            )
            self.message_post(
                body=_(
                    "Returned quantities from the TMS that fit no item of the "
                    "shipment were ignored: %s",
                    "; ".join(problems),
                ),
                subtype_xmlid="mail.mt_note",
            )
        line_moves = {line.id: line.move_id.id or None for line in self.line_ids}
        return returns.coming_back_by_move(line_moves, quantities)

    def _tms_return_picking(self, picking, coming_back, message, code):
        """The return of one done delivery order with Odoo's return wizard.

        :returns: the return picking, or an empty recordset when nothing is
            left to return
        """
        self.ensure_one()
        picking = picking.with_user(SUPERUSER_ID).with_company(picking.company_id)
        moves = picking.move_ids.filtered(lambda m: m.state == "done")
        to_return = returns.quantities_to_return(
            [(move.id, move.quantity, self._returned_quantity(move)) for move in moves],
            coming_back,
        )
        if not to_return:
            return picking.browse()
        wizard = (
            self.env["stock.return.picking"]
            .with_user(SUPERUSER_ID)
            .with_company(picking.company_id)
            .create({"picking_id": picking.id})
        )
        for line in wizard.product_return_moves:
            quantity = to_return.get(line.move_id.id, 0.0)
            line.write(
                {
                    # The wizard's quantities are in the product's unit.
                    "quantity": line.move_id.product_uom._compute_quantity(
                        quantity, line.product_id.uom_id
                    ),
                    # Odoo's sale_stock lowers the delivered quantity (and
                    # so what is invoiced) with the return.
                    "to_refund": True,
                }
            )
        try:
            new_picking = wizard._create_return()
        except (UserError, ValidationError) as err:
            raise errors.PermanentError(
                _(
                    "The TMS reported %(milestone)s but Odoo refused to create "
                    "the return of %(picking)s: %(reason)s",
                    milestone=code,
                    picking=picking.name,
                    reason=err.args[0] if err.args else err,
                ),
                system=ODOO,
            ) from err
        new_picking.write(
            {
                "logistics_return_shipment_id": self.id,
                "logistics_return_message_id": message.id,
            }
        )
        self._tms_note_return(new_picking, picking, message, code)
        return new_picking

    @staticmethod
    def _returned_quantity(move):
        """What returns (not cancelled) of ``move`` bring back, in its unit."""
        quantity = 0.0
        for returned in move.returned_move_ids.filtered(lambda m: m.state != "cancel"):
            quantity += returned.product_uom._compute_quantity(
                returned.product_uom_qty, move.product_uom
            )
        return quantity

    def _tms_note_return(self, new_picking, picking, message, code):
        self.ensure_one()
        lines = ", ".join(
            "%s %s" % (move.product_uom_qty, move.product_id.display_name)
            for move in new_picking.move_ids
            if not float_is_zero(
                move.product_uom_qty, precision_rounding=move.product_uom.rounding
            )
        )
        body = _(
            "The TMS reported %(milestone)s: return %(return)s of %(picking)s "
            "created (%(lines)s), to be received by the warehouse.",
            milestone=code,
            picking=picking.name,
            lines=lines,
            **{"return": new_picking.name},
        )
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
        new_picking.message_post(
            body=_(
                "Goods coming back from shipment %(shipment)s (TMS event "
                "%(milestone)s, correlation %(corr)s).",
                shipment=self.name,
                milestone=code,
                corr=message.correlation_id,
            ),
            subtype_xmlid="mail.mt_note",
        )
        self.env["logistics.audit.log"]._append(
            "return_created",
            "success",
            message=message,
            details=_(
                "%(return)s returns %(lines)s of %(picking)s (%(shipment)s).",
                picking=picking.name,
                lines=lines,
                shipment=self.name,
                **{"return": new_picking.name},
            ),
        )
