import logging
import os

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import config

from ..lib import crypto

_logger = logging.getLogger(__name__)

KEYS_OPTION = "logistics_secret_keys"
KEYS_ENVIRONMENT = "LOGISTICS_SECRET_KEYS"

SECRET_KINDS = [
    ("api_key", "API key"),
    ("password", "Password"),
    ("client_secret", "OAuth2 client secret"),
    ("access_token", "OAuth2 access token (cache)"),
    ("hmac", "HMAC signing secret"),
]


def secret_box():
    """The box built from the keys in the Odoo configuration or environment.

    Keys never come from the database: a stolen dump stays unreadable.
    """
    keys_text = config.get(KEYS_OPTION) or os.environ.get(KEYS_ENVIRONMENT)
    if not keys_text:
        raise UserError(
            _(
                "No encryption key is configured for integration secrets. Set "
                "%(option)s in the Odoo configuration file (or the %(env)s "
                "environment variable) to one or more Fernet keys, the first being "
                "the one that encrypts.",
                option=KEYS_OPTION,
                env=KEYS_ENVIRONMENT,
            )
        )
    try:
        return crypto.SecretBox(crypto.parse_keys(keys_text))
    except ValueError as err:
        raise UserError(_("Invalid integration secret keys: %s", err)) from err


class LogisticsEndpointSecret(models.Model):
    """One secret of an endpoint, encrypted at rest, never shown after saving."""

    _name = "logistics.endpoint.secret"
    _description = "Endpoint Secret"
    _order = "endpoint_id, kind, id desc"

    endpoint_id = fields.Many2one(
        "logistics.endpoint", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="endpoint_id.company_id", store=True)
    kind = fields.Selection(SECRET_KINDS, required=True)
    active = fields.Boolean(
        default=True,
        help="Several HMAC secrets may be active at once while a rotation is "
        "under way; only the newest one signs.",
    )
    value = fields.Char(
        compute="_compute_value",
        inverse="_inverse_value",
        help="Write-only: the secret is encrypted when saved and never shown again.",
    )
    encrypted_value = fields.Text(
        readonly=True, copy=False, prefetch=False, groups="base.group_system"
    )
    masked_value = fields.Char(readonly=True, copy=False)
    expires_at = fields.Datetime(help="For cached OAuth2 access tokens.")

    def _compute_value(self):
        self.value = False

    def _inverse_value(self):
        box = secret_box()
        for secret in self.filtered("value"):
            secret.sudo().write(
                {
                    "encrypted_value": box.encrypt(secret.value),
                    "masked_value": crypto.mask(secret.value),
                }
            )
        # Forget the plaintext at once: it is never read back.
        self.invalidate_recordset(["value"])

    @api.model_create_multi
    def create(self, vals_list):
        # `value` is write-only: pop it from copies so it is never stored plainly.
        values = [vals.get("value") for vals in vals_list]
        records = super().create(
            [{k: v for k, v in vals.items() if k != "value"} for vals in vals_list]
        )
        for record, value in zip(records, values, strict=True):
            if value:
                record.value = value
        return records

    def _plaintext(self):
        self.ensure_one()
        return secret_box().decrypt(self.sudo().encrypted_value or "")

    @api.model
    def _rotate_all(self):
        """Re-encrypt every stored secret under the primary key; return the count."""
        box = secret_box()
        secrets = (
            self.sudo()
            .with_context(active_test=False)
            .search([("encrypted_value", "!=", False)])
        )
        rotated = 0
        for secret in secrets:
            if box.needs_rotation(secret.encrypted_value):
                secret.encrypted_value = box.rotate(secret.encrypted_value)
                rotated += 1
        self.env["logistics.audit.log"]._append(
            action="secret_rotation",
            outcome="success",
            details=_(
                "%(rotated)s of %(total)s secrets re-encrypted under the primary key.",
                rotated=rotated,
                total=len(secrets),
            ),
        )
        _logger.info("integration secrets rotated: %s of %s", rotated, len(secrets))
        return rotated
