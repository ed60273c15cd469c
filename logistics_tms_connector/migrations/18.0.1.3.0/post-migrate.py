"""The shipments' status is indexed with their company
(`logistics_shipment_status_company_idx`, made by the model): the field's
own index on the status alone, which Odoo keeps once the field no longer
asks for it, is dropped."""

from odoo.tools.sql import drop_index, make_index_name


def migrate(cr, version):
    if not version:
        return
    table = "logistics_shipment"
    drop_index(cr, make_index_name(table, "status"), table)
