from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import customer_returns, milestones

RETURN_DELIVERY_DAYS = 2
MANAGER_GROUP = "logistics_tms_connector.group_tms_manager"


class LogisticsReturn(models.Model):
    """A customer's return (RMA): order lines coming back, approval, the
    return picking and the reverse shipment that brings them to the warehouse.

    States and rules: lib/customer_returns.py. Customers ask through the API or the
    portal (logistics_portal_api); the reverse shipment is a shipment like any
    other (direction ``return``), released to the TMS by the outbound flow; its
    delivery (D1) receives the return picking (logistics_shipment_return.py).
    """

    _name = "logistics.return"
    _description = "Customer Return"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/"
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Order",
        required=True,
        index=True,
        check_company=True,
        readonly=True,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        readonly=True,
        help="The commercial partner of the order.",
    )
    pickup_address_id = fields.Many2one(
        "res.partner",
        string="Pickup address",
        required=True,
        help="Where the carrier picks the goods up: the order's delivery address.",
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, check_company=True, readonly=True
    )
    line_ids = fields.One2many("logistics.return.line", "return_id", readonly=True)
    reason = fields.Text(required=True)
    pickup_start = fields.Datetime(string="Pickup from")
    pickup_end = fields.Datetime(string="Pickup until")
    state = fields.Selection(
        customer_returns.STATES,
        required=True,
        default=customer_returns.REQUESTED,
        tracking=True,
        index=True,
        readonly=True,
    )
    origin = fields.Selection(
        [("api", "Customer API"), ("portal", "Customer portal"), ("odoo", "Odoo")],
        default="odoo",
        required=True,
        readonly=True,
    )
    amount_total = fields.Monetary(
        string="Value",
        compute="_compute_totals",
        store=True,
        currency_field="currency_id",
    )
    quantity_total = fields.Float(compute="_compute_totals", store=True)
    currency_id = fields.Many2one(related="sale_order_id.currency_id")
    approval_note = fields.Text(
        readonly=True, help="Why the return was (or was not) approved automatically."
    )
    refusal_reason = fields.Text(
        help="Told to the customer when the return is refused."
    )
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    approved_at = fields.Datetime(readonly=True, copy=False)
    received_at = fields.Datetime(readonly=True, copy=False)
    picking_ids = fields.One2many(
        "stock.picking", "logistics_return_id", string="Return pickings", readonly=True
    )
    shipment_id = fields.Many2one(
        "logistics.shipment",
        string="Reverse shipment",
        readonly=True,
        copy=False,
        check_company=True,
    )
    shipment_status = fields.Selection(related="shipment_id.status")
    correlation_id = fields.Char(string="Correlation ID", copy=False, index=True)

    @api.depends("line_ids.quantity", "line_ids.sale_line_id.price_unit")
    def _compute_totals(self):
        for record in self:
            record.quantity_total = sum(record.line_ids.mapped("quantity"))
            record.amount_total = sum(line._value() for line in record.line_ids)

    @api.constrains("pickup_start", "pickup_end")
    def _check_window(self):
        for record in self:
            problem = customer_returns.window_problem(
                record.pickup_start, record.pickup_end
            )
            if problem:
                raise ValidationError(
                    _("The pickup window of %s ends before it starts.", record.name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        self.check_access("create")
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self._logistics_next_number("logistics.return", vals)
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # what may be returned

    @api.model
    def _returnable_quantities(self, order):
        """``{sale.order.line: quantity}`` the customer may still return: what
        was delivered (Odoo's delivered quantity, which received returns
        already lowered) minus what is in an open return."""
        open_lines = (
            self.env["logistics.return.line"]
            .sudo()
            .search(
                [
                    ("sale_line_id", "in", order.order_line.ids),
                    ("return_id.state", "in", list(customer_returns.OPEN_STATES)),
                ]
            )
        )
        pending = {}
        for line in open_lines:
            pending[line.sale_line_id] = pending.get(line.sale_line_id, 0.0) + (
                line.quantity
            )
        return {
            line: max(line.qty_delivered - pending.get(line, 0.0), 0.0)
            for line in order.order_line
            if line.product_id.type == "consu" and not line.display_type
        }

    @api.model
    def _quantity_problems(self, order, requested):
        """Problems of ``[(index, sale line, quantity)]`` (lib/customer_returns.py)."""
        returnable = self._returnable_quantities(order)
        return customer_returns.quantity_problems(
            [(index, line.id, qty) for index, line, qty in requested],
            {line.id: qty for line, qty in returnable.items()},
        )

    @api.model
    def _prepare_vals(
        self, order, requested, reason, *, window, origin, correlation_id
    ):
        """Values of a new return of ``[(sale line, quantity)]`` of ``order``."""
        start, end = window or (False, False)
        return {
            "company_id": order.company_id.id,
            "sale_order_id": order.id,
            "partner_id": order.partner_id.commercial_partner_id.id,
            "pickup_address_id": order.partner_shipping_id.id or order.partner_id.id,
            "warehouse_id": order.warehouse_id.id,
            "reason": reason,
            "pickup_start": start,
            "pickup_end": end,
            "origin": origin,
            "correlation_id": correlation_id or order.logistics_correlation_id,
            "line_ids": [
                fields.Command.create(
                    {
                        "sale_line_id": line.id,
                        "product_id": line.product_id.id,
                        "quantity": quantity,
                        "uom_id": line.product_uom.id,
                    }
                )
                for line, quantity in requested
            ],
        }

    @api.model
    def _request(
        self,
        order,
        requested,
        reason,
        *,
        window=None,
        origin="odoo",
        correlation_id=None,
    ):
        """A customer's return of ``[(index, sale line, quantity)]`` of
        ``order``: checked, created, then approved or put to a manager.

        Runs as the integration (the callers checked who asks for what).

        :returns: ``(return, problems)``: nothing is created when there are
            problems (JSON pointers into the request, lib/customer_returns.py)
        """
        problems = self._quantity_problems(order, requested)
        if window:
            problem = customer_returns.window_problem(*window)
            if problem:
                problems.append(problem)
        if problems:
            return self.browse(), problems
        record = self.create(
            self._prepare_vals(
                order,
                [(line, qty) for _index, line, qty in requested],
                reason,
                window=window,
                origin=origin,
                correlation_id=correlation_id,
            )
        )
        record._apply_approval_rules()
        return record, []

    # ------------------------------------------------------------------
    # approval

    def _apply_approval_rules(self):
        """Approve at once under the company's thresholds; else a manager is
        asked (an activity)."""
        for record in self:
            company = record.company_id
            approved, reasons = customer_returns.auto_approves(
                record.amount_total,
                record.quantity_total,
                company.logistics_return_auto_max_value,
                company.logistics_return_auto_max_qty,
            )
            if approved and not record.warehouse_id.tms_endpoint_id:
                # Nothing could bring it back: a manager sees to it first.
                approved = False
                reasons = [_("warehouse %s has no TMS", record.warehouse_id.name)]
            if approved:
                record.approval_note = _(
                    "Approved automatically (under the thresholds)."
                )
                record._approve()
            else:
                record.approval_note = _(
                    "To approve by a manager: %s.", "; ".join(reasons)
                )
                record.activity_schedule(
                    "logistics_tms_connector.mail_activity_type_return_approval",
                    summary=_("Approve or refuse the return"),
                    note=record.approval_note,
                    user_id=record._approver().id,
                )

    def _approver(self):
        self.ensure_one()
        salesperson = self.sale_order_id.user_id
        if salesperson and salesperson.has_group(MANAGER_GROUP):
            return salesperson
        managers = (
            self.env.ref(MANAGER_GROUP)
            .sudo()
            .users.filtered(
                lambda u: not u._is_superuser() and self.company_id in u.company_ids
            )
        )
        return managers[:1] or self.env.ref("base.user_admin")

    def action_approve(self):
        self._logistics_check_access("write", group=MANAGER_GROUP)
        for record in self:
            returns_check(record, customer_returns.APPROVED)
        # The return picking and the reverse shipment: as the integration.
        self.sudo()._approve(self.env.user)
        return True

    def action_refuse(self):
        self._logistics_check_access("write", group=MANAGER_GROUP)
        for record in self:
            returns_check(record, customer_returns.REFUSED)
            if not record.refusal_reason:
                raise UserError(
                    _(
                        "Say why return %s is refused (the customer is told).",
                        record.name,
                    )
                )
        self.sudo()._set_state(customer_returns.REFUSED)
        self.sudo().activity_unlink(
            ["logistics_tms_connector.mail_activity_type_return_approval"]
        )
        return True

    def action_cancel(self):
        self._logistics_check_access("write", group=MANAGER_GROUP)
        for record in self:
            returns_check(record, customer_returns.CANCELLED)
        records = self.sudo()
        records.shipment_id.filtered(
            lambda s: s.status not in milestones.CLOSED_STATUSES
        )._cancel()
        records.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        ).action_cancel()
        records._set_state(customer_returns.CANCELLED)
        records.activity_unlink(
            ["logistics_tms_connector.mail_activity_type_return_approval"]
        )
        return True

    def _approve(self, user=None):
        """Approved: Odoo's return picking(s) from the original deliveries and
        the reverse shipment, released to the TMS."""
        for record in self:
            returns_check(record, customer_returns.APPROVED)
            record.write(
                {
                    "approved_by_id": (user or self.env.user).id,
                    "approved_at": fields.Datetime.now(),
                }
            )
            pickings = record._create_return_pickings()
            shipment = record._create_reverse_shipment(pickings)
            shipment._release()  # before the customer is told, with its status
            record._set_state(customer_returns.APPROVED)
            record.activity_unlink(
                ["logistics_tms_connector.mail_activity_type_return_approval"]
            )

    def _set_state(self, state):
        """The only way a return's state moves: checked, then announced."""
        for record in self:
            returns_check(record, state)
            record.state = state
            record._logistics_return_reached(state)

    def _logistics_return_reached(self, state):
        """A return reached ``state``: the customer API notifies (portal_api)."""
        return None

    # ------------------------------------------------------------------
    # Odoo's return pickings and the reverse shipment

    def _create_return_pickings(self):
        """One return picking per original delivery order, with Odoo's return
        wizard (linked moves, ``to_refund``: the order's delivered quantities
        go down on receipt)."""
        self.ensure_one()
        by_picking = {}
        for line in self.line_ids:
            for move, qty in line._source_moves():
                by_picking.setdefault(move.picking_id, {})[move] = qty
        pickings = self.env["stock.picking"]
        for picking, quantities in by_picking.items():
            wizard = (
                self.env["stock.return.picking"]
                .with_context(active_id=picking.id, active_model="stock.picking")
                .create({"picking_id": picking.id})
            )
            for wizard_line in wizard.product_return_moves:
                wizard_line.quantity = quantities.get(wizard_line.move_id, 0.0)
            new_picking = wizard._create_return()
            new_picking.write(
                {
                    "logistics_return_id": self.id,
                    "origin": "%s (%s)" % (self.name, picking.name),
                }
            )
            pickings |= new_picking
        if not pickings:
            raise UserError(
                _("Return %s has nothing delivered to take back.", self.name)
            )
        return pickings

    def _create_reverse_shipment(self, pickings):
        """The reverse shipment: picked up at the customer, delivered to the
        warehouse, for the warehouse's TMS."""
        self.ensure_one()
        endpoint = self.warehouse_id.tms_endpoint_id
        if not endpoint:
            raise UserError(
                _(
                    "Warehouse %s has no TMS endpoint: set one in its settings.",
                    self.warehouse_id.name,
                )
            )
        now = fields.Datetime.now()
        pickup_start = self.pickup_start or now
        pickup_end = self.pickup_end or pickup_start + timedelta(hours=4)
        delivery_end = pickup_end + timedelta(days=RETURN_DELIVERY_DAYS)
        order = self.sale_order_id
        shipment = self.env["logistics.shipment"].create(
            {
                "endpoint_id": endpoint.id,
                "company_id": self.company_id.id,
                "direction": "return",
                "return_id": self.id,
                "sale_order_id": order.id,
                "picking_ids": [fields.Command.set(pickings.ids)],
                "partner_id": self.partner_id.id,
                "shipper_id": self.pickup_address_id.id,
                "consignee_id": self.warehouse_id.partner_id.id
                or self.company_id.partner_id.id,
                "requested_pickup_start": pickup_start,
                "requested_pickup_end": pickup_end,
                "requested_delivery_start": pickup_end,
                "requested_delivery_end": delivery_end,
                "promised_delivery_end": delivery_end,
                "customer_po": order.client_order_ref,
                "order_reference": self.name,
                "correlation_id": self.correlation_id or False,
                "line_ids": [
                    fields.Command.create(move._prepare_shipment_line_vals())
                    for move in pickings.move_ids.filtered(
                        lambda m: m.state != "cancel"
                    )
                ],
            }
        )
        self.shipment_id = shipment
        return shipment

    def _on_reverse_shipment(self, code):
        """A milestone of the reverse shipment: picked up → in transit."""
        self.ensure_one()
        picked = self.shipment_id.status in (
            milestones.STATUS_PICKED_UP,
            milestones.STATUS_IN_TRANSIT,
            milestones.STATUS_OUT_FOR_DELIVERY,
        )
        if self.state == customer_returns.APPROVED and (
            picked or code == milestones.DEPARTED_PICKUP
        ):
            self._set_state(customer_returns.IN_TRANSIT)

    def _receive(self):
        """The goods are back: the return pickings are done."""
        self.ensure_one()
        if self.state in (customer_returns.APPROVED, customer_returns.IN_TRANSIT):
            self.received_at = fields.Datetime.now()
            self._set_state(customer_returns.RECEIVED)
            self.message_post(
                body=_(
                    "Received in the warehouse: %s.",
                    ", ".join(self.picking_ids.mapped("name")),
                ),
                subtype_xmlid="mail.mt_note",
            )


def returns_check(record, state):
    """UserError when ``record`` may not become ``state`` (lib/customer_returns.py)."""
    try:
        customer_returns.check_transition(record.state, state)
    except customer_returns.TransitionError as err:
        raise UserError(
            _(
                "Return %(name)s is %(state)s: it cannot become %(target)s.",
                name=record.name,
                state=dict(customer_returns.STATES)[record.state],
                target=dict(customer_returns.STATES)[state],
            )
        ) from err
