"""GET /api/logistics/v1/reports/service-level: the customer's service level
(on time, in full, OTIF, transit time, exceptions) per month or per lane, of
its own shipments only (see lib/service_report.py)."""

from odoo import fields, http
from odoo.http import request

from ..lib import openapi, service_report
from .api import _partner, api_route
from .errors import ApiError


def report_query(args):
    """The checked query of `args` (name → list of strings), or a 422 naming
    each argument at fault, like the list routes' query arguments."""
    try:
        return service_report.parse_query(args, fields.Datetime.now())
    except service_report.ReportQueryError as err:
        raise ApiError(
            422, "invalid_query", "Invalid query arguments: %s." % err, err.details
        ) from err


class LogisticsReportApi(http.Controller):
    @api_route(
        "/reports/service-level",
        ["GET"],
        "shipments:read",
        "The customer's service level: on time, in full, OTIF, transit time "
        "and exceptions of its shipments, per month or per lane",
        "ServiceLevelReport",
        query=openapi.SERVICE_LEVEL_QUERY,
    )
    def service_level_report(self, key, correlation_id, **_query):  # read below
        query = report_query(request.httprequest.args.to_dict(False))
        Shipment = request.env["logistics.shipment"]
        return 200, Shipment._service_level_report(_partner(key), query)
