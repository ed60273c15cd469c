from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .logistics_message_archive import MESSAGE_ARCHIVE_DAYS_PARAM


# One model, one file per seam: merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    logistics_message_archive_days = fields.Integer(
        string="Archive messages after (days)",
        config_parameter=MESSAGE_ARCHIVE_DAYS_PARAM,
        default=0,
        help="Finished messages (done, stale, superseded) received longer ago are "
        "moved to the message archive, without their payload; 0: never.",
    )

    @api.constrains("logistics_message_archive_days")
    def _check_logistics_message_archive_days(self):
        for settings in self:
            if settings.logistics_message_archive_days < 0:
                raise ValidationError(
                    self.env._("Archive after: days cannot be negative (0: never).")
                )
