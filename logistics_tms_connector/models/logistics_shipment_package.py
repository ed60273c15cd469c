from collections import defaultdict

from odoo import api, fields, models


class LogisticsShipmentPackage(models.Model):
    """A package of a shipment, from Odoo's packing (stock.quant.package)."""

    _name = "logistics.shipment.package"
    _description = "Shipment Package"
    _order = "shipment_id, id"

    shipment_id = fields.Many2one(
        "logistics.shipment", required=True, ondelete="cascade", index=True
    )
    package_id = fields.Many2one(
        "stock.quant.package", string="Odoo package", ondelete="set null"
    )
    name = fields.Char(string="Package", required=True)
    package_type_id = fields.Many2one("stock.package.type", ondelete="set null")
    weight_kg = fields.Float(string="Weight (kg)")
    length_cm = fields.Float(string="Length (cm)")
    width_cm = fields.Float(string="Width (cm)")
    height_cm = fields.Float(string="Height (cm)")
    hazardous = fields.Boolean()
    un_numbers = fields.Char(
        string="UN numbers", help="UN numbers of the hazardous goods it holds."
    )

    @api.model
    def _commands_for(self, pickings):
        """Commands replacing a shipment's packages by those of `pickings`."""
        move_lines = defaultdict(lambda: self.env["stock.move.line"])
        for line in pickings.move_line_ids.filtered("result_package_id"):
            move_lines[line.result_package_id] |= line
        return [fields.Command.clear()] + [
            fields.Command.create(self._prepare_vals(package, lines))
            for package, lines in move_lines.items()
        ]

    @api.model
    def _prepare_vals(self, package, move_lines):
        """A package's dimensions (its type's, in cm) and weight (in kg): the
        weight given when packing, else contents plus the type's own weight."""
        Template = self.env["product.template"]
        weight_uom = Template._get_weight_uom_id_from_ir_config_parameter()
        length_uom = Template._get_length_uom_id_from_ir_config_parameter()
        kg = self.env.ref("uom.product_uom_kgm")
        cm = self.env.ref("uom.product_uom_cm")
        package_type = package.package_type_id
        if package.shipping_weight:
            weight = package.shipping_weight
        else:
            weight = package_type.base_weight + sum(
                line.product_id.weight
                * line.product_uom_id._compute_quantity(
                    line.quantity, line.product_id.uom_id
                )
                for line in move_lines
            )
        products = move_lines.product_id.filtered("logistics_hazardous")
        return {
            "package_id": package.id,
            "name": package.name,
            "package_type_id": package_type.id,
            "weight_kg": weight_uom._compute_quantity(weight, kg, round=False),
            "length_cm": length_uom._compute_quantity(
                package_type.packaging_length, cm, round=False
            ),
            "width_cm": length_uom._compute_quantity(
                package_type.width, cm, round=False
            ),
            "height_cm": length_uom._compute_quantity(
                package_type.height, cm, round=False
            ),
            "hazardous": bool(products),
            "un_numbers": ", ".join(
                sorted(set(products.mapped("logistics_un_number")) - {False})
            )
            or False,
        }

    def _canonical_package(self):
        self.ensure_one()
        return {
            "package_ref": self.name,
            "package_type": self.package_type_id.name or None,
            "weight_kg": self.weight_kg,
            "length_cm": self.length_cm,
            "width_cm": self.width_cm,
            "height_cm": self.height_cm,
            "hazardous": self.hazardous,
            "un_numbers": self.un_numbers.split(", ") if self.un_numbers else [],
        }
