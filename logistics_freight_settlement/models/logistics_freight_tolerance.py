from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import reconcile


class LogisticsFreightTolerance(models.Model):
    """How far an actual charge may differ from the expected one and be paid.

    Per carrier and charge type, with catch-alls; the most specific rule that
    applies wins. No rule at all: only exact matches are approved.
    """

    _name = "logistics.freight.tolerance"
    _description = "Freight Tolerance Rule"
    _order = "sequence, id"

    name = fields.Char(compute="_compute_name", store=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        help="Empty: every company.",
    )
    carrier_id = fields.Many2one(
        "res.partner", string="Carrier", help="Empty: every carrier."
    )
    charge_type_id = fields.Many2one(
        "logistics.freight.charge.type",
        string="Charge type",
        help="Empty: every charge type.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency of the absolute limit (converted to the charge's).",
    )
    absolute_amount = fields.Monetary(
        string="Absolute limit",
        help="Largest accepted difference, either way (0: no absolute limit).",
    )
    percentage = fields.Float(
        string="Percentage limit (%)",
        help="Largest accepted difference in percent of the expected amount, "
        "either way (0: no percentage limit).",
    )
    combine = fields.Selection(
        reconcile.COMBINATIONS,
        string="Limits",
        default=reconcile.COMBINE_ALL,
        required=True,
        help="With both limits set: must the difference be within both, or is "
        "one enough? A rule without limits accepts exact matches only.",
    )

    _sql_constraints = [
        (
            "limits_positive",
            "check(absolute_amount >= 0 and percentage >= 0)",
            "Tolerance limits cannot be negative.",
        ),
    ]

    @api.depends("carrier_id", "charge_type_id", "absolute_amount", "percentage")
    def _compute_name(self):
        for rule in self:
            rule.name = "%s / %s" % (
                rule.carrier_id.name or _("Any carrier"),
                rule.charge_type_id.name or _("Any charge"),
            )

    @api.constrains("carrier_id", "charge_type_id", "company_id", "active")
    def _check_scope_unique(self):
        for rule in self.filtered("active"):
            clash = self.search_count(
                [
                    ("id", "!=", rule.id),
                    ("company_id", "=", rule.company_id.id),
                    ("carrier_id", "=", rule.carrier_id.id),
                    ("charge_type_id", "=", rule.charge_type_id.id),
                ]
            )
            if clash:
                raise ValidationError(
                    _("There is already a tolerance rule for %s.", rule.name)
                )

    @api.model
    def _for_charge(self, charge):
        """The most specific active rule for a charge (empty if none applies)."""
        rules = self.sudo().search(
            [("company_id", "in", [charge.company_id.id, False])]
        )
        key = reconcile.most_specific(
            [
                reconcile.Rule(
                    rule.id,
                    rule.carrier_id.id or None,
                    rule.charge_type_id.id or None,
                    rule.sequence,
                )
                for rule in rules
            ],
            charge.carrier_id.id,
            charge.charge_type_id.id,
        )
        return self.browse(key)

    def _tolerance_for(self, charge):
        """This rule as a `reconcile.Tolerance` in the charge's currency."""
        if not self:
            return reconcile.ZERO_TOLERANCE
        self.ensure_one()
        absolute = self.currency_id._convert(
            self.absolute_amount, charge.currency_id, charge.company_id, charge.date
        )
        return reconcile.Tolerance(
            absolute=absolute, percentage=self.percentage, combine=self.combine
        )
