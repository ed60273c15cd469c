from odoo import fields, models

from .logistics_endpoint_file import SSH_KEY_SECRET


# One model, one file per seam (see logistics_endpoint_secret.py).
# pylint: disable=consider-merging-classes-inherited
class LogisticsEndpointSecret(models.Model):
    """The private key an SFTP endpoint logs in with, encrypted like the others."""

    _inherit = "logistics.endpoint.secret"

    kind = fields.Selection(
        selection_add=[(SSH_KEY_SECRET, "SSH private key")],
        ondelete={SSH_KEY_SECRET: "cascade"},
    )
