import logging
import os
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import config

from ..lib import crypto

_logger = logging.getLogger(__name__)

KEYS_OPTION = "logistics_secret_keys"
KEYS_ENVIRONMENT = "LOGISTICS_SECRET_KEYS"

# Kinds whose previous secret stays valid for the endpoint's overlap window
# when a new one is saved (the peer switches over in its own time).
OVERLAPPING_KINDS = ("hmac",)

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
        help="Several HMAC secrets may be valid at once while a rotation is "
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
    expires_at = fields.Datetime(
        help="After this time the secret is no longer used: set on cached OAuth2 "
        "access tokens, and on an HMAC secret when a newer one replaces it (the "
        "endpoint's overlap window).",
    )

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
        records.filtered(lambda s: s.kind in OVERLAPPING_KINDS)._start_overlap()
        return records

    def write(self, vals):
        """Typing a new value over a stored HMAC secret rotates it.

        The new value becomes a new secret; the stored one stays valid for the
        endpoint's overlap window, so that the peer can switch over meanwhile.
        """
        if not vals.get("value"):
            return super().write(vals)
        rotated = self.filtered(
            lambda s: (
                s.kind in OVERLAPPING_KINDS
                and vals.get("kind", s.kind) == s.kind
                and s.masked_value
            )
        )
        for secret in rotated:
            self.create(
                {"endpoint_id": secret.endpoint_id.id, "kind": secret.kind, **vals}
            )
        others = self - rotated
        if rotated:
            rest = {k: v for k, v in vals.items() if k != "value"}
            if rest:
                super(LogisticsEndpointSecret, rotated).write(rest)
        return super(LogisticsEndpointSecret, others).write(vals) if others else True

    def _start_overlap(self):
        """The endpoint's older secrets of these kinds expire after its overlap."""
        now = fields.Datetime.now()
        for secret in self:
            endpoint = secret.endpoint_id
            older = endpoint.secret_ids.filtered(
                lambda s, new=secret: (
                    s.kind == new.kind
                    and s.id < new.id
                    and s.active
                    and (not s.expires_at or s.expires_at > now)
                )
            )
            if not older:
                continue
            until = now + timedelta(hours=endpoint.secret_overlap_hours)
            older.filtered(
                lambda s, until=until: not s.expires_at or s.expires_at > until
            ).write({"expires_at": until})
            self.env["logistics.audit.log"]._append(
                action="secret_rotation",
                outcome="success",
                endpoint=endpoint,
                details=_(
                    "%(kind)s secret of endpoint %(endpoint)s rotated: the previous "
                    "one stays valid until %(until)s UTC.",
                    kind=dict(SECRET_KINDS)[secret.kind],
                    endpoint=endpoint.code,
                    until=until,
                ),
            )

    def _is_valid(self, now=None):
        """Active and not expired."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        return self.active and (not self.expires_at or self.expires_at > now)

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
