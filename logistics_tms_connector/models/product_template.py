import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

UN_NUMBER_RE = re.compile(r"^\d{4}$")


class ProductTemplate(models.Model):
    _inherit = "product.template"

    logistics_hazardous = fields.Boolean(
        string="Hazardous goods",
        help="Dangerous goods for transport (ADR): the TMS is told on every "
        "shipment and package that carries it.",
    )
    logistics_un_number = fields.Char(
        string="UN number",
        help="The four-digit UN number of the dangerous goods, e.g. 1203.",
    )

    @api.constrains("logistics_un_number")
    def _check_logistics_un_number(self):
        for template in self.filtered("logistics_un_number"):
            if not UN_NUMBER_RE.match(template.logistics_un_number):
                raise ValidationError(
                    _(
                        "The UN number of %(product)s must be four digits, not "
                        "%(value)s.",
                        product=template.display_name,
                        value=template.logistics_un_number,
                    )
                )
