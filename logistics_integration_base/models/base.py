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
