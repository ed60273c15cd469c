"""The index of unfinished messages leaves out superseded ones too (a final
state since 18.0.1.4.0): dropped here, Odoo creates it again with its new
predicate when the model is loaded."""


def migrate(cr, version):
    cr.execute('DROP INDEX IF EXISTS "logistics_message_open_idx"')
