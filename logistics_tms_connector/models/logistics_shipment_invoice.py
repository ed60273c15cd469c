import logging

from odoo import _, api, fields, models
from odoo.tools import SQL

from odoo.addons.logistics_integration_base.lib import errors

from ..lib import milestones

_logger = logging.getLogger(__name__)

ODOO = "odoo"
INVOICE_FLOW = "tms.invoice_on_delivery"
INVOICE_ACTIVITY = "logistics_tms_connector.mail_activity_type_invoice_on_delivery"
AUDIT_ACTION = "invoice_on_delivery"
# Who may see the invoices made on delivery from the shipment.
INVOICE_READERS = (
    "account.group_account_invoice,account.group_account_readonly,"
    "sales_team.group_sale_salesman"
)


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """TMS delivery -> Odoo invoicing: the customer invoiced on delivery.

    When the TMS reports a shipment delivered (D1) and its customer (the
    commercial partner of the order) is invoiced on delivery, the event queues
    a message of flow ``tms.invoice_on_delivery``. Its job invoices what the
    order has to invoice, with Odoo's own sale invoicing (delivered quantities
    for products invoiced on delivery: the delivery order was validated by
    the TMS's events, logistics_shipment_stock.py), posts the invoice and
    attaches the proof of delivery, in the message's savepoint: an invoice is
    made whole or not at all. A failure is retried like any message; given up,
    it is noted on the shipment with an activity.
    """

    _inherit = "logistics.shipment"

    invoice_ids = fields.One2many(
        "account.move",
        "logistics_shipment_id",
        string="Invoices on delivery",
        readonly=True,
        groups=INVOICE_READERS,
    )
    invoice_count = fields.Integer(
        compute="_compute_invoice_count", groups=INVOICE_READERS
    )

    def _compute_invoice_count(self):
        for shipment in self:
            shipment.invoice_count = len(shipment.invoice_ids)

    # ------------------------------------------------------------------
    # actions

    def action_view_invoices(self):
        # Portal users read their own invoices, never through the back office.
        self._logistics_check_access(
            "read", group="base.group_user", read_models=["account.move"]
        )
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("logistics_shipment_id", "=", self.id)]
        action["context"] = {"create": False}
        if len(self.invoice_ids) == 1:
            action.update(
                views=[(False, "form")], view_mode="form", res_id=self.invoice_ids.id
            )
        return action

    # ------------------------------------------------------------------
    # TMS -> Odoo: the delivery queues the invoice

    def _tms_apply_stock(self, message, code, stale=False):
        """A delivery, even reported late, queues the invoice on delivery."""
        result = super()._tms_apply_stock(message, code, stale=stale)
        if code == milestones.DELIVERED:
            self._tms_queue_delivery_invoice(message)
        return result

    def _tms_invoices_on_delivery(self):
        """Whether the shipment's customer is invoiced on delivery."""
        self.ensure_one()
        customer = self.sale_order_id.partner_id.commercial_partner_id
        return bool(customer.logistics_invoice_on_delivery)

    def _tms_queue_delivery_invoice(self, message):
        """Log the invoice on delivery of the event `message` (once per event:
        a replayed event finds it logged)."""
        self.ensure_one()
        if not self._tms_invoices_on_delivery():
            return
        self.env["logistics.message"]._receive(
            INVOICE_FLOW,
            {
                "shipment": self.name,
                "order": self.sale_order_id.name,
                "event_message_id": message.id,
            },
            idempotency_key="invoice-on-delivery/%s" % message.id,
            endpoint_id=message.endpoint_id.id,
            correlation_id=message.correlation_id,
            res_model=self._name,
            res_id=self.id,
        )

    # ------------------------------------------------------------------
    # flow tms.invoice_on_delivery

    @api.model
    def _tms_invoice_delivered(self, message):
        """Flow ``tms.invoice_on_delivery``: invoice what is to invoice, post it."""
        shipment = self.browse(message.res_id).exists()
        if not shipment or not shipment.sale_order_id:
            raise errors.PermanentError(
                _(
                    "Shipment %s or its sale order no longer exists: nothing to "
                    "invoice.",
                    message.payload.get("shipment"),
                ),
                system=ODOO,
            )
        return shipment._tms_invoice_order(message)

    def _tms_invoice_order(self, message):
        self.ensure_one()
        order = self.sale_order_id.with_company(self.sale_order_id.company_id)
        self._tms_lock_order(order)
        if order.state != "sale" or not order._get_invoiceable_lines():
            self.message_post(
                body=_(
                    "Delivered: %(order)s has nothing left to invoice.",
                    order=order.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
            return {"invoices": [], "order": order.name}
        invoices = order._create_invoices()
        invoices.logistics_shipment_id = self
        invoices.action_post()
        for invoice in invoices:
            self._tms_attach_pod_to(invoice)
        names = ", ".join(invoices.mapped("name"))
        body = _(
            "Invoiced on delivery: %(invoices)s posted for %(order)s.",
            invoices=names,
            order=order.name,
        )
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
        order.message_post(body=body, subtype_xmlid="mail.mt_note")
        self.env["logistics.audit.log"]._append(
            action=AUDIT_ACTION,
            outcome="success",
            message=message,
            details=body,
        )
        _logger.info(
            "[%s] %s invoiced on delivery: %s",
            message.correlation_id,
            order.name,
            names,
        )
        return {
            "invoices": invoices.mapped("name"),
            "order": order.name,
            "amount_total": sum(invoices.mapped("amount_total")),
        }

    @api.model
    def _tms_lock_order(self, order):
        """Invoice an order in one job at a time.

        Two deliveries of one order (two shipments, or a delivery reported
        twice) invoiced side by side would both see the same quantities to
        invoice. The no-op update makes the second wait for the first, then
        fail on the serialization conflict (repeatable read), which is
        retryable: its next attempt sees the first invoice.
        """
        self.env.cr.execute(
            SQL("UPDATE sale_order SET write_date = write_date WHERE id = %s", order.id)
        )

    @api.model
    def _tms_invoice_dead(self, message):
        """Given up: said on the shipment and its order, with an activity."""
        shipment = self.browse(message.res_id).exists()
        body = _(
            "The invoice on delivery of %(order)s could not be made: %(error)s",
            order=message.payload.get("order"),
            error=message.last_error,
        )
        self.env["logistics.audit.log"]._append(
            action=AUDIT_ACTION,
            outcome="failure",
            message=message,
            details=body,
        )
        if not shipment:
            return
        shipment.message_post(body=body)
        shipment.sale_order_id.message_post(body=body)
        shipment.activity_schedule(
            INVOICE_ACTIVITY,
            summary=_("Invoice the delivery of %s", message.payload.get("order")),
            note=body,
            user_id=(shipment.sale_order_id.user_id or shipment._exception_user()).id,
        )

    # ------------------------------------------------------------------
    # proof of delivery on the invoices

    def _attach_pod(self, pod):
        """A proof of delivery that comes after the invoice goes on it too."""
        attachment = super()._attach_pod(pod)
        for invoice in self.sudo().invoice_ids:
            self._tms_attach_pod_to(invoice, attachment)
        return attachment

    def _tms_attach_pod_to(self, invoice, attachment=None):
        """A copy of the proof of delivery on `invoice` (a customer document
        wherever the original is one)."""
        self.ensure_one()
        attachment = attachment or self.sudo().pod_attachment_id
        if attachment:
            attachment.copy({"res_model": invoice._name, "res_id": invoice.id})
