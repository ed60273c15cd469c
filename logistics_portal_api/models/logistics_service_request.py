from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.logistics_integration_base.lib import outcome, trust

from ..lib import service_requests as sr

ANSWERED_EVENT = "service_request.answered"
# Set by this model's workflow methods only (lib/trust.py: a client's context
# value under the same key is ignored).
WORKFLOW_KEY = "logistics_service_request_workflow"
WORKFLOW = trust.ServerFlag(WORKFLOW_KEY)
# Who asked, about what: fixed once the request exists.
FIXED_FIELDS = frozenset(
    {"partner_id", "requested_by_id", "shipment_id", "sale_order_id", "correlation_id"}
)
# What the workflow methods write (the buttons and the Answer wizard).
WORKFLOW_FIELDS = frozenset({"status", "answer", "answered_by_id", "answered_at"})


class LogisticsServiceRequest(models.Model):
    """A customer's request about one shipment or one order, and its answer.

    Requests come in through the message log (flow `service_request.create`,
    from the API or the portal form); the responsible team gets an activity,
    answers in Odoo (wizard "Answer"), and the answer reaches the portal, the
    API and the customer's webhooks (`service_request.answered`).
    """

    _name = "logistics.service.request"
    _description = "Customer Service Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/"
    )
    request_type = fields.Selection(
        list(sr.TYPES), string="Type", required=True, tracking=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        readonly=True,
        help="The commercial partner who asked.",
    )
    requested_by_id = fields.Many2one(
        "res.partner", string="Requested by", readonly=True
    )
    shipment_id = fields.Many2one(
        "logistics.shipment", index=True, readonly=True, check_company=True
    )
    sale_order_id = fields.Many2one(
        "sale.order", string="Order", index=True, readonly=True, check_company=True
    )
    description = fields.Text(required=True)
    status = fields.Selection(
        list(sr.STATUSES),
        required=True,
        default=sr.STATUS_NEW,
        readonly=True,
        tracking=True,
        index=True,
    )
    answer = fields.Text(readonly=True, tracking=True)
    answered_by_id = fields.Many2one("res.users", string="Answered by", readonly=True)
    answered_at = fields.Datetime(readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible", tracking=True)
    team_id = fields.Many2one("crm.team", string="Team", tracking=True)
    correlation_id = fields.Char(readonly=True, copy=False)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    _sql_constraints = [
        (
            "one_subject",
            "CHECK((shipment_id IS NULL) != (sale_order_id IS NULL))",
            "A service request is about one shipment or one order.",
        ),
    ]

    @api.constrains("partner_id", "shipment_id", "sale_order_id")
    def _check_subject_is_the_customers(self):
        for request in self:
            commercial = request.partner_id.commercial_partner_id
            subject = request.shipment_id or request.sale_order_id
            if subject.partner_id.commercial_partner_id != commercial:
                raise ValidationError(
                    _(
                        "%(subject)s is not a shipment or order of %(customer)s.",
                        subject=subject.display_name,
                        customer=commercial.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self.check_access("create")  # before a number is drawn for nothing
        vals_list = [
            dict(
                vals,
                name=self._logistics_next_number("logistics.service.request", vals),
            )
            if vals.get("name", "/") == "/"
            else vals
            for vals in vals_list
        ]
        requests = super().create(vals_list)
        for request in requests:
            request._assign_and_schedule()
        return requests

    def write(self, vals):
        if not self.env.su:
            fixed = FIXED_FIELDS.intersection(vals)
            if fixed:
                raise UserError(
                    _("These fields cannot change: %s.", ", ".join(sorted(fixed)))
                )
            if WORKFLOW_FIELDS.intersection(vals) and not trust.flag_set(
                self.env.context, WORKFLOW_KEY, WORKFLOW
            ):
                raise UserError(
                    _("Use the buttons (Start, Answer, Cancel) to change a request.")
                )
        if "status" in vals:
            for request in self:
                if request.status != vals["status"]:
                    try:
                        sr.check_transition(request.status, vals["status"])
                    except sr.TransitionError as err:
                        raise UserError(str(err)) from err
        return super().write(vals)

    @api.model
    def _portal_domain(self, partner):
        """The requests of `partner`'s company: what its portal users see."""
        return [("partner_id", "=", partner.commercial_partner_id.id)]

    # ------------------------------------------------------------------
    # responsible team and activity

    def _responsible(self):
        """(user, team) who handle this request, from the company's settings.

        The company names a user, or a sales team (its leader, else its first
        member, gets the activity); without either, the salesperson of the
        order concerned and its team, else the administrator.
        """
        self.ensure_one()
        company = self.company_id
        order = self.sale_order_id or self.shipment_id.sale_order_id
        if company.logistics_service_request_user_id:
            return company.logistics_service_request_user_id, self.env["crm.team"]
        team = company.logistics_service_request_team_id
        if team:
            return team.user_id or team.member_ids[:1], team
        if order.user_id:
            return order.user_id, order.team_id
        return self.env.ref("base.user_admin", raise_if_not_found=False) or (
            self.env["res.users"]
        ), order.team_id

    def _assign_and_schedule(self):
        """Assign the responsible and schedule their to-do activity."""
        self.ensure_one()
        user, team = self._responsible()
        self.sudo().write({"user_id": user.id, "team_id": team.id})
        if not user:
            return
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=user.id,
            summary=_(
                "Service request %(name)s: %(type)s",
                name=self.name,
                type=dict(sr.TYPES)[self.request_type],
            ),
            note=self.description,
        )

    # ------------------------------------------------------------------
    # workflow (buttons; status changes only through these)

    def _check_handler(self):
        """Only internal users who may write requests work on them."""
        if not self.env.su and not self.env.user._is_internal():
            raise AccessError(_("Only the responsible team handles requests."))
        self.check_access("write")

    def _workflow_write(self, vals):
        return self.with_context(**{WORKFLOW_KEY: WORKFLOW}).write(vals)

    def action_start(self):
        self._check_handler()
        for request in self:
            request._workflow_write({"status": sr.STATUS_IN_PROGRESS})
        return True

    def action_cancel(self):
        self._check_handler()
        for request in self:
            request._workflow_write({"status": sr.STATUS_CANCELLED})
            request.sudo().activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def action_answer_wizard(self):
        self._check_handler()
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Answer %s", self.name),
            "res_model": "logistics.service.request.answer",
            "view_mode": "form",
            "target": "new",
            "context": {"default_request_id": self.id},
        }

    def _answer(self, status, answer):
        """Close with the answer: audit it, end the activity, tell the customer."""
        self.ensure_one()
        self._check_handler()
        try:
            sr.check_transition(self.status, status)
            sr.check_answer(status, answer)
        except sr.TransitionError as err:
            raise UserError(str(err)) from err
        self._workflow_write(
            {
                "status": status,
                "answer": answer.strip(),
                "answered_by_id": self.env.user.id,
                "answered_at": fields.Datetime.now(),
            }
        )
        self.message_post(
            body=_(
                "%(status)s by %(user)s: %(answer)s",
                status=dict(sr.STATUSES)[status],
                user=self.env.user.name,
                answer=self.answer,
            ),
            subtype_xmlid="mail.mt_note",
        )
        # The activity may be a team mate's: closing it is part of the answer.
        self.sudo().activity_feedback(
            ["mail.mail_activity_data_todo"], feedback=self.answer
        )
        self.env["logistics.customer.webhook"]._notify(
            self.partner_id, ANSWERED_EVENT, self.sudo()._portal_json, None, self
        )
        return True

    # ------------------------------------------------------------------
    # flow service_request.create (API and portal, answered in the request)

    @api.model
    def _portal_create(self, message):
        """Create the request of the message's customer: its outcome."""
        partner = message.partner_id.commercial_partner_id
        body = message.payload
        problems = sr.subject_problems(body)
        if problems:
            return outcome.refused(
                "invalid_subject", problems[0]["reason"], problems
            ).to_json()
        shipment, order = self._portal_subject(partner, body)
        if not (shipment or order):
            pointer = "/shipment" if body.get("shipment") else "/order"
            return outcome.refused(
                "unknown_subject",
                _("No such shipment or order for this customer."),
                [outcome.problem(pointer, _("not found for this customer"))],
            ).to_json()
        subject = shipment or order
        request = self.create(
            {
                "request_type": body["type"],
                "partner_id": partner.id,
                "requested_by_id": message.partner_id.id
                if message.partner_id != partner
                else False,
                "shipment_id": shipment.id,
                "sale_order_id": order.id,
                "description": body["description"],
                "correlation_id": message.correlation_id,
                "company_id": subject.company_id.id,
            }
        )
        request.message_post(
            body=_(
                "Requested by the customer (correlation %s).", message.correlation_id
            ),
            subtype_xmlid="mail.mt_note",
        )
        message.write({"res_model": self._name, "res_id": request.id})
        return outcome.created(request._portal_json()).to_json()

    @api.model
    def _portal_subject(self, partner, body):
        """(shipment, order) named by the body, if `partner`'s own."""
        Shipment = self.env["logistics.shipment"]
        Order = self.env["sale.order"]
        if body.get("shipment"):
            return (
                Shipment.search(
                    [
                        ("name", "=", body["shipment"]),
                        *Shipment._portal_domain(partner),
                    ],
                    limit=1,
                ),
                Order,
            )
        return (
            Shipment,
            Order.search(
                [("name", "=", body["order"]), *Order._portal_domain(partner)],
                limit=1,
            ),
        )

    def _portal_json(self):
        """What the customer API, portal and webhooks show of a request."""
        self.ensure_one()
        return {
            "reference": self.name,
            "type": self.request_type,
            "status": self.status,
            "shipment": self.shipment_id.name or None,
            "order": (self.sale_order_id or self.shipment_id.sale_order_id).name
            or None,
            "description": self.description,
            "answer": self.answer or None,
            "answered_at": _iso(self.answered_at),
            "created_at": _iso(self.create_date),
        }


def _iso(moment):
    return fields.Datetime.to_string(moment).replace(" ", "T") + "Z" if moment else None
