from odoo import api, fields, models


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """What the customer asked of the transport (delivery instructions, the
    contact at delivery) and Odoo's packing (packages, hazardous goods)."""

    _inherit = "logistics.shipment"

    delivery_instructions = fields.Text()
    delivery_contact_name = fields.Char(string="Delivery contact")
    delivery_contact_phone = fields.Char(string="Delivery contact phone")
    delivery_contact_email = fields.Char(string="Delivery contact email")
    package_ids = fields.One2many(
        "logistics.shipment.package", "shipment_id", string="Packages", copy=True
    )

    @api.depends(
        "line_ids.weight_kg",
        "line_ids.volume_m3",
        "line_ids.package_ref",
        "package_ids",
    )
    def _compute_totals(self):
        result = super()._compute_totals()
        for shipment in self.filtered("package_ids"):
            shipment.package_count = len(shipment.package_ids)
        return result

    def _canonical_document(self):
        document = super()._canonical_document()
        document["delivery_instructions"] = self.delivery_instructions or None
        contact = {
            "name": self.delivery_contact_name or None,
            "phone": self.delivery_contact_phone or None,
            "email": self.delivery_contact_email or None,
        }
        document["delivery_contact"] = contact if any(contact.values()) else None
        return document

    def _canonical_packages(self):
        if self.package_ids:
            return [package._canonical_package() for package in self.package_ids]
        return super()._canonical_packages()
