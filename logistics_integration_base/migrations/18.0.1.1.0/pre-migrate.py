"""Message log indexes: drop the ones 18.0.1.1.0 no longer declares.

Odoo keeps an index a field stops declaring, and every one of them is
maintained on each write of a message. `next_attempt_at` is dropped too so
that Odoo re-creates it partial (NOT NULL rows only).
"""

DROPPED = (
    "direction",
    "flow_code",
    "company_id",
    "state",
    "res_model",
    "aggregate_key",
    "has_conflict",
    "next_attempt_at",
)


def migrate(cr, version):
    for column in DROPPED:
        cr.execute(f'DROP INDEX IF EXISTS "logistics_message__{column}_index"')
