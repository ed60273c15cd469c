"""Selection values nothing writes any more are dropped: refuse to upgrade a
database whose rows still hold one, rather than keep values no code knows.

- message states `received`, `validated`, `duplicate`, `conflict`: declared,
  never written (a message is logged `queued` or `dead`; a duplicate or a
  conflicting delivery is answered from the message it repeats);
- endpoint systems `portal` and `carrier`: no flow or setup uses them (the
  portal is this Odoo; carriers are reached through the TMS);
- audit actions `receive` and `conflict_accepted`: never written.

A row holding one of them was written by hand: decide what it should become,
change it, and upgrade again.
"""

from odoo.tools import SQL

DROPPED = (
    ("logistics_message", "state", ("received", "validated", "duplicate", "conflict")),
    ("logistics_endpoint", "system", ("portal", "carrier")),
    ("logistics_audit_log", "action", ("receive", "conflict_accepted")),
)


def migrate(cr, version):
    found = []
    for table, column, values in DROPPED:
        cr.execute(
            SQL(
                "SELECT %s, count(*) FROM %s WHERE %s IN %s GROUP BY 1 ORDER BY 1",
                SQL.identifier(column),
                SQL.identifier(table),
                SQL.identifier(column),
                values,
            )
        )
        found += [
            f"{table}.{column} = {value!r}: {count} row(s)"
            for value, count in cr.fetchall()
        ]
    if found:
        raise RuntimeError(
            "logistics_integration_base 18.0.1.3.0 drops selection values these "
            "rows still hold; change them first:\n  %s" % "\n  ".join(found)
        )
