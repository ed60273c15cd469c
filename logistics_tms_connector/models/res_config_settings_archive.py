from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .logistics_shipment_history import SHIPMENT_ARCHIVE_DAYS_PARAM


# One model, one file per seam: merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    logistics_shipment_archive_days = fields.Integer(
        string="Archive shipments after (days)",
        config_parameter=SHIPMENT_ARCHIVE_DAYS_PARAM,
        default=0,
        help="Shipments that ended (delivered, returned, cancelled) longer ago "
        "have their milestone timeline moved to the shipment history; the "
        "shipment and its service facts stay. 0: never.",
    )

    @api.constrains("logistics_shipment_archive_days")
    def _check_logistics_shipment_archive_days(self):
        for settings in self:
            if settings.logistics_shipment_archive_days < 0:
                raise ValidationError(
                    self.env._("Archive after: days cannot be negative (0: never).")
                )
