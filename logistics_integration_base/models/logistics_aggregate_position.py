from odoo import fields, models
from odoo.tools import SQL

from ..lib import ordering

# What the lock reads along (the ordering check needs nothing else).
POSITION_FIELDS = ["last_event_time", "last_sequence", "last_message_id"]


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

    def _lock_all(self, flow, aggregate_keys):
        """Position rows of aggregates by key, created if needed, locked FOR UPDATE.

        One statement when every aggregate is known (the usual case): the lock
        also reads the positions into the cache.
        """
        keys = sorted(set(aggregate_keys))
        positions = self._select_for_update(flow, keys)
        missing = [key for key in keys if key not in positions]
        if missing:
            self.env.cr.execute(
                SQL(
                    """INSERT INTO logistics_aggregate_position
                              (flow_id, aggregate_key, create_uid, create_date,
                               write_uid, write_date)
                       SELECT %s, key, %s, now() at time zone 'UTC', %s,
                              now() at time zone 'UTC'
                         FROM unnest(%s::varchar[]) AS key
                  ON CONFLICT (flow_id, aggregate_key) DO NOTHING""",
                    flow.id,
                    self.env.uid,
                    self.env.uid,
                    missing,
                )
            )
            positions.update(self._select_for_update(flow, missing))
        return positions

    def _select_for_update(self, flow, aggregate_keys):
        self.flush_model(POSITION_FIELDS)
        self.env.cr.execute(
            SQL(
                """SELECT id, aggregate_key, last_event_time, last_sequence,
                          last_message_id
                     FROM logistics_aggregate_position
                    WHERE flow_id = %s AND aggregate_key = ANY(%s)
                 ORDER BY id
                      FOR UPDATE""",
                flow.id,
                aggregate_keys,
            )
        )
        positions = {}
        for row in self.env.cr.fetchall():
            position = self.browse(row[0])
            for name, value in zip(POSITION_FIELDS, row[2:], strict=True):
                field = self._fields[name]
                cached = field.convert_to_cache(value, position, validate=False)
                self.env.cache.update(position, field, [cached])
            positions[row[1]] = position
        return positions

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

    def _advance_all(self, messages):
        """`_advance` many positions at once, in one flushed `UPDATE`.

        :param messages: {position: the newest message applied to it}
        """
        positions = self.browse([position.id for position in messages])
        positions._logistics_write_rows(
            POSITION_FIELDS,
            {
                position.id: {
                    "last_event_time": message.event_time,
                    "last_sequence": message.event_sequence,
                    "last_message_id": message.id,
                }
                for position, message in messages.items()
            },
        )
