from odoo import models
from odoo.tools import SQL, create_index

from .logistics_service_report import ENDED_DAY


def _ended_days(cr, ids):
    if not ids:
        return set()
    cr.execute(
        SQL(
            "SELECT DISTINCT %s FROM logistics_shipment "
            "WHERE id = ANY(%s) AND service_facts_at IS NOT NULL",
            SQL(ENDED_DAY),
            list(ids),
        )
    )
    return {row[0] for row in cr.fetchall()}


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """The service report's hook: the days a shipment's facts leave and reach
    are marked for the next refresh, in the same transaction as the facts."""

    _inherit = "logistics.shipment"

    def init(self):
        result = super().init()
        # The refresh of a day reads its ended shipments; the watermark the
        # facts written since the last refresh.
        create_index(
            self.env.cr,
            "logistics_shipment_ended_day_idx",
            self._table,
            [ENDED_DAY],
            where="service_facts_at IS NOT NULL",
        )
        create_index(
            self.env.cr,
            "logistics_shipment_service_facts_at_idx",
            self._table,
            ["service_facts_at"],
            where="service_facts_at IS NOT NULL",
        )
        # The status with the company (in place of the field's own index):
        # the operations tiles count each company's open shipments by status
        # from the index alone.
        create_index(
            self.env.cr,
            "logistics_shipment_status_company_idx",
            self._table,
            ["status", "company_id"],
        )
        # Open exceptions, for the operations tiles.
        create_index(
            self.env.cr,
            "logistics_shipment_open_exception_idx",
            self._table,
            ["id"],
            where="exception_type IS NOT NULL AND exception_resolved_at IS NULL",
        )
        return result

    def _compute_service_facts(self):
        self.flush_recordset()
        before = _ended_days(self.env.cr, self.ids)
        result = super()._compute_service_facts()
        self.flush_recordset()
        after = _ended_days(self.env.cr, self.ids)
        self.env["logistics.service.report"]._mark_dirty(before | after)
        return result
