from odoo import _, models

from odoo.addons.logistics_integration_base.lib import trust
from odoo.addons.queue_job.job import identity_exact

# Reservations of API orders run one at a time on this channel, after the answer.
RESERVATION_CHANNEL = "root.logistics.order_reservation"
RESERVABLE_STATES = ("confirmed", "partially_available")
# Set by the order API only (sale.order): a client's context cannot hold it.
DEFER_RESERVATION_KEY = "logistics_defer_reservation"
DEFER_RESERVATION = trust.ServerFlag(DEFER_RESERVATION_KEY)


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_assign(self, force_qty=False):
        """Orders confirmed by the API reserve their stock in a job.

        Concurrent orders of one product would otherwise update its stock
        quants side by side in their requests, and all but one would fail on
        a serialization conflict and be replayed by Odoo, seconds later.
        Availability is checked on the forecast before the order is confirmed
        (see sale.order._portal_defers_reservation for the exception).
        """
        defer = trust.flag_set(
            self.env.context, DEFER_RESERVATION_KEY, DEFER_RESERVATION
        )
        if self and defer and not force_qty:
            self.with_delay(
                channel=RESERVATION_CHANNEL,
                identity_key=identity_exact,
                description=_(
                    "Reserve the stock of %s",
                    ", ".join(sorted(set(filter(None, self.mapped("origin"))))),
                ),
            )._job_reserve()
            return True
        return super()._action_assign(force_qty=force_qty)

    def _job_reserve(self):
        """Job: reserve what these moves still wait for."""
        moves = self.exists().filtered(lambda m: m.state in RESERVABLE_STATES)
        moves._action_assign()
        return _("%s move(s) to reserve", len(moves))
