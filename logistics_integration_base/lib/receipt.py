"""What the message log answers for each message it receives.

These are *receipt* outcomes (`logistics.message._receive` and
`_log_messages`): whether the message was taken into the log, not what its
flow later decided about the business document.
"""

ACCEPTED = "accepted"  # logged, validated; processed now or by a job
DUPLICATE = "duplicate"  # the same message was already received
CONFLICT = "conflict"  # its idempotency key was used with another payload
REJECTED = "rejected"  # logged as dead: it failed validation

RECEIPTS = (ACCEPTED, DUPLICATE, CONFLICT, REJECTED)
