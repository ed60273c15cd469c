from odoo import fields, models

from odoo.addons.logistics_tms_connector.lib import milestones


def _iso(text):
    """An archived time (UTC text) in the API's form."""
    moment = fields.Datetime.to_datetime(text)
    return fields.Datetime.to_string(moment).replace(" ", "T") + "Z" if moment else None


# One model, one file per seam: merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """A shipment whose timeline was archived answers it from its history."""

    _inherit = "logistics.shipment"

    def _portal_json(self, with_timeline=True):
        answer = super()._portal_json(with_timeline=with_timeline)
        if with_timeline and self.archived_at and not self.milestone_ids:
            answer["milestones"] = self._portal_archived_milestones()
        return answer

    def _portal_archived_milestones(self):
        """The archived timeline, in the shape of the live one."""
        self.ensure_one()
        history = (
            self.env["logistics.shipment.history"]
            .sudo()
            .search([("shipment_id", "=", self.id)], limit=1)
        )
        return [
            {
                "code": step.get("code"),
                "label": milestones.CANONICAL.get(step.get("code"), ""),
                "time": _iso(step.get("event_time")),
                "location": step.get("location") or None,
                "reason": step.get("reason") or None,
            }
            for step in history.timeline or []
        ]
