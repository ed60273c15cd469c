import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

_logger = logging.getLogger(__name__)

HEARTBEAT_PARAM = "logistics_integration_base.job_runner_heartbeat"
HEARTBEAT_CHANNEL = "root.logistics"


class LogisticsJobRunnerHeartbeat(models.AbstractModel):
    """A trivial job whose only effect is a timestamp: proof the runner works.

    A cron enqueues one every few minutes; the time of the last one done tells
    ops whether the queue_job runner is alive.
    """

    _name = "logistics.job.runner.heartbeat"
    _description = "Job Runner Heartbeat"

    @api.model
    def action_enqueue(self):
        """Enqueue one heartbeat job; return its UUID (callable over RPC)."""
        if not self.env.user.has_group(
            "logistics_integration_base.group_integration_manager"
        ):
            raise AccessError(_("Only integration managers may enqueue heartbeats."))
        job = self.with_delay(
            channel=HEARTBEAT_CHANNEL, description=_("Job runner heartbeat")
        )._record_heartbeat()
        return job.uuid

    @api.model
    def _cron_enqueue(self):
        self.sudo().with_delay(
            channel=HEARTBEAT_CHANNEL, description=_("Job runner heartbeat")
        )._record_heartbeat()

    @api.model
    def _record_heartbeat(self):
        now = fields.Datetime.to_string(fields.Datetime.now())
        self.env["ir.config_parameter"].sudo().set_param(HEARTBEAT_PARAM, now)
        _logger.info("job runner heartbeat at %s", now)
        return now

    @api.model
    def _last_heartbeat(self):
        value = self.env["ir.config_parameter"].sudo().get_param(HEARTBEAT_PARAM)
        return fields.Datetime.to_datetime(value) if value else None
