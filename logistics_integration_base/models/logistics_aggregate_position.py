from odoo import fields, models
from odoo.tools import SQL

from ..lib import ordering


class LogisticsAggregatePosition(models.Model):
    """The newest event applied to one aggregate (e.g. a shipment) of a flow.

    Every apply locks and advances this row, so two workers applying events of
    the same aggregate serialize (the loser retries) and an older event is
    recognised as stale instead of overwriting newer state.
    """

    _name = "logistics.aggregate.position"
    _description = "Aggregate Position"

    flow_id = fields.Many2one("logistics.flow", required=True, ondelete="cascade")
    aggregate_key = fields.Char(required=True)
    last_event_time = fields.Datetime()
    last_sequence = fields.Integer()
    last_message_id = fields.Many2one("logistics.message", ondelete="set null")

    _sql_constraints = [
        (
            "aggregate_unique",
            "unique(flow_id, aggregate_key)",
            "One position per aggregate and flow.",
        )
    ]

    def _lock(self, flow, aggregate_key):
        """The position row of an aggregate, created if needed, locked FOR UPDATE."""
        self.env.cr.execute(
            SQL(
                """INSERT INTO logistics_aggregate_position
                          (flow_id, aggregate_key, create_uid, create_date,
                           write_uid, write_date)
                   VALUES (%s, %s, %s, now() at time zone 'UTC', %s,
                           now() at time zone 'UTC')
              ON CONFLICT (flow_id, aggregate_key) DO NOTHING""",
                flow.id,
                aggregate_key,
                self.env.uid,
                self.env.uid,
            )
        )
        self.env.cr.execute(
            SQL(
                """SELECT id FROM logistics_aggregate_position
                    WHERE flow_id = %s AND aggregate_key = %s FOR UPDATE""",
                flow.id,
                aggregate_key,
            )
        )
        return self.browse(self.env.cr.fetchone()[0])

    def _position(self):
        if not self.last_message_id and not self.last_event_time:
            return None
        return ordering.EventPosition(self.last_event_time, self.last_sequence)

    def _advance(self, message):
        self.write(
            {
                "last_event_time": message.event_time,
                "last_sequence": message.event_sequence,
                "last_message_id": message.id,
            }
        )
