from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import api_keys

DEFAULT_RATE_LIMIT_PARAM = "logistics_portal_api.default_rate_limit"
DEFAULT_RATE_LIMIT = 120
MANAGER_GROUP = "logistics_portal_api.group_portal_api_manager"


class LogisticsApiKey(models.Model):
    """A customer system's key to the JSON API, bound to one portal user."""

    _name = "logistics.api.key"
    _description = "Customer API Key"
    _order = "id desc"

    name = fields.Char(required=True, help="What the key is for, e.g. 'ERP of ACME'.")
    user_id = fields.Many2one(
        "res.users",
        required=True,
        ondelete="cascade",
        domain="[('share', '=', True)]",
        help="The portal user the key acts as: it sees what this user may see.",
    )
    partner_id = fields.Many2one(
        related="user_id.partner_id.commercial_partner_id",
        store=True,
        string="Customer",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    key_id = fields.Char(string="Key ID", readonly=True, index=True, copy=False)
    secret_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    scopes = fields.Char(
        required=True,
        default="orders:write orders:read shipments:read documents:read invoices:read",
        help="Space-separated: " + " ".join(api_keys.SCOPES),
    )
    expires_at = fields.Datetime(help="Empty: the key does not expire.")
    active = fields.Boolean(default=True)
    revoked_at = fields.Datetime(readonly=True, copy=False)
    revoked_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    rate_limit_per_minute = fields.Integer(
        default=lambda self: self._default_rate_limit(),
        help="Requests allowed per minute before 429 Too Many Requests.",
    )
    last_used_at = fields.Datetime(readonly=True, copy=False)

    _sql_constraints = [
        ("key_id_unique", "unique(key_id)", "Key IDs are unique."),
        (
            "rate_limit_positive",
            "check(rate_limit_per_minute > 0)",
            "Rate limit must be > 0.",
        ),
    ]

    @api.model
    def _default_rate_limit(self):
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(DEFAULT_RATE_LIMIT_PARAM, DEFAULT_RATE_LIMIT)
        )

    @api.constrains("scopes")
    def _check_scopes(self):
        for key in self:
            try:
                api_keys.parse_scopes(key.scopes)
            except ValueError as err:
                raise ValidationError(str(err)) from err

    @api.constrains("user_id")
    def _check_portal_user(self):
        for key in self:
            if not key.user_id.share:
                raise ValidationError(
                    _(
                        "API keys act as portal users; %s is an internal user.",
                        key.user_id.name,
                    )
                )

    # ------------------------------------------------------------------
    # actions

    def action_generate(self):
        """Issue a new secret; it is shown once, in the returned wizard."""
        self._logistics_check_access("write", group=MANAGER_GROUP)
        self.ensure_one()
        key_id, secret, full_key = api_keys.generate()
        self.sudo().write(
            {"key_id": key_id, "secret_hash": api_keys.hash_secret(secret)}
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Your new API key"),
            "res_model": "logistics.api.key.show",
            "view_mode": "form",
            "target": "new",
            "context": {"default_api_key": full_key},
        }

    def action_revoke(self):
        self._logistics_check_access("write", group=MANAGER_GROUP)
        self.write(
            {
                "active": False,
                "revoked_at": fields.Datetime.now(),
                "revoked_by_id": self.env.uid,
            }
        )
        self.env["logistics.api.token"].sudo().search(
            [("api_key_id", "in", self.ids)]
        ).unlink()
        return True

    # ------------------------------------------------------------------
    # business methods

    @api.model
    def _issue(self, user, scopes, name="API key", expires_at=False):
        """Create a key and return (key, full key string) — the string only once."""
        key = self.create(
            {
                "name": name,
                "user_id": user.id,
                "scopes": " ".join(scopes),
                "expires_at": expires_at,
            }
        )
        key_id, secret, full_key = api_keys.generate()
        key.sudo().write(
            {"key_id": key_id, "secret_hash": api_keys.hash_secret(secret)}
        )
        return key, full_key

    @api.model
    def _authenticate(self, presented):
        """The usable key for a presented key string, or the reason it is not."""
        try:
            key_id, secret = api_keys.parse(presented)
        except ValueError:
            return self.browse(), "invalid_key"
        key = (
            self.sudo()
            .with_context(active_test=False)
            .search([("key_id", "=", key_id)])
        )
        if not key or not api_keys.verify(secret, key.secret_hash):
            return self.browse(), "invalid_key"
        return key, key._unusable_reason()

    def _unusable_reason(self):
        self.ensure_one()
        if not self.active or self.revoked_at:
            return "revoked_key"
        if self.expires_at and self.expires_at <= fields.Datetime.now():
            return "expired_key"
        if not self.user_id.active:
            return "revoked_key"
        return None

    def _scope_list(self):
        return api_keys.parse_scopes(self.scopes)
