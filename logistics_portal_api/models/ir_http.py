import logging

from werkzeug.exceptions import HTTPException, MethodNotAllowed, abort

from odoo import models
from odoo.http import request

from odoo.addons.logistics_integration_base.lib import body_limits, correlation

from ..controllers import errors
from ..lib import openapi

_logger = logging.getLogger(__name__)


class IrHttp(models.AbstractModel):
    """The customer API answers in its error shape even outside its handlers.

    Its routes map what their handlers raise (`controllers/api.py`); what
    fails before a handler runs (an unknown method, a body over the route's
    `max_content_length`, a form that does not parse) is mapped here. A body
    is refused on its Content-Length before Odoo reads or parses it.
    """

    _inherit = "ir.http"

    @classmethod
    def _match(cls, path_info):
        try:
            return super()._match(path_info)
        except MethodNotAllowed as err:
            if not _is_api(path_info):
                raise
            raise MethodNotAllowed(
                valid_methods=err.valid_methods, response=_api_error_response(err)
            ) from err

    @classmethod
    def _pre_dispatch(cls, rule, args):
        result = super()._pre_dispatch(rule, args)  # sets the route's body limit
        httprequest = request.httprequest
        if _is_api(httprequest.path):
            refusal = body_limits.refusal(
                httprequest.content_length,
                httprequest.headers.get("Transfer-Encoding", ""),
                httprequest.max_content_length,
            )
            if refusal:
                abort(_api_error_response(errors.ApiError(*refusal)))
        return result

    @classmethod
    def _serve_fallback(cls):
        """A path under the customer API that no route takes (an unknown path,
        or a path argument its route refuses, e.g. /documents/abc): 404 in the
        API's error shape, as the description promises, not Odoo's HTML page."""
        path = request.httprequest.path
        if not _is_api(path):
            return super()._serve_fallback()
        return _api_error_response(
            errors.ApiError(
                404,
                "not_found",
                "No such resource: %s" % path[len(openapi.SERVER) :],
            )
        )

    @classmethod
    def _handle_error(cls, exception):
        if not _is_api(request.httprequest.path):
            return super()._handle_error(exception)
        return _api_error_response(exception)


def _is_api(path):
    return (path or "").startswith(errors.API + "/")


def _api_error_response(exception):
    correlation_id = correlation.accept(
        request.httprequest.headers.get(correlation.HEADER)
    )
    if isinstance(exception, errors.ApiError):
        err = exception
    elif isinstance(exception, HTTPException) and exception.code:
        err = errors.http_error(exception)
    else:
        _logger.error(
            "[%s] %s %s failed: %r",
            correlation_id,
            request.httprequest.method,
            request.httprequest.path,
            exception,
        )
        err = errors.internal_error()
    return errors.error_response(err, correlation_id)
