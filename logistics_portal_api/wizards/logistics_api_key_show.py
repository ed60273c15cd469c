from odoo import fields, models


class LogisticsApiKeyShow(models.TransientModel):
    """Shows a new API key once; it is not stored anywhere in clear."""

    _name = "logistics.api.key.show"
    _description = "New API Key"

    api_key = fields.Char(readonly=True)
