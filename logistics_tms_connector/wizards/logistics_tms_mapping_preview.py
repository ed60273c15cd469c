import json

from odoo import api, fields, models

from ..lib import mapping


class LogisticsTmsMappingPreview(models.TransientModel):
    """What a TMS endpoint's mapping template makes of a real shipment."""

    _name = "logistics.tms.mapping.preview"
    _description = "TMS Mapping Preview"

    endpoint_id = fields.Many2one("logistics.endpoint", required=True)
    shipment_id = fields.Many2one("logistics.shipment", required=True)
    canonical_document = fields.Text(compute="_compute_preview")
    tms_payload = fields.Text(string="TMS payload", compute="_compute_preview")

    @api.depends("endpoint_id", "shipment_id")
    def _compute_preview(self):
        for preview in self:
            if not (preview.endpoint_id and preview.shipment_id):
                preview.canonical_document = preview.tms_payload = False
                continue
            document = preview.shipment_id._canonical_document()
            try:
                payload = mapping.render(preview.endpoint_id._tms_template(), document)
                preview.tms_payload = json.dumps(payload, indent=2, default=str)
            except mapping.MappingError as err:
                preview.tms_payload = str(err)
            preview.canonical_document = json.dumps(document, indent=2, default=str)
