import logging
from dataclasses import dataclass

from odoo import SUPERUSER_ID, _, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import returns

_logger = logging.getLogger(__name__)

# The context key with the sale lines a return's credit note is for (a
# :class:`ReturnCredit`, set by server code only: see lib/trust.py).
RETURN_CREDIT_KEY = "logistics_return_credit"


@dataclass(frozen=True)
class ReturnCredit:
    """The sale lines whose returned quantities a credit note is for.

    :param line_ids: ids of the sale order lines
    """

    line_ids: frozenset


# One model, one file per seam (see stock_picking.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class StockPicking(models.Model):
    """The return of a failed delivery: received, then credited per policy."""

    _inherit = "stock.picking"

    logistics_return_shipment_id = fields.Many2one(
        "logistics.shipment",
        string="Return of shipment",
        index="btree_not_null",
        readonly=True,
        # A backorder of the return still is the shipment's return.
        copy=True,
        help="The shipment whose refused or returned goods this picking brings back.",
    )
    logistics_return_message_id = fields.Many2one(
        "logistics.message",
        string="Returning TMS event",
        copy=False,
        readonly=True,
        help="The TMS event (refusal or return) that created this return.",
    )
    logistics_credit_note_id = fields.Many2one(
        "account.move",
        string="Return credit note",
        copy=False,
        readonly=True,
        groups="account.group_account_invoice",
        help="The customer credit note of what this return brought back, as "
        "the customer's (or company's) credit policy says.",
    )

    def _action_done(self):
        result = super()._action_done()
        # Whoever receives the return (invoicing rights or not): the credit
        # note is the integration's.
        self.sudo().filtered(
            lambda p: (
                p.state == "done"
                and p.logistics_return_shipment_id
                and p.picking_type_code == "incoming"
                and not p.logistics_credit_note_id
            )
        )._logistics_return_received()
        return result

    def _logistics_return_received(self):
        """Credit what came back, per policy; a failure never blocks the receipt.

        Runs as the integration (superuser): the warehouse validating the
        return needs no invoicing rights. All or nothing (a savepoint): a
        credit note that cannot be made is said on the shipment, with an
        activity, and the receipt stands.
        """
        for received in self:
            picking = received.with_user(SUPERUSER_ID).with_company(received.company_id)
            shipment = picking.logistics_return_shipment_id
            try:
                with self.env.cr.savepoint():
                    picking._logistics_credit_return(shipment)
            except (UserError, ValidationError) as err:
                reason = err.args[0] if err.args else str(err)
                _logger.warning(
                    "%s: no credit note for return %s: %s",
                    shipment.name,
                    picking.name,
                    reason,
                )
                note = _(
                    "Return %(picking)s received, but its credit note could not "
                    "be made: %(reason)s",
                    picking=picking.name,
                    reason=reason,
                )
                shipment.message_post(body=note, subtype_xmlid="mail.mt_note")
                shipment.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=_("Credit note of a return"),
                    note=note,
                    user_id=shipment._exception_user().id,
                )
                self.env["logistics.audit.log"]._append(
                    "return_credit",
                    "failure",
                    record=shipment,
                    details=note,
                    correlation_id=shipment.correlation_id,
                )

    def _logistics_credit_return(self, shipment):
        self.ensure_one()
        partner = (
            shipment.sale_order_id.partner_id or shipment.partner_id
        ).commercial_partner_id
        policy = returns.credit_policy(
            partner.logistics_return_credit_policy,
            self.company_id.logistics_return_credit_policy,
        )
        if policy == returns.CREDIT_NONE:
            shipment.message_post(
                body=_(
                    "Return %(picking)s received: stock is back; no credit note "
                    "(credit policy of %(partner)s).",
                    picking=self.name,
                    partner=partner.display_name,
                ),
                subtype_xmlid="mail.mt_note",
            )
            return
        credit_note = self._logistics_create_credit_note(shipment)
        if not credit_note:
            shipment.message_post(
                body=_(
                    "Return %(picking)s received: stock is back; nothing of it "
                    "was invoiced on delivered quantities, so no credit note.",
                    picking=self.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
            return
        if policy == returns.CREDIT_POSTED:
            credit_note.action_post()
        self.logistics_credit_note_id = credit_note
        body = _(
            "Return %(picking)s received: credit note %(move)s (%(state)s, "
            "%(amount)s %(currency)s).",
            picking=self.name,
            move=credit_note.name or _("draft"),
            state=dict(credit_note._fields["state"].selection)[credit_note.state],
            amount=credit_note.amount_total,
            currency=credit_note.currency_id.name,
        )
        shipment.message_post(body=body, subtype_xmlid="mail.mt_note")
        credit_note.message_post(
            body=_(
                "Credit for return %(picking)s of shipment %(shipment)s.",
                picking=self.name,
                shipment=shipment.name,
            ),
            subtype_xmlid="mail.mt_note",
        )
        self.env["logistics.audit.log"]._append(
            "return_credit",
            "success",
            record=shipment,
            details=body,
            correlation_id=shipment.correlation_id,
        )

    def _logistics_create_credit_note(self, shipment):
        """The credit note of what was invoiced and has now come back.

        Odoo's own sale invoicing: the return lowered the delivered quantity
        (``to_refund``), so a line invoiced on delivered quantities has a
        negative quantity to invoice; ``_create_invoices(final=True)`` turns
        it into a credit note. Only the sale lines of this return are
        credited (nothing else of the order is invoiced on the way).

        :returns: the credit note, or an empty recordset if nothing is to be
            credited (not invoiced yet, or invoiced on ordered quantities)
        """
        self.ensure_one()
        order = shipment.sale_order_id
        lines = self.move_ids.filtered(
            lambda m: m.state == "done" and m.to_refund
        ).sale_line_id.filtered(lambda line: line.qty_to_invoice < 0)
        if not order or not lines:
            return self.env["account.move"]
        credit = ReturnCredit(frozenset(lines.ids))
        moves = order.with_context(**{RETURN_CREDIT_KEY: credit})._create_invoices(
            final=True
        )
        refunds = moves.filtered(lambda m: m.move_type == "out_refund")
        if moves - refunds:
            raise UserError(
                _(
                    "Crediting return %(picking)s would make an invoice, not a "
                    "credit note.",
                    picking=self.name,
                )
            )
        return refunds[:1]
