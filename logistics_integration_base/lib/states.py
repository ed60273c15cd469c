"""Message states, directions and the allowed state transitions, in one place.

Life of a message::

    (logged) -> queued -> processing -> done
        |          ^          |-> stale
        |          |          |-> failed -> processing (retry) / queued (replay)
        |          |          '-> dead
        '-> dead --' (replay)

    queued / failed / dead -> superseded (a later message of the same record
                              made it moot before it was sent, e.g. a cancel)

A message is logged `queued`, or `dead` when it fails validation
(:data:`INITIAL_STATES`). A failed attempt is rolled back with its savepoint
before its failure is recorded: the message went `processing` -> `failed` /
`dead` even though the `processing` write is gone (see
`logistics.message._set_state`, argument `via`).
"""

from . import errors

QUEUED = "queued"
PROCESSING = "processing"
DONE = "done"
FAILED = "failed"
DEAD = "dead"
STALE = "stale"
SUPERSEDED = "superseded"

STATES = [
    (QUEUED, "Queued"),
    (PROCESSING, "Processing"),
    (DONE, "Done"),
    (FAILED, "Failed"),
    (DEAD, "Dead"),
    (STALE, "Stale"),
    (SUPERSEDED, "Superseded"),
]

STATE_HELP = {
    QUEUED: "The message waits in the job queue to be processed.",
    PROCESSING: "A worker is processing the message right now.",
    DONE: "The message was processed successfully.",
    FAILED: "Processing failed with a transient error; it will be retried.",
    DEAD: (
        "Retries are exhausted or the error is permanent; "
        "the message can be replayed after a fix."
    ),
    STALE: (
        "The message is older than what was already applied; "
        "it is kept as history only."
    ),
    SUPERSEDED: (
        "A later message of the same record made it moot before it was sent "
        "(e.g. the shipment was cancelled while its release still waited); "
        "it is never sent."
    ),
}

# The states a message is logged in: queued, or dead when validation refuses it.
INITIAL_STATES = frozenset({QUEUED, DEAD})

TRANSITIONS = {
    QUEUED: frozenset({PROCESSING, SUPERSEDED}),
    PROCESSING: frozenset({DONE, FAILED, DEAD, STALE}),
    FAILED: frozenset({QUEUED, PROCESSING, SUPERSEDED}),
    # Manual replay; superseded so that a replay cannot send it any more.
    DEAD: frozenset({QUEUED, SUPERSEDED}),
    DONE: frozenset(),
    STALE: frozenset(),
    SUPERSEDED: frozenset(),
}

# May be superseded: not sent yet, or given up (never `processing`: a message
# in flight is answered first, then what supersedes it follows).
SUPERSEDABLE_STATES = frozenset(
    state for state, targets in TRANSITIONS.items() if SUPERSEDED in targets
)

# Waiting to be (re)processed.
PENDING_STATES = frozenset({QUEUED, FAILED})
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


def help_text():
    """One line per state, for the state field's tooltip."""
    labels = dict(STATES)
    return "\n".join(f"{labels[state]}: {STATE_HELP[state]}" for state, _ in STATES)


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


def check_initial(state):
    """Raise :class:`errors.InvalidTransition` unless a message may be logged in
    ``state``."""
    if state in INITIAL_STATES:
        return
    allowed = ", ".join(sorted(INITIAL_STATES))
    raise errors.InvalidTransition(
        f"A message cannot be logged as {state!r}; it is logged as one of {allowed}"
    )
