"""The customer API's one error shape, shared by its routes and `ir.http`.

`{"error": {"code", "message", "details": [{"pointer", "reason"}]},
"correlation_id"}`, with the correlation ID also in `X-Correlation-ID`.
"""

from odoo.http import request

from odoo.addons.logistics_integration_base.lib import correlation

API = "/api/logistics/v1"


class ApiError(Exception):
    """An answer other than 2xx, in the API's one error shape."""

    def __init__(
        self, status, code, message, details=None, headers=None, *, client=None
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}
        self.client = client  # the key id a 401/403 is counted against


def http_error(err):
    """The ApiError of a werkzeug HTTP exception (405, 413...)."""
    code = (err.name or "error").lower().replace(" ", "_")
    headers = {}
    if getattr(err, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(set(err.valid_methods)))
    if err.code == 413:
        code = "payload_too_large"
    return ApiError(err.code or 500, code, err.description or err.name, headers=headers)


def internal_error():
    return ApiError(
        500,
        "internal_error",
        "The request failed on the server; it was logged with its correlation ID.",
    )


def json_response(status, body, correlation_id, headers=None):
    if isinstance(body, dict):
        body = dict(body, correlation_id=correlation_id)
    return request.make_json_response(
        body,
        status=status,
        headers=[(correlation.HEADER, correlation_id), *(headers or {}).items()],
    )


def error_response(err, correlation_id):
    return json_response(
        err.status,
        {"error": {"code": err.code, "message": err.message, "details": err.details}},
        correlation_id,
        err.headers,
    )
