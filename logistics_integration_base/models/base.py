from odoo import _, models
from odoo.exceptions import AccessError


class Base(models.AbstractModel):
    _inherit = "base"

    def _logistics_check_access(self, operation, group=None, read_models=()):
        """Refuse the caller unless allowed to do this; return nothing.

        Every public method of the suite starts with it: any logged-in user
        (portal users included) can call a public method over JSON-RPC, on any
        ids or on none, and an empty recordset triggers no record rule. It checks
        `operation` on these records (on the model when there are none), that
        the user is in `group` (an XML id) if given, and that the user may read
        each model of `read_models` (those a button opens). Code running as
        superuser (`sudo()`) is trusted and passes.
        """
        if self.env.su:
            return
        if group and not self.env.user.has_group(group):
            raise AccessError(
                _(
                    "You are not allowed to do this: it is reserved to the group "
                    "%(group)s.",
                    group=self.env.ref(group).sudo().display_name,
                )
            )
        self.check_access(operation)
        for model_name in read_models:
            self.env[model_name].check_access("read")

    def _logistics_next_number(self, sequence_code, vals):
        """The next number of ``sequence_code`` for a record about to be
        created from ``vals``: from its company's own sequence when there is
        one (each business unit numbers its records), else the shared one."""
        company_id = vals.get("company_id") or self.env.company.id
        sequence = self.env["ir.sequence"].with_company(company_id)
        return sequence.next_by_code(sequence_code) or "/"

    def _logistics_write_rows(self, fnames, rows):
        """Write values that differ per record without a write chain each:
        into the cache, dirty, for the flush to send in one
        `UPDATE ... FROM (VALUES ...)` (what Odoo does with the writes of many
        records anyway).

        Only for plain stored fields that no `write` override watches and no
        stored field depends on through another model (the caller says so):
        no access check, no tracking, no constraint is run.

        :param fnames: the fields written
        :param rows: {record id: {field name: value}} for every record of self
        """
        if self._log_access:  # as `write` does
            stamp = {"write_uid": self.env.uid, "write_date": self.env.cr.now()}
            fnames = (*fnames, *stamp)
            rows = {record_id: dict(row, **stamp) for record_id, row in rows.items()}
        cache = self.env.cache
        self.modified(fnames, before=True)
        for name in fnames:
            field = self._fields[name]
            cache.update(
                self,
                field,
                [
                    field.convert_to_cache(rows[record.id][name], record)
                    for record in self
                ],
                dirty=True,
            )
        self.modified(fnames)
