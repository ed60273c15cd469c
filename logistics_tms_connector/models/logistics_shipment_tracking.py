from markupsafe import escape

from odoo import models
from odoo.exceptions import MissingError
from odoo.fields import Command
from odoo.tools.mail import generate_tracking_message_id


# One model, one file per seam (see logistics_shipment.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsShipment(models.Model):
    """The tracking of a batch of shipments logged in one `mail.message` create.

    Odoo logs the tracking of each changed record with its own `_message_log`
    (one `mail.message` create, then one `mail.tracking.value` create, per
    record): per shipment and chunk of TMS events, or per shipment of any
    batch write of the status, that was most of the statements and Python
    calls of applying a chunk. A tracking logged without a subtype notifies
    no one (`_message_log_batch` creates the messages, it never calls
    `_notify_thread`), so the messages of the whole batch may be created in
    one `create(vals_list)`, and their tracking values in another, with the
    very values `_message_log` gives each: the same body, author, note subtype,
    message type and tracking values. A record whose tracking posts with a
    subtype (`_track_subtype`, which notifies its followers) keeps Odoo's
    path for the whole batch.
    """

    _inherit = "logistics.shipment"

    def _message_track(self, fields_iter, initial_values_dict):
        """Odoo's `_message_track`, logging the batch's tracking at once."""
        if len(self) < 2 or not fields_iter:
            return super()._message_track(fields_iter, initial_values_dict)
        tracked_fields = self.fields_get(
            fields_iter, attributes=("string", "type", "selection", "currency_field")
        )
        tracking = {}
        for record in self:
            try:
                tracking[record.id] = record._mail_track(
                    tracked_fields, initial_values_dict[record.id]
                )
            except MissingError:
                continue
        changed = self.browse(
            [id_ for id_, (changes, _values) in tracking.items() if changes]
        )
        if changed._track_posts(tracking, initial_values_dict):
            # A subtype posts and notifies: Odoo's path, record by record.
            return super()._message_track(fields_iter, initial_values_dict)
        changed._track_log_batch(tracking)
        return tracking

    def _track_posts(self, tracking, initial_values_dict):
        """Whether the tracking of any of these records has a subtype (it is
        then posted, notifying the followers of that subtype)."""
        for record in self:
            changes = tracking[record.id][0]
            initial = initial_values_dict[record.id]
            if record._track_subtype({name: initial[name] for name in changes}):
                return True
        return False

    def _track_log_batch(self, tracking):
        """Create the tracking messages of these records in one create, each
        with the values `_message_log` gives it (see `_message_log_batch`)."""
        precommit = self.env.cr.precommit.data
        bodies = precommit.pop(f"mail.tracking.message.{self._name}", {})
        authors = precommit.pop(f"mail.tracking.author.{self._name}", {})
        bases = {}
        values_list, tracking_creates = [], []
        for record in self:
            changes, tracking_value_ids = tracking[record.id]
            if not tracking_value_ids:
                continue
            author_id = authors[record.id].id if record.id in authors else None
            if author_id not in bases:
                bases[author_id] = self._track_log_base(author_id)
            body = (
                bodies[record.id]
                if record.id in bodies
                else record._track_get_default_log_message(changes)
            )
            # `mail.message` creates the tracking values of each message on
            # its own: those of all messages are created together below.
            creates, others = [], []
            for command in tracking_value_ids:
                if len(command) == 3 and command[0] == Command.CREATE:
                    creates.append(command[2])
                else:
                    others.append(command)
            values_list.append(
                dict(
                    bases[author_id],
                    message_id=generate_tracking_message_id("message-notify"),
                    tracking_value_ids=others or False,
                    res_id=record.id,
                    body=escape(body),
                )
            )
            tracking_creates.append(creates)
        if not values_list:
            return
        messages = self.sudo()._message_create(values_list)
        self.env["mail.tracking.value"].sudo().create(
            [
                dict(vals, mail_message_id=message.id)
                for message, creates in zip(messages, tracking_creates, strict=True)
                for vals in creates
            ]
        )

    def _track_log_base(self, author_id):
        """The values `_message_log_batch` gives every message of an author."""
        author_id, email_from = self._message_compute_author(
            author_id, None, raise_on_email=False
        )
        return {
            "author_id": author_id,
            "email_from": email_from,
            "model": self._name,
            "record_alias_domain_id": False,
            "record_company_id": False,
            "record_name": False,
            "attachment_ids": False,
            "message_type": "notification",
            "is_internal": True,
            "subject": False,
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            "email_add_signature": False,
            "partner_ids": False,
            "reply_to": self.env["mail.thread"]._notify_get_reply_to(
                default=email_from
            )[False],
        }
