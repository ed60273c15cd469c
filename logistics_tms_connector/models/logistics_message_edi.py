from odoo import fields, models


# One model, one file per seam: merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsMessage(models.Model):
    """The EDI control number of a tender file, and what the carrier's
    acknowledgement (997 / CONTRL) said of it."""

    _inherit = "logistics.message"

    edi_control_number = fields.Integer(
        string="EDI control number", readonly=True, copy=False, index="btree_not_null"
    )
    edi_acknowledgement = fields.Selection(
        [("accepted", "Accepted"), ("rejected", "Rejected")],
        string="EDI acknowledgement",
        readonly=True,
        copy=False,
    )
