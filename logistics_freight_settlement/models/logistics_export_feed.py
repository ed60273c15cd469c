from odoo import _, api, models

CHARGE_COLUMNS = [
    ("charge_id", "id"),
    ("shipment_id", "shipment_id"),
    ("shipment", "shipment_id.name"),
    ("company_id", "company_id"),
    ("customer_id", "customer_id"),
    ("carrier_id", "carrier_id"),
    ("charge_type", "charge_type_id.code"),
    ("accessorial", "is_accessorial"),
    ("external_code", "external_code"),
    ("description", "description"),
    ("quantity", "quantity"),
    ("date", "date"),
    ("currency", "currency_id.name"),
    ("expected_amount", "expected_amount"),
    ("tms_amount", "tms_amount"),
    ("actual_amount", "actual_amount"),
    ("approved_amount", "approved_amount"),
    ("variance_amount", "variance_amount"),
    ("variance_percent", "variance_percent"),
    ("state", "state"),
    ("decision", "decision"),
    ("freight_terms", "freight_terms"),
    ("resolution", "resolution"),
    ("created_at", "create_date"),
    ("changed_at", "write_date"),
]


# One model, one file per seam (the feed lives in logistics_tms_connector).
# pylint: disable=consider-merging-classes-inherited
class LogisticsExportFeed(models.Model):
    """The freight charges as a dataset of the analytics export."""

    _inherit = "logistics.export.feed"

    @api.model
    def _export_datasets(self):
        datasets = super()._export_datasets()
        datasets["charges"] = {
            "label": _("Freight charges"),
            "model": "logistics.freight.charge",
            "domain": [],
            "columns": CHARGE_COLUMNS,
        }
        return datasets
