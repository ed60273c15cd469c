from odoo import _, models


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """Damage, shortage or loss reported by the customer: the seam between the
    customer API (logistics_portal_api), which takes the report in, and the
    addon that handles claims (logistics_freight_settlement opens a claim
    against the carrier). Neither depends on the other; both depend on this.
    """

    _inherit = "logistics.shipment"

    def _logistics_report_claim(
        self, kind, quantities, description, attachments=(), message=None
    ):
        """Take in a customer's report of damage, shortage or loss.

        Without an addon that handles claims, the report is a note on the
        shipment's chatter with the documents attached.

        :param kind: ``damage``, ``shortage`` or ``loss``
        :param quantities: ``{shipment line id: quantity}`` concerned
        :param description: the customer's words
        :param attachments: ``[(filename, mimetype, raw bytes)]``, evidence
        :param message: the logged request
        :returns: ``{"claim": dict or None, "created": bool}``: the claim the
            report opened or joined, as the API shows it
        """
        self.ensure_one()
        lines = ", ".join(
            "%s %s" % (quantities[line.id], line.product_id.display_name)
            for line in self.line_ids
            if line.id in quantities
        )
        self.message_post(
            body=_(
                "The customer reports %(kind)s: %(description)s (%(lines)s; "
                "correlation %(corr)s)",
                kind=kind,
                description=description,
                lines=lines,
                corr=message.correlation_id if message else self.correlation_id,
            ),
            attachments=[(name, raw) for name, _mimetype, raw in attachments],
        )
        return {"claim": None, "created": False}
