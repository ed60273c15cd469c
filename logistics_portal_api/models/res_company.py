from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    logistics_service_request_user_id = fields.Many2one(
        "res.users",
        string="Service requests handled by",
        help="Who gets the activity of a new customer service request. Leave empty "
        "to use the team below.",
    )
    logistics_service_request_team_id = fields.Many2one(
        "crm.team",
        string="Service request team",
        help="The sales team that handles customer service requests: its leader "
        "(else its first member) gets the activity. Without a user or a team, "
        "the salesperson of the order does (else the administrator).",
    )
