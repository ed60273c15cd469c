from odoo import models

# Context key: the create values carry every default already (`_create_batch`).
DEFAULTS_GIVEN = "logistics_message_defaults_given"


# One model, one file per seam: merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsMessage(models.Model):
    """Messages logged in batches: what Odoo's `create` does for each record
    (defaults, the precomputed flow code), done once per batch."""

    _inherit = "logistics.message"

    def _create_batch(self, vals_list):
        """Create messages with their defaults computed once for the batch.

        Odoo's `create` asks `default_get` for every record; the defaults of
        messages logged together are the same (context, company, the fields'
        own defaults), so they are asked for once and given with each record's
        values, which win. `received_at` is then the batch's time to the
        second; `received_ts` keeps each message's own time.
        """
        defaults = self.default_get(list(self._fields))
        return (
            self.with_context(**{DEFAULTS_GIVEN: True})
            .create([dict(defaults, **vals) for vals in vals_list])
            .with_env(self.env)
        )

    def _add_missing_default_values(self, values):
        # Server code only (messages are created as superuser; no group may
        # create them): a context key sent by a client is never trusted.
        if self.env.su and self.env.context.get(DEFAULTS_GIVEN):
            return values  # `_create_batch` gave them, from one `default_get`
        return super()._add_missing_default_values(values)

    def _add_precomputed_values(self, vals_list):
        """`flow_code` read from the flows, once per flow: the ORM would build
        a new record for each message to compute it."""
        field = self._fields["flow_code"]
        flow_ids = {
            vals.get("flow_id") for vals in vals_list if "flow_code" not in vals
        }
        # Sudo, as the related field reads it.
        flows = self.env["logistics.flow"].sudo().browse(flow_ids - {False, None})
        codes = {flow.id: flow.code for flow in flows}
        for vals in vals_list:
            if "flow_code" not in vals and vals.get("flow_id") in codes:
                vals["flow_code"] = codes[vals["flow_id"]]
                vals.setdefault("__precomputed__", set()).add(field)
        return super()._add_precomputed_values(vals_list)
