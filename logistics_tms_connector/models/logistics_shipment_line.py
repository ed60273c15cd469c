from odoo import fields, models


class LogisticsShipmentLine(models.Model):
    """An item of a shipment: what, how many, how heavy, in which package."""

    _name = "logistics.shipment.line"
    _description = "Shipment Item"
    _order = "shipment_id, sequence, id"

    shipment_id = fields.Many2one(
        "logistics.shipment", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    move_id = fields.Many2one("stock.move", ondelete="set null")
    product_id = fields.Many2one("product.product", required=True)
    description = fields.Char()
    quantity = fields.Float(required=True, digits="Product Unit of Measure")
    uom_id = fields.Many2one("uom.uom", required=True)
    weight_kg = fields.Float(string="Weight (kg)")
    volume_m3 = fields.Float(string="Volume (m³)")
    package_ref = fields.Char(string="Package")
    hazardous = fields.Boolean()
    un_number = fields.Char(string="UN number")
    picked_quantity = fields.Float(
        string="Picked up",
        digits="Product Unit of Measure",
        readonly=True,
        help="The quantity the TMS reported picked up (when it reports quantities).",
    )

    _sql_constraints = [
        ("quantity_positive", "check(quantity > 0)", "Quantities must be positive."),
    ]

    def _canonical_item(self):
        self.ensure_one()
        return {
            "line_id": self.id,
            "product_code": self.product_id.default_code or str(self.product_id.id),
            "description": self.description or self.product_id.display_name,
            "quantity": self.quantity,
            "uom": self.uom_id.name,
            "weight_kg": self.weight_kg,
            "volume_m3": self.volume_m3,
            "hazardous": self.hazardous,
            "un_number": self.un_number or None,
        }
