from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import master_data

DEFAULT_BATCH = 200


# One model, one file per seam (see logistics_endpoint.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsEndpoint(models.Model):
    """Master data to a partner: customers' delivery locations and products,
    sent when they change, batched on a schedule (logistics.master.data.sent)."""

    _inherit = "logistics.endpoint"

    tms_master_data = fields.Boolean(
        string="Send master data",
        help="Send customers' delivery locations and products (dimensions, "
        "hazardous goods) to this partner when they change, in batches.",
    )
    tms_master_data_batch_size = fields.Integer(
        string="Records per call", default=DEFAULT_BATCH
    )
    tms_master_data_cursor = fields.Datetime(
        string="Master data checked", readonly=True, copy=False
    )

    @api.constrains("tms_master_data", "protocol", "tms_master_data_batch_size")
    def _check_tms_master_data(self):
        for endpoint in self.filtered("tms_master_data"):
            if endpoint.protocol != "rest":
                raise ValidationError(
                    _(
                        "%s: master data can only be sent to a REST endpoint.",
                        endpoint.name,
                    )
                )
            if not 1 <= endpoint.tms_master_data_batch_size <= master_data.MAX_BATCH:
                raise ValidationError(
                    _(
                        "%(endpoint)s: records per call must be 1 to %(max)s.",
                        endpoint=endpoint.name,
                        max=master_data.MAX_BATCH,
                    )
                )

    def action_send_master_data(self):
        """Send what changed now, instead of waiting for the schedule."""
        self._logistics_check_access(
            "write", group="logistics_integration_base.group_integration_manager"
        )
        Sent = self.env["logistics.master.data.sent"].sudo()
        count = sum(
            Sent._send_changes(endpoint)
            for endpoint in self.filtered("tms_master_data")
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": _("%s changed record(s) on their way.", count),
            },
        }
