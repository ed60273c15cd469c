from datetime import timedelta

from odoo import api, fields, models

from ..lib import api_keys

TOKEN_LIFETIME_PARAM = "logistics_portal_api.token_lifetime"
DEFAULT_TOKEN_LIFETIME = 900


class LogisticsApiToken(models.Model):
    """A short-lived bearer token (OAuth2 client credentials) for an API key."""

    _name = "logistics.api.token"
    _description = "Customer API Bearer Token"

    api_key_id = fields.Many2one(
        "logistics.api.key", required=True, ondelete="cascade", index=True
    )
    token_hash = fields.Char(required=True, index=True)
    scopes = fields.Char(required=True)
    expires_at = fields.Datetime(required=True, index=True)

    @api.model
    def _lifetime(self):
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(TOKEN_LIFETIME_PARAM, DEFAULT_TOKEN_LIFETIME)
        )

    @api.model
    def _issue(self, key, scopes):
        """(token string, lifetime in seconds) for `key`, limited to `scopes`."""
        token = api_keys.new_token()
        lifetime = self._lifetime()
        self.sudo().create(
            {
                "api_key_id": key.id,
                "token_hash": api_keys.hash_secret(token),
                "scopes": " ".join(scopes),
                "expires_at": fields.Datetime.now() + timedelta(seconds=lifetime),
            }
        )
        return token, lifetime

    @api.model
    def _authenticate(self, token):
        """(api key, scopes, reason): the key behind a bearer token."""
        record = self.sudo().search(
            [("token_hash", "=", api_keys.hash_secret(token or ""))], limit=1
        )
        if not record:
            return self.env["logistics.api.key"], [], "invalid_token"
        if record.expires_at <= fields.Datetime.now():
            return record.api_key_id, [], "expired_token"
        key = record.api_key_id.with_context(active_test=False)
        reason = key._unusable_reason()
        # A token never does more than its key does now: a scope taken from
        # the key is taken from its tokens at once.
        scopes = api_keys.effective_scopes(record.scopes.split(), key._scope_list())
        return key, scopes, reason

    @api.autovacuum
    def _gc_expired_tokens(self):
        self.sudo().search([("expires_at", "<", fields.Datetime.now())]).unlink()
