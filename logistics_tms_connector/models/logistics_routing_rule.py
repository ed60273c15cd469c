from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

from ..lib import routing
from .sale_order_service import SERVICE_LEVELS


class LogisticsRoutingRule(models.Model):
    """Sends a company's shipments to one TMS, carrier or 3PL endpoint by what
    they are: warehouse, destination, service level, size, customer, products.
    The first rule that matches (by sequence) decides; none: the warehouse's
    TMS. The decision is kept on the shipment (see lib/routing.py)."""

    _name = "logistics.routing.rule"
    _description = "Shipment routing rule"
    _order = "company_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    endpoint_id = fields.Many2one(
        "logistics.endpoint",
        string="Send to",
        required=True,
        domain="[('system', '=', 'tms')]",
        check_company=True,
        ondelete="restrict",
    )
    warehouse_ids = fields.Many2many(
        "stock.warehouse", string="Warehouses", check_company=True
    )
    country_ids = fields.Many2many("res.country", string="Destination countries")
    zip_from = fields.Char(string="Postal codes from")
    zip_to = fields.Char(string="Postal codes to")
    service_level = fields.Selection(SERVICE_LEVELS, help="Empty: any.")
    weight_min = fields.Float(string="Weight from (kg)")
    weight_max = fields.Float(string="Weight up to (kg)", help="0: no upper bound.")
    volume_min = fields.Float(string="Volume from (m³)")
    volume_max = fields.Float(string="Volume up to (m³)", help="0: no upper bound.")
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        domain="[('is_company', '=', True)]",
        help="Empty: any customer.",
    )
    product_category_ids = fields.Many2many(
        "product.category",
        string="Product categories",
        help="Holds when a product of the shipment is in one of these "
        "categories or below.",
    )
    shipment_count = fields.Integer(compute="_compute_shipment_count")

    @api.constrains("weight_min", "weight_max", "volume_min", "volume_max")
    def _check_bounds(self):
        for rule in self:
            for low, high in (
                (rule.weight_min, rule.weight_max),
                (rule.volume_min, rule.volume_max),
            ):
                if low < 0 or high < 0 or (high and low > high):
                    raise ValidationError(
                        _(
                            "Rule %s: a range's lower bound is above its upper "
                            "one, or below zero.",
                            rule.name,
                        )
                    )

    @api.constrains("zip_from", "zip_to")
    def _check_zip_range(self):
        for rule in self:
            low = routing.normalise_zip(rule.zip_from)
            high = routing.normalise_zip(rule.zip_to)
            if low and high and low[: len(high)] > high:
                raise ValidationError(
                    _(
                        "Rule %(rule)s: postal codes from %(low)s are above %(high)s.",
                        rule=rule.name,
                        low=rule.zip_from,
                        high=rule.zip_to,
                    )
                )

    def _compute_shipment_count(self):
        counts = dict(
            self.env["logistics.shipment"]._read_group(
                [("routing_rule_id", "in", self.ids)],
                ["routing_rule_id"],
                ["__count"],
            )
        )
        for rule in self:
            rule.shipment_count = counts.get(rule, 0)

    def _as_rule(self):
        """The pure rule (lib/routing.py) of this record."""
        self.ensure_one()
        return routing.Rule(
            key=self.id,
            warehouse_ids=frozenset(self.warehouse_ids.ids),
            country_codes=frozenset(self.country_ids.mapped("code")),
            zip_from=self.zip_from or "",
            zip_to=self.zip_to or "",
            service_levels=frozenset(
                [self.service_level] if self.service_level else []
            ),
            weight_min=self.weight_min or None,
            weight_max=self.weight_max or None,
            volume_min=self.volume_min or None,
            volume_max=self.volume_max or None,
            customer_ids=frozenset(self.partner_ids.ids),
            category_ids=frozenset(self.product_category_ids.ids),
        )

    @api.model
    def _route(self, company, facts):
        """The rule of ``company`` that routes a shipment with ``facts``,
        or an empty recordset."""
        match = routing.first_match(self._company_rules(company.id), facts)
        return self.sudo().browse(match.key if match else ())

    @api.model
    @tools.ormcache("company_id")
    def _company_rules(self, company_id):
        """The active rules of a company, as pure rules in their order: read
        once, not for each delivery order (cleared when a rule changes)."""
        rules = self.sudo().search([("company_id", "=", company_id)])
        return tuple(rule._as_rule() for rule in rules)

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()  # _company_rules
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    def action_view_shipments(self):
        self._logistics_check_access("read", read_models=("logistics.shipment",))
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Shipments routed by %s", self.name),
            "res_model": "logistics.shipment",
            "view_mode": "list,form",
            "domain": [("routing_rule_id", "=", self.id)],
        }
