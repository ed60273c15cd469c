import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import trust
from .logistics_field_ownership import SYSTEMS

MANAGER_GROUP = "logistics_integration_base.group_integration_manager"
OPEN, ACCEPTED, REJECTED = "open", "accepted", "rejected"
SHOWN_VALUE_LENGTH = 200


def json_safe(value):
    """A value the Json field stores and a later write accepts again (dates as
    Odoo's strings, commands as lists)."""
    return json.loads(json.dumps(value, default=str))


class LogisticsOwnershipConflict(models.Model):
    """A write the ownership matrix refused, waiting for a manager's decision.

    Accepting applies the refused value as the system that sent it (the
    matrix's owner is overridden for this one value); rejecting keeps the
    owner's value. Either decision is audited.
    """

    _name = "logistics.ownership.conflict"
    _description = "Ownership Conflict"
    _order = "id desc"

    company_id = fields.Many2one(
        "res.company", readonly=True, default=lambda self: self.env.company
    )
    res_model = fields.Char(string="Model", required=True, readonly=True, index=True)
    res_id = fields.Many2oneReference(
        model_field="res_model", string="Record", required=True, readonly=True
    )
    record_name = fields.Char(readonly=True)
    field_name = fields.Char(string="Field", required=True, readonly=True)
    owner = fields.Selection(SYSTEMS, required=True, readonly=True)
    source = fields.Selection(
        SYSTEMS, string="Refused from", required=True, readonly=True
    )
    refused_value = fields.Json(readonly=True)
    refused_text = fields.Char(string="Refused value", readonly=True)
    message_id = fields.Many2one(
        "logistics.message", readonly=True, ondelete="set null", index=True
    )
    state = fields.Selection(
        [(OPEN, "Open"), (ACCEPTED, "Accepted"), (REJECTED, "Rejected")],
        default=OPEN,
        required=True,
        readonly=True,
        index=True,
    )
    decided_by_id = fields.Many2one("res.users", string="Decided by", readonly=True)
    decided_at = fields.Datetime(readonly=True)

    @api.model
    def _open(self, records, refused, owners, source, message=None):
        """One open conflict per record and refused field."""
        vals_list = []
        for record in records:
            company = (
                message.company_id
                if message and message.company_id
                else record["company_id"]
                if "company_id" in record._fields
                else self.env.company
            )
            for name, value in refused.items():
                vals_list.append(
                    {
                        "company_id": company.id,
                        "res_model": record._name,
                        "res_id": record.id,
                        "record_name": record.display_name,
                        "field_name": name,
                        "owner": owners.get(name, "odoo"),
                        "source": source,
                        "refused_value": json_safe(value),
                        "refused_text": str(value)[:SHOWN_VALUE_LENGTH],
                        "message_id": message.id if message else False,
                    }
                )
        return self.sudo().create(vals_list)

    def action_accept(self):
        """Apply the refused values, as their system, over the matrix."""
        self._check_decidable()
        for conflict in self:
            record = conflict._record()
            record.with_context(
                **{
                    trust.SOURCE_KEY: trust.TrustedSource(
                        conflict.source, bypass_ownership=True
                    )
                }
            ).sudo().write({conflict.field_name: conflict.refused_value})
            conflict._decide(
                ACCEPTED,
                _(
                    "Accepted: %(field)s of %(record)s set to the value %(system)s "
                    "sent (%(value)s) over its owner %(owner)s.",
                    field=conflict.field_name,
                    record=conflict.record_name,
                    system=conflict.source,
                    value=conflict.refused_text,
                    owner=conflict.owner,
                ),
            )
        return True

    def action_reject(self):
        """Keep the owner's value: the refused one is dropped."""
        self._check_decidable()
        for conflict in self:
            conflict._decide(
                REJECTED,
                _(
                    "Rejected: %(field)s of %(record)s keeps the value of its owner "
                    "%(owner)s; %(system)s sent %(value)s.",
                    field=conflict.field_name,
                    record=conflict.record_name,
                    owner=conflict.owner,
                    system=conflict.source,
                    value=conflict.refused_text,
                ),
            )
        return True

    def _check_decidable(self):
        self._logistics_check_access("write", group=MANAGER_GROUP)
        decided = self.filtered(lambda c: c.state != OPEN)
        if decided:
            raise UserError(
                _(
                    "These conflicts were already decided: %s",
                    ", ".join("%s.%s" % (c.record_name, c.field_name) for c in decided),
                )
            )
        for conflict in self:
            if conflict.field_name not in self.env[conflict.res_model]._fields:
                raise UserError(_("Field %s no longer exists.", conflict.field_name))
            if not conflict._record():
                raise UserError(_("%s no longer exists.", conflict.record_name))

    def _record(self):
        self.ensure_one()
        return self.env[self.res_model].browse(self.res_id).exists()

    def _decide(self, state, text):
        self.ensure_one()
        self.write(
            {
                "state": state,
                "decided_by_id": self.env.user.id,
                "decided_at": fields.Datetime.now(),
            }
        )
        self.env["logistics.audit.log"]._append(
            action="ownership_conflict_decided",
            outcome="success",
            message=self.message_id,
            record=self._record(),
            details=text,
            resolution=state,
        )
