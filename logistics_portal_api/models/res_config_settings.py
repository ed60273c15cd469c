from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.logistics_integration_base.lib import url_guard
from odoo.addons.logistics_integration_base.models.logistics_endpoint import (
    OUTBOUND_ALLOW_LIST_PARAM,
)

from .logistics_api_key import DEFAULT_RATE_LIMIT, DEFAULT_RATE_LIMIT_PARAM
from .logistics_api_token import DEFAULT_TOKEN_LIFETIME, TOKEN_LIFETIME_PARAM

UPLOAD_LIMIT_PARAM = "logistics_portal_api.max_upload_bytes"
DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    logistics_api_rate_limit = fields.Integer(
        string="API requests per minute (new keys)",
        config_parameter=DEFAULT_RATE_LIMIT_PARAM,
        default=DEFAULT_RATE_LIMIT,
    )
    logistics_api_token_lifetime = fields.Integer(
        string="Bearer token lifetime (seconds)",
        config_parameter=TOKEN_LIFETIME_PARAM,
        default=DEFAULT_TOKEN_LIFETIME,
    )
    logistics_api_max_upload = fields.Integer(
        string="Largest document upload (bytes)",
        config_parameter=UPLOAD_LIMIT_PARAM,
        default=DEFAULT_UPLOAD_LIMIT,
    )
    logistics_outbound_allow_list = fields.Char(
        string="Internal webhook receivers",
        config_parameter=OUTBOUND_ALLOW_LIST_PARAM,
        help="Host names, addresses or networks (CIDR), separated by commas, that "
        "customer webhooks may reach although they are internal (an on-premise "
        "receiver). Everything else must resolve to public addresses only.",
    )

    @api.constrains("logistics_outbound_allow_list")
    def _check_logistics_outbound_allow_list(self):
        for settings in self:
            try:
                url_guard.parse_allow_list(settings.logistics_outbound_allow_list)
            except ValueError as err:
                raise ValidationError(_("Internal webhook receivers: %s", err)) from err
