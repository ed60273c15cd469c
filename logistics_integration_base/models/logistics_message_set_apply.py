import logging

from odoo import fields, models

from ..lib import states

_logger = logging.getLogger(__name__)

# What differs from one applied message to the next: put in the cache, dirty,
# and flushed with the state in Odoo's one `UPDATE ... FROM (VALUES ...)`
# (`_logistics_write_rows`).
ROW_FIELDS = ("attempts", "latency_ms", "result", "res_model", "res_id", "job_uuid")


class SetApplyError(ValueError):
    """A chunk method broke its contract (a bug): the chunk fails and is
    applied again message by message (`_process_chunk`)."""


# One model, one file per seam: merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsMessage(models.Model):
    """Messages of a chunk applied set-based by their flow's chunk method.

    Where `_process_one` runs one ORM write chain per message (processing,
    the handler's writes, done), a flow's `chunk_method` may apply the
    messages it can together (e.g. a shipment's events folded into one
    write); the message log then advances their positions once per aggregate
    and ends them in one state write for all, under the chunk's savepoint:
    a failure rolls it all back like any other chunk failure.
    """

    _inherit = "logistics.message"

    def _apply_set_based(self, job_uuid, positions, records):
        """Apply what the flow's chunk method can; return the messages left
        for the per-message path, in order.

        A chunk of one message (the per-message fallback of a failed chunk, a
        synchronous request) always goes the per-message way.
        """
        flow = self.flow_id
        if len(self) < 2 or len(flow) != 1 or not flow.chunk_method:
            return self
        outcomes = {}
        for company, messages in self.grouped("company_id").items():
            handler = flow.with_company(company)._chunk_handler(records)
            outcomes.update(handler(messages.with_company(company), positions))
        if not outcomes:
            return self
        applied = self.filtered(lambda m: m.id in outcomes)
        applied._check_whole_aggregates(self, positions)
        applied._advance_positions(positions)
        applied._finish_applied(outcomes, job_uuid)
        return self - applied

    def _check_whole_aggregates(self, chunk, positions):
        """Set-based only takes whole ordered aggregates: every message of an
        aggregate in the chunk is applied, or none is (the rest would be
        applied after newer events)."""
        keys = set(self.mapped("aggregate_key"))
        if not all(keys) or not keys <= set(positions):
            raise SetApplyError("set-based apply of messages without a position")
        left = (chunk - self).filtered(lambda m: m.aggregate_key in keys)
        if left:
            raise SetApplyError("set-based apply took part of aggregates %s" % left.ids)

    def _advance_positions(self, positions):
        """Each aggregate's position to its newest message (chunk order is
        event order)."""
        last = {message.aggregate_key: message for message in self}
        self.env["logistics.aggregate.position"]._advance_all(
            {positions[key]: message for key, message in last.items()}
        )

    def _finish_applied(self, outcomes, job_uuid):
        """End these applied messages done, as `_finish` would one by one.

        :param outcomes: {message id: (record, result)} from the chunk method
        """
        now = fields.Datetime.now()
        # The transition table is checked as for each message: it went
        # through `processing` (not written: nobody else sees it).
        self._set_state(states.DONE, self._finished_vals(now), via=states.PROCESSING)
        rows = {}
        for message in self:
            record, result = outcomes[message.id]
            rows[message.id] = {
                "attempts": message.attempts + 1,
                "latency_ms": message._latency_ms(now),
                "result": result,
                "res_model": record._name,
                "res_id": record.id,
                "job_uuid": job_uuid or message.job_uuid,
            }
        # No override of `write` watches these, no stored field depends on them.
        self._logistics_write_rows(ROW_FIELDS, rows)
        _logger.debug("messages %s done (set-based)", self.ids)
