from odoo import fields, models

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
