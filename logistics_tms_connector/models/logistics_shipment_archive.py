from odoo import fields, models


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """A closed shipment whose timeline went to history stays, with its facts."""

    _inherit = "logistics.shipment"

    archived_at = fields.Datetime(
        string="Timeline archived",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When its milestones moved to the shipment history (the shipment "
        "and its service facts stay).",
    )

    def _compute_service_facts(self):
        """Facts of an archived shipment stay as archived: its timeline is in
        history, and computing them again from no milestone would rewrite the
        reports' past (the history row holds the same facts, audited)."""
        return super(
            LogisticsShipment, self.filtered(lambda s: not s.archived_at)
        )._compute_service_facts()
