import base64

from odoo import _, api, models

from odoo.addons.logistics_integration_base.lib import outcome


class LogisticsPortalDocument(models.AbstractModel):
    """Documents customers upload to their orders (flow order.document)."""

    _name = "logistics.portal.document"
    _description = "Customer Document Upload"

    @api.model
    def _portal_attach(self, message):
        order = self.env["sale.order"].browse(message.res_id)
        payload = dict(message.payload)
        content = base64.b64decode(payload.pop("content_base64"))
        attachment = self.env["ir.attachment"].create(
            {
                "name": payload["filename"],
                "raw": content,
                "mimetype": payload["mimetype"],
                "res_model": order._name,
                "res_id": order.id,
                "logistics_portal_kind": "customer_upload",
            }
        )
        # The file now lives in the attachment: keep only its description here.
        message.payload = dict(payload, attachment_id=attachment.id)
        order.message_post(
            body=_("The customer uploaded %s through the API.", attachment.name),
            attachment_ids=attachment.ids,
        )
        return outcome.created(
            {
                "id": attachment.id,
                "name": attachment.name,
                "mimetype": attachment.mimetype,
                "size": attachment.file_size,
                "sha256": payload["sha256"],
            }
        ).to_json()
