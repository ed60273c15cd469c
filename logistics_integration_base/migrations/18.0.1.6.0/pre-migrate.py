"""The index of due messages follows the claim's order (NULLS FIRST): dropped
here, Odoo creates it again in that order when the model is loaded."""


def migrate(cr, version):
    cr.execute('DROP INDEX IF EXISTS "logistics_message_pending_idx"')
