from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError

from ..lib import trust

SYSTEMS = [("odoo", "Odoo"), ("tms", "TMS"), ("portal", "Customer portal")]
ODOO = "odoo"


class LogisticsFieldOwnership(models.Model):
    """Which system is the system of record for a field (MISSION.md defaults)."""

    _name = "logistics.field.ownership"
    _description = "Field Ownership"
    _order = "model_id, field_id"

    model_id = fields.Many2one(
        "ir.model", required=True, ondelete="cascade", string="Model"
    )
    model_name = fields.Char(
        related="model_id.model", store=True, index=True, string="Model Name"
    )
    field_id = fields.Many2one(
        "ir.model.fields",
        required=True,
        ondelete="cascade",
        domain="[('model_id', '=', model_id)]",
        string="Field",
    )
    field_name = fields.Char(
        related="field_id.name", store=True, index=True, string="Field Name"
    )
    owner = fields.Selection(SYSTEMS, required=True, default=ODOO)
    note = fields.Char(help="Why this system owns the field.")

    _sql_constraints = [
        ("field_unique", "unique(field_id)", "A field has one owner."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache("default", "templates")  # guard + read-only forms
        return records

    def write(self, vals):
        result = super().write(vals)
        if self:  # nothing written (and nothing checked by the ORM): keep caches
            self.env.registry.clear_cache("default", "templates")
        return result

    def unlink(self):
        result = super().unlink()
        if self:
            self.env.registry.clear_cache("default", "templates")
        return result

    @api.model
    def _owners(self, model_name):
        """{field name: owner} of a model: read on every inbound write, so cached."""
        return dict(self._owners_cached(model_name))

    @api.model
    @tools.ormcache("model_name")
    def _owners_cached(self, model_name):
        rows = self.sudo().search_read(
            [("model_name", "=", model_name)], ["field_name", "owner"]
        )
        return tuple((row["field_name"], row["owner"]) for row in rows)

    @api.model
    def _split_vals(self, model_name, vals, source):
        """(allowed, refused) copies of `vals` for a write coming from `source`.

        A field without a row in the matrix belongs to Odoo.
        """
        owners = self._owners(model_name)
        allowed, refused = {}, {}
        for name, value in vals.items():
            owner = owners.get(name, ODOO)
            (allowed if owner == source else refused)[name] = value
        return allowed, refused

    @api.model
    def _guarded_write(self, records, vals, source, message=None):
        """Apply what `source` owns; record the rest as a conflict. Return refused."""
        allowed, refused = self._split_vals(records._name, vals, source)
        if allowed:
            # Under trust.SOURCE_KEY: an object no JSON-RPC context can hold.
            records.with_context(logistics_source=trust.TrustedSource(source)).write(
                allowed
            )
        if refused:
            self._record_conflict(records, refused, source, message)
        return refused

    @api.model
    def _record_conflict(self, records, refused, source, message=None):
        owners = self._owners(records._name)
        details = {
            name: {"owner": owners.get(name, ODOO), "refused_value": str(value)}
            for name, value in refused.items()
        }
        text = _(
            "%(system)s may not write %(fields)s of %(model)s: the owner is another "
            "system.",
            system=dict(SYSTEMS).get(source, source),
            fields=", ".join(sorted(refused)),
            model=records._name,
        )
        if message:
            message.sudo().write(
                {
                    "has_conflict": True,
                    "conflict_details": dict(message.conflict_details or {}, **details),
                }
            )
        for record in records:
            self.env["logistics.audit.log"]._append(
                action="ownership_conflict",
                outcome="refused",
                message=message,
                record=record,
                details=text,
            )
        # Kept for a manager to accept or reject (logistics.ownership.conflict).
        self.env["logistics.ownership.conflict"]._open(
            records, refused, owners, source, message
        )


class LogisticsOwnedMixin(models.AbstractModel):
    """For models whose fields other systems own: guard every write.

    A write's source is Odoo unless server code names another one with a
    `lib.trust.TrustedSource` in the context (`_guarded_write` does): a source
    or a bypass sent as plain values in a client's context is ignored. A field
    owned by another system is read-only in forms and refused from Odoo users;
    inbound messages use `_logistics_apply` to apply what their system owns and
    record the rest as a conflict.
    """

    _name = "logistics.owned.mixin"
    _description = "Fields owned by external systems"

    def write(self, vals):
        source, bypass = trust.source(self.env.context, ODOO)
        _allowed, refused = self.env["logistics.field.ownership"]._split_vals(
            self._name, vals, source
        )
        if refused and not bypass:
            raise UserError(
                _(
                    "These fields are owned by another system and cannot be changed "
                    "here: %s",
                    ", ".join(self._fields[name].string for name in sorted(refused)),
                )
            )
        return super().write(vals)

    def _logistics_apply(self, vals, source, message=None):
        """Apply an inbound change from `source`; return the refused fields."""
        return self.env["logistics.field.ownership"]._guarded_write(
            self, vals, source, message
        )

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "form":
            owners = self.env["logistics.field.ownership"]._owners(self._name)
            for name, owner in owners.items():
                if owner == ODOO:
                    continue
                for node in arch.xpath("//field[@name='%s']" % name):
                    node.set("readonly", "1")
        return arch, view
