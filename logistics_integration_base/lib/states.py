"""Message states, directions and the allowed state transitions, in one place.

Life of a message::

    received -> validated -> queued -> processing -> done
        |           |           |          |-> failed -> queued / processing
        |           |           |          |-> stale
        |           |           |          '-> dead
        |           '-----------'---------------> dead -> queued (replay)
        '-> duplicate / conflict / dead
"""

from . import errors

RECEIVED = "received"
VALIDATED = "validated"
QUEUED = "queued"
PROCESSING = "processing"
DONE = "done"
FAILED = "failed"
DEAD = "dead"
DUPLICATE = "duplicate"
STALE = "stale"
CONFLICT = "conflict"

STATES = [
    (RECEIVED, "Received"),
    (VALIDATED, "Validated"),
    (QUEUED, "Queued"),
    (PROCESSING, "Processing"),
    (DONE, "Done"),
    (FAILED, "Failed"),
    (DEAD, "Dead"),
    (DUPLICATE, "Duplicate"),
    (STALE, "Stale"),
    (CONFLICT, "Conflict"),
]

STATE_HELP = {
    RECEIVED: "The message was received and logged but not checked yet.",
    VALIDATED: "The message passed signature and schema checks.",
    QUEUED: "The message waits in the job queue to be processed.",
    PROCESSING: "A worker is processing the message right now.",
    DONE: "The message was processed successfully.",
    FAILED: "Processing failed with a transient error; it will be retried.",
    DEAD: (
        "Retries are exhausted or the error is permanent; "
        "the message can be replayed after a fix."
    ),
    DUPLICATE: "The same message was already received; it was not applied again.",
    STALE: (
        "The message is older than what was already applied; "
        "it is kept as history only."
    ),
    CONFLICT: (
        "The idempotency key was already used with another payload; "
        "the message was refused."
    ),
}

TRANSITIONS = {
    RECEIVED: frozenset({VALIDATED, DEAD, DUPLICATE, CONFLICT}),
    VALIDATED: frozenset({QUEUED, DEAD}),
    QUEUED: frozenset({PROCESSING, DEAD}),
    PROCESSING: frozenset({DONE, FAILED, DEAD, STALE}),
    FAILED: frozenset({QUEUED, PROCESSING, DEAD}),
    DEAD: frozenset({QUEUED}),  # manual replay
    DONE: frozenset(),
    DUPLICATE: frozenset(),
    STALE: frozenset(),
    CONFLICT: frozenset(),
}

# Waiting to be (re)processed.
PENDING_STATES = frozenset({VALIDATED, QUEUED, FAILED})
# Never leave these states.
TERMINAL_STATES = frozenset(
    state for state, targets in TRANSITIONS.items() if not targets
)

INBOUND = "inbound"
OUTBOUND = "outbound"
DIRECTIONS = [
    (INBOUND, "Inbound"),
    (OUTBOUND, "Outbound"),
]


def can_transition(old, new):
    """True if a message may move from state ``old`` to state ``new``."""
    return new in TRANSITIONS.get(old, frozenset())


def check_transition(old, new):
    """Raise :class:`errors.InvalidTransition` unless ``old -> new`` is allowed."""
    if can_transition(old, new):
        return
    message = f"Cannot move a message from {old!r} to {new!r}"
    unknown = [state for state in (old, new) if state not in TRANSITIONS]
    if unknown:
        message += f": unknown state {unknown[0]!r}"
    raise errors.InvalidTransition(message)
