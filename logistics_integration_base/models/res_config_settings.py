from odoo import api, fields, models

from .logistics_audit_log import AUDIT_RETENTION_PARAM, DEFAULT_AUDIT_RETENTION_DAYS
from .logistics_endpoint import PRODUCTION_DATABASE_PARAM

MANAGER_GROUP = "logistics_integration_base.group_integration_manager"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    logistics_production_database = fields.Boolean(
        string="This database is production",
        help="Only a database marked here may call endpoints marked production. The "
        "mark is bound to this database's UUID: a copy of it is not production.",
    )
    logistics_metrics_token = fields.Char(
        string="Metrics token",
        config_parameter="logistics_integration_base.metrics_token",
        help="Bearer token that /logistics/metrics asks for (empty: metrics off).",
    )
    logistics_audit_retention_days = fields.Integer(
        string="Audit log retention (days)",
        config_parameter=AUDIT_RETENTION_PARAM,
        default=DEFAULT_AUDIT_RETENTION_DAYS,
    )

    @api.model
    def get_values(self):
        self._logistics_check_access("read")
        res = super().get_values()
        res["logistics_production_database"] = self.env[
            "logistics.endpoint"
        ]._is_production_database()
        return res

    def set_values(self):
        # Odoo's own set_values checks nothing: on no record it would reset
        # every setting to empty, for any logged-in caller.
        self._logistics_check_access("write")
        result = super().set_values()
        params = self.env["ir.config_parameter"].sudo()
        marked = (
            params.get_param("database.uuid")
            if self.logistics_production_database
            else False
        )
        if bool(marked) != self.env["logistics.endpoint"]._is_production_database():
            params.set_param(PRODUCTION_DATABASE_PARAM, marked)
            self.env["logistics.audit.log"]._append(
                action="configuration",
                outcome="success",
                details="Database marked as production"
                if marked
                else "Database no longer marked as production",
            )
        return result

    def action_rotate_secrets(self):
        self._logistics_check_access("write", group=MANAGER_GROUP)
        rotated = self.env["logistics.endpoint.secret"]._rotate_all()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._("%s secret(s) re-encrypted.", rotated),
                "type": "success",
            },
        }
