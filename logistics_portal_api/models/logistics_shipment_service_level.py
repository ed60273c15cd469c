# One model, one file per seam: merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
from odoo import models

from ..lib import service_report


class LogisticsShipment(models.Model):
    """The customer's service-level report (lib/service_report.py), for the
    API (`GET /reports/service-level`) and the portal (`/my/service-level`)."""

    _inherit = "logistics.shipment"

    def _service_level_report(self, partner, query):
        """The report of `partner`'s shipments for `query` (a
        :class:`service_report.ReportQuery`): one grouped read, as the caller
        (a portal user's record rules apply on top of the partner's domain).
        Months are UTC ones, as `from` and `to` are."""
        groupby, aggregates = service_report.read_group_spec(query.group_by)
        domain = [
            *self._portal_domain(partner),
            *service_report.ended_in_range_domain(query),
        ]
        groups = self.with_context(tz="UTC")._read_group(domain, groupby, aggregates)
        names = list(service_report.AGGREGATES)
        return service_report.report(
            query,
            [
                (
                    group[: len(groupby)],
                    dict(zip(names, group[len(groupby) :], strict=True)),
                )
                for group in groups
            ],
        )
