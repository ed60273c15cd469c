from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    freight_dispute_user_id = fields.Many2one(
        "res.users",
        string="Freight disputes handled by",
        help="Who gets the activity when a freight charge is disputed (default: "
        "the administrator).",
    )
    freight_auto_post_bills = fields.Boolean(
        string="Post carrier bills automatically",
        help="Post the vendor bills of the settlement run at once (otherwise they "
        "wait in draft for accounting).",
    )

    def _freight_dispute_user(self):
        """Who gets freight dispute activities in this company."""
        self.ensure_one()
        return self.freight_dispute_user_id or self.env.ref("base.user_admin")
