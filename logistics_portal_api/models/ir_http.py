from odoo import models
from odoo.http import request

from odoo.addons.logistics_integration_base.lib import correlation

from ..lib import openapi


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _serve_fallback(cls):
        """A path under the customer API that no route takes (an unknown path,
        or a path argument its route refuses, e.g. /documents/abc): 404 in the
        API's error shape, as the description promises, not Odoo's HTML page."""
        path = request.httprequest.path
        if not path.startswith(openapi.SERVER + "/"):
            return super()._serve_fallback()
        correlation_id = correlation.accept(
            request.httprequest.headers.get(correlation.HEADER)
        )
        return request.make_json_response(
            {
                "error": {
                    "code": "not_found",
                    "message": "No such resource: %s" % path[len(openapi.SERVER) :],
                    "details": [],
                },
                "correlation_id": correlation_id,
            },
            status=404,
            headers=[(correlation.HEADER, correlation_id)],
        )
