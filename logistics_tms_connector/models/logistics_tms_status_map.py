from odoo import fields, models

from ..lib import milestones


class LogisticsTmsStatusMap(models.Model):
    """One TMS status code and the canonical (X12 214 AT7) code it means."""

    _name = "logistics.tms.status.map"
    _description = "TMS Status Code Mapping"
    _order = "endpoint_id, tms_code"

    endpoint_id = fields.Many2one(
        "logistics.endpoint", required=True, ondelete="cascade", index=True
    )
    tms_code = fields.Char(string="TMS code", required=True)
    canonical_code = fields.Selection(list(milestones.CANONICAL.items()), required=True)

    _sql_constraints = [
        (
            "tms_code_unique",
            "unique(endpoint_id, tms_code)",
            "A TMS code is mapped once per endpoint.",
        )
    ]
