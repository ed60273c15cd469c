"""Service requests of customers: their types, statuses and transitions.

A customer asks for something about one shipment or one order (a new
delivery appointment, special handling, an extra pickup, an address
correction, a copy of the proof of delivery); the responsible team works on
it and answers, or refuses it. Pure Python, no ORM: the model
(`logistics.service.request`) and the API ask this module what is allowed.

    new ──► in_progress ──► answered
     │           │
     │           ├────────► refused
     │           └────────► cancelled
     ├─────────────────────► answered / refused / cancelled
"""

TYPE_APPOINTMENT = "appointment_change"
TYPE_SPECIAL_HANDLING = "special_handling"
TYPE_EXTRA_PICKUP = "extra_pickup"
TYPE_ADDRESS_CORRECTION = "address_correction"
TYPE_POD_COPY = "pod_copy"

TYPES = (
    (TYPE_APPOINTMENT, "Change of delivery appointment"),
    (TYPE_SPECIAL_HANDLING, "Special handling"),
    (TYPE_EXTRA_PICKUP, "Extra pickup"),
    (TYPE_ADDRESS_CORRECTION, "Address correction"),
    (TYPE_POD_COPY, "Proof-of-delivery copy"),
)
TYPE_CODES = tuple(code for code, _label in TYPES)

STATUS_NEW = "new"
STATUS_IN_PROGRESS = "in_progress"
STATUS_ANSWERED = "answered"
STATUS_REFUSED = "refused"
STATUS_CANCELLED = "cancelled"

STATUSES = (
    (STATUS_NEW, "New"),
    (STATUS_IN_PROGRESS, "In progress"),
    (STATUS_ANSWERED, "Answered"),
    (STATUS_REFUSED, "Refused"),
    (STATUS_CANCELLED, "Cancelled"),
)
STATUS_CODES = tuple(code for code, _label in STATUSES)
# The statuses that close a request: its answer (or refusal) is given.
FINAL_STATUSES = (STATUS_ANSWERED, STATUS_REFUSED, STATUS_CANCELLED)
# The statuses that carry an answer for the customer.
ANSWER_STATUSES = (STATUS_ANSWERED, STATUS_REFUSED)

TRANSITIONS = {
    STATUS_NEW: (
        STATUS_IN_PROGRESS,
        STATUS_ANSWERED,
        STATUS_REFUSED,
        STATUS_CANCELLED,
    ),
    STATUS_IN_PROGRESS: (STATUS_ANSWERED, STATUS_REFUSED, STATUS_CANCELLED),
    STATUS_ANSWERED: (),
    STATUS_REFUSED: (),
    STATUS_CANCELLED: (),
}

MAX_DESCRIPTION = 4000
MAX_ANSWER = 4000


class TransitionError(ValueError):
    """A status change the workflow does not allow."""


def check_transition(current, target):
    """Raise TransitionError unless a request in `current` may go to `target`."""
    if current not in TRANSITIONS:
        raise TransitionError("Unknown status %r." % (current,))
    if target not in TRANSITIONS:
        raise TransitionError("Unknown status %r." % (target,))
    if target not in TRANSITIONS[current]:
        raise TransitionError(
            "A request %s cannot become %s (allowed: %s)."
            % (current, target, ", ".join(TRANSITIONS[current]) or "none, it is closed")
        )


def check_answer(target, answer):
    """Raise TransitionError if closing with `target` lacks its answer text.

    Answering and refusing tell the customer something: both need a text.
    Cancelling needs none.
    """
    if target in ANSWER_STATUSES and not (answer or "").strip():
        raise TransitionError("An answer text is needed to mark a request %s." % target)
    if answer and len(answer) > MAX_ANSWER:
        raise TransitionError("The answer is longer than %s characters." % MAX_ANSWER)


def subject_problems(body):
    """Problems (JSON pointer, reason) of the subject of a request body.

    A request is about exactly one shipment or one order: `shipment` or
    `order` (their references), never both, never neither.
    """
    shipment, order = body.get("shipment"), body.get("order")
    if shipment and order:
        return [
            {
                "pointer": "/order",
                "reason": "give a shipment or an order, not both",
            }
        ]
    if not shipment and not order:
        return [
            {
                "pointer": "",
                "reason": "a request needs the reference of a shipment or an order",
            }
        ]
    return []
