from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import edi_http
from .logistics_endpoint_edi import HTTP_PROTOCOL


# One model, one file per seam (see logistics_endpoint.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsEndpoint(models.Model):
    """EDI over HTTP POST, the third transport beside SFTP and a drop folder:
    Odoo POSTs its interchanges (204 / IFTMIN, 997 / CONTRL) to the carrier
    through `_request`, the carrier POSTs its own to
    ``/logistics/edi/<code>/inbound``, signed with the endpoint's HMAC secret
    (controllers/edi_http.py)."""

    _inherit = "logistics.endpoint"

    edi_http_path = fields.Char(
        string="EDI path",
        help="Where Odoo POSTs its interchanges, relative to the base URL "
        "(empty: the base URL itself). The carrier POSTs its own to "
        "/logistics/edi/<code>/inbound, signed with the HMAC secret.",
    )

    edi_inbound_url = fields.Char(
        string="EDI inbound URL",
        compute="_compute_edi_inbound_url",
        help="Where the carrier POSTs its interchanges, signed with the HMAC secret.",
    )

    @api.depends("code", "edi_standard", "protocol")
    def _compute_edi_inbound_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for endpoint in self:
            endpoint.edi_inbound_url = (
                base_url + edi_http.INBOUND_ROUTE % endpoint.code
                if endpoint.edi_standard
                and endpoint.protocol == HTTP_PROTOCOL
                and endpoint.code
                else False
            )

    @api.constrains("edi_standard", "protocol", "base_url")
    def _check_edi_http(self):
        for endpoint in self.filtered(
            lambda e: e.edi_standard and e.protocol == HTTP_PROTOCOL
        ):
            if not endpoint.base_url:
                raise ValidationError(
                    _("%s: EDI over HTTP POST needs a base URL.", endpoint.name)
                )

    def _edi_deliver(self, name, text, correlation_id):
        """POST the interchange: a 2xx answer means delivered (anything else
        raises, retryable or not, as `_request` decides)."""
        self.ensure_one()
        if self.protocol != HTTP_PROTOCOL:
            return super()._edi_deliver(name, text, correlation_id)
        response = self._request(
            "POST",
            self.edi_http_path or "",
            correlation_id,
            data=text.encode("utf-8"),
            headers={"Content-Type": edi_http.content_type(self.edi_standard)},
        )
        return {"http_status": response.status_code}
