from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    scac_code = fields.Char(
        string="SCAC",
        index="btree_not_null",
        help="Standard Carrier Alpha Code of a carrier, as the TMS reports it.",
    )

    _sql_constraints = [
        ("scac_code_unique", "unique(scac_code)", "A SCAC code names one carrier."),
    ]
