from odoo import models

from ..lib import receipt

ARCHIVE_MODEL = "logistics.message.archive"


# One model, one file per seam: merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsMessage(models.Model):
    """Idempotency across the archive: an archived message's key still answers."""

    _inherit = "logistics.message"

    def _existing_by_key(self, flow, items):
        """The logged messages of these keys, else the archived ones.

        An archived message has the id it had in the log: it is answered as
        the known message (a duplicate, or a conflict for another payload).
        """
        existing = super()._existing_by_key(flow, items)
        keys = {item.get("idempotency_key") for item in items} - {None, False, ""}
        if keys:
            # Keyed by endpoint and key, like the log: every key is looked up
            # (another endpoint's message may hold the same key in the log).
            archived = (
                self.env[ARCHIVE_MODEL]
                .sudo()
                .search(
                    [
                        ("flow_id", "=", flow.id),
                        ("idempotency_key", "in", list(keys)),
                    ]
                )
            )
            for message in archived:
                existing.setdefault(
                    (message.endpoint_id.id or 0, message.idempotency_key), message
                )
        return existing

    def _answer_known(self, known, vals):
        if known._name != ARCHIVE_MODEL:
            return super()._answer_known(known, vals)
        if known.payload_fingerprint == vals["payload_fingerprint"]:
            return (known, receipt.DUPLICATE, None)
        reason = self.env._(
            "Idempotency key %(key)s was already used with another payload "
            "(message %(id)s, archived).",
            key=known.idempotency_key,
            id=known.id,
        )
        self.env["logistics.audit.log"]._append(
            action="idempotency_conflict",
            outcome="refused",
            record=known,
            endpoint=known.endpoint_id,
            correlation_id=known.correlation_id,
            details=reason,
        )
        return (known, receipt.CONFLICT, reason)
