from odoo import fields, models


class LogisticsMessageRedelivery(models.Model):
    """One more delivery of a logged message: same idempotency key, same payload.

    Insert-only, and deliberately without a foreign key to the message: a
    re-delivery is answered while a job may hold the message's row (applying
    it), and counting it there would make the request wait for that job, then
    fail on the concurrent update.
    """

    _name = "logistics.message.redelivery"
    _description = "Message Re-delivery"
    _order = "id"
    _log_access = False

    message_id = fields.Integer(
        required=True, index=True, help="The logged message delivered again."
    )
    correlation_id = fields.Char(string="Correlation ID", readonly=True)
    received_at = fields.Datetime(
        default=fields.Datetime.now, required=True, readonly=True
    )
