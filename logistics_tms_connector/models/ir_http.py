import re

from werkzeug.exceptions import HTTPException, abort

from odoo import models
from odoo.http import request

from odoo.addons.logistics_integration_base.lib import correlation

from ..controllers import tms_webhook

# The TMS webhook and the EDI over HTTP inbound route (controllers/edi_http.py).
WEBHOOK_PATH = re.compile(r"^/logistics/(tms/[^/]+/events|edi/[^/]+/inbound)$")


class IrHttp(models.AbstractModel):
    """The TMS webhook (and the EDI inbound route) refuses a body on its size
    before Odoo reads it.

    Odoo parses a form body before the handler runs: the size is checked
    here first, and refusals keep the webhook's JSON error shape.
    """

    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        result = super()._pre_dispatch(rule, args)
        if _is_webhook():
            refusal = tms_webhook._size_refusal(_correlation_id())
            if refusal:
                abort(refusal)  # answered as it is, before the body is read
        return result

    @classmethod
    def _handle_error(cls, exception):
        if not (
            _is_webhook() and isinstance(exception, HTTPException) and exception.code
        ):
            return super()._handle_error(exception)
        code = (exception.name or "error").lower().replace(" ", "_")
        if exception.code == 413:
            code = "payload_too_large"
        return tms_webhook._error(
            exception.code, code, exception.description or code, _correlation_id()
        )


def _is_webhook():
    return bool(WEBHOOK_PATH.match(request.httprequest.path or ""))


def _correlation_id():
    return correlation.accept(request.httprequest.headers.get(correlation.HEADER))
