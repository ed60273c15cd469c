from odoo import api, models

from ..lib import archive

MANAGER_GROUP = "logistics_integration_base.group_integration_manager"


# One model, one file per seam: merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsAuditLog(models.Model):
    """Archive entries: each chunk moved to history, checked against its rows."""

    _inherit = "logistics.audit.log"

    def _broken_archives(self):
        """[(entry, problems)] of the archive entries whose rows do not match.

        An entry's details (covered by the chain) name the archive model, the
        count, the first and last ids and the digest of the archived rows; the
        rows still there must give the same.
        """
        broken = []
        entries = self.sudo().search(
            [("action", "=", "archive"), ("outcome", "=", "success")],
            order="sequence",
        )
        for entry in entries:
            details = archive.parse_details(entry.details)
            if details is None or details["model"] not in self.env:
                broken.append((entry, ["unreadable archive details"]))
                continue
            problems = (
                self.env[details["model"]].sudo()._archive_problems(entry, details)
            )
            if problems:
                broken.append((entry, problems))
        return broken

    @api.model
    def _archive_verification_answer(self):
        broken = self._broken_archives()
        if broken:
            entry, problems = broken[0]
            message = self.env._(
                "%(count)s archived chunk(s) do not match their audit entry; "
                "the first is entry #%(seq)s: %(problems)s.",
                count=len(broken),
                seq=entry.sequence,
                problems="; ".join(problems),
            )
            kind = "danger"
        else:
            message = self.env._(
                "Every archived chunk matches the digest its audit entry holds."
            )
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": kind, "sticky": bool(broken)},
        }

    @api.model
    def action_verify_archives(self):
        self._logistics_check_access("read", group=MANAGER_GROUP)
        return self.sudo()._archive_verification_answer()
