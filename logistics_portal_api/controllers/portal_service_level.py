"""/my/service-level: the customer's service-level report in the portal, the
same report as GET /api/logistics/v1/reports/service-level, with a chart drawn
on the server (SVG: no script needed) and a table. Filters: a GET form."""

from odoo import fields, http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..lib import service_report

COUNTER = "service_level_count"


class ServiceLevelPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if COUNTER in counters:
            Shipment = request.env["logistics.shipment"]
            values[COUNTER] = (
                Shipment.search_count(
                    [
                        *Shipment._portal_domain(request.env.user.partner_id),
                        ("service_facts_at", "!=", False),
                    ]
                )
                if Shipment.has_access("read")
                else 0
            )
        return values

    @http.route("/my/service-level", type="http", auth="user", website=True)
    def portal_service_level(self, **kwargs):
        # The form's fields only (the portal's own arguments pass through);
        # a blank one is no filter: the default applies.
        args = {
            name: kwargs[name]
            for name in service_report.ARGUMENTS
            if isinstance(kwargs.get(name), str) and kwargs[name].strip()
        }
        values = self._prepare_portal_layout_values()
        values.update(
            page_name="service_level",
            filters={name: kwargs.get(name) or "" for name in service_report.ARGUMENTS},
            group_bys=service_report.GROUP_BYS,
            problems=[],
            report=None,
            chart=None,
            rate_label=service_report.rate_label,
            hours_label=service_report.hours_label,
        )
        try:
            query = service_report.parse_query(args, fields.Datetime.now())
        except service_report.ReportQueryError as err:
            values["problems"] = err.details
            return request.render(
                "logistics_portal_api.portal_my_service_level", values
            )
        report = request.env["logistics.shipment"]._service_level_report(
            request.env.user.partner_id.commercial_partner_id, query
        )
        values.update(
            report=report,
            chart=service_report.chart(report["rows"], query.group_by)
            if query.group_by == service_report.GROUP_MONTH
            else None,
        )
        return request.render("logistics_portal_api.portal_my_service_level", values)
