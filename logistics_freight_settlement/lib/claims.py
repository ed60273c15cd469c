"""Claims against the carrier: kinds, the reasons that open them, the status
machine, the carrier's decision and the filing deadline.

A claim is opened for damage, shortage or loss of a shipment's goods, by a TMS
event (a reason code of :data:`REASON_CODES`, remarks on the proof of
delivery, or delivered quantities below the shipped ones), by the customer
(API) or by hand. It then follows :data:`TRANSITIONS`::

    open -> submitted -> accepted | partially accepted | rejected
    accepted | partially accepted -> settled
    open | submitted -> cancelled

Accepted amounts are settled with a vendor credit note from the carrier or a
deduction on its next freight bill (:data:`SETTLEMENT_MODES`).
"""

import re
from datetime import timedelta

DAMAGE = "damage"
SHORTAGE = "shortage"
LOSS = "loss"
KINDS = [(DAMAGE, "Damage"), (SHORTAGE, "Shortage"), (LOSS, "Loss")]

OPEN = "open"
SUBMITTED = "submitted"
ACCEPTED = "accepted"
PARTIAL = "partial"
REJECTED = "rejected"
SETTLED = "settled"
CANCELLED = "cancelled"
STATES = [
    (OPEN, "Open"),
    (SUBMITTED, "Submitted to the carrier"),
    (ACCEPTED, "Accepted"),
    (PARTIAL, "Partially accepted"),
    (REJECTED, "Rejected"),
    (SETTLED, "Settled"),
    (CANCELLED, "Cancelled"),
]
TRANSITIONS = {
    OPEN: frozenset({SUBMITTED, CANCELLED}),
    SUBMITTED: frozenset({ACCEPTED, PARTIAL, REJECTED, CANCELLED}),
    ACCEPTED: frozenset({SETTLED}),
    PARTIAL: frozenset({SETTLED}),
    REJECTED: frozenset(),
    SETTLED: frozenset(),
    CANCELLED: frozenset(),
}
# States in which the carrier owes the accepted amount.
DECIDED_FOR_PAYMENT = frozenset({ACCEPTED, PARTIAL})
# A claim in these states still counts: no second one of its kind is opened.
LIVE_STATES = frozenset(set(TRANSITIONS) - {CANCELLED})

SOURCES = [
    ("tms", "Reported by the TMS"),
    ("customer", "Reported by the customer"),
    ("manual", "Entered by hand"),
]

CREDIT_NOTE = "credit_note"
DEDUCTION = "deduction"
SETTLEMENT_MODES = [
    (CREDIT_NOTE, "Vendor credit note from the carrier"),
    (DEDUCTION, "Deduction on the carrier's next freight bill"),
]

# Reason codes a TMS sends on an exception or delivery event (``data.reason_code``),
# case-insensitive, and the kind of claim they open.
REASON_CODES = {
    "damaged": DAMAGE,
    "damage": DAMAGE,
    "dm": DAMAGE,
    "shortage": SHORTAGE,
    "short": SHORTAGE,
    "sh": SHORTAGE,
    "lost": LOSS,
    "loss": LOSS,
    "ls": LOSS,
}
# Words in the proof of delivery's remarks (``data.pod.remarks``), in the order
# they are looked for: "lost" before "short", "damaged" last.
REMARK_WORDS = (
    (LOSS, re.compile(r"\b(lost|missing shipment|not received)\b", re.I)),
    (SHORTAGE, re.compile(r"\b(short(age)?|missing)\b", re.I)),
    (DAMAGE, re.compile(r"\b(damaged?|broken|crushed|torn|wet|leak(ing|ed)?)\b", re.I)),
)
# Quantities closer than this are equal (rounding of float arithmetic).
EPSILON = 1e-6


class InvalidTransition(ValueError):
    """A status change the claim's status machine does not allow."""


def check_transition(state, new_state):
    """Refuse a change from ``state`` to ``new_state`` the machine does not allow."""
    if state not in TRANSITIONS:
        raise InvalidTransition(f"unknown claim state {state!r}")
    if new_state not in TRANSITIONS[state]:
        allowed = ", ".join(sorted(TRANSITIONS[state])) or "none"
        raise InvalidTransition(
            f"a claim cannot go from {state} to {new_state} (allowed: {allowed})"
        )
    return new_state


def decision(claimed, accepted):
    """The state the carrier's answer leads to: accepted, partial or rejected.

    :param claimed: the amount claimed (positive)
    :param accepted: the amount the carrier accepts (0 to ``claimed``)
    """
    if claimed <= EPSILON:
        raise ValueError("nothing is claimed")
    if accepted < -EPSILON:
        raise ValueError("the accepted amount cannot be negative")
    if accepted > claimed + EPSILON:
        raise ValueError(
            f"the accepted amount {accepted:g} is more than the {claimed:g} claimed"
        )
    if accepted <= EPSILON:
        return REJECTED
    if accepted >= claimed - EPSILON:
        return ACCEPTED
    return PARTIAL


def kind_of_reason(reason_code):
    """The kind of claim a TMS reason code opens, or None."""
    if not reason_code:
        return None
    return REASON_CODES.get(str(reason_code).strip().lower())


def kind_of_remarks(remarks):
    """The kind of claim remarks on a proof of delivery point to, or None."""
    if not remarks:
        return None
    for kind, pattern in REMARK_WORDS:
        if pattern.search(str(remarks)):
            return kind
    return None


def event_kind(data):
    """The kind of claim a TMS event's data reports, or None: the reason code
    first, then the remarks on the proof of delivery."""
    kind = kind_of_reason(data.get("reason_code"))
    if kind:
        return kind
    pod = data.get("pod") or {}
    return kind_of_remarks(pod.get("remarks") if isinstance(pod, dict) else None)


def shortages(shipped, delivered):
    """What is missing of each line: ``{line_id: quantity}`` of lines short.

    :param shipped: ``{line_id: quantity that left}``
    :param delivered: ``{line_id: quantity delivered}`` (a line not named: 0)
    """
    short = {}
    for line_id, quantity in shipped.items():
        missing = float(quantity) - float(delivered.get(line_id, 0.0))
        if missing > EPSILON:
            short[line_id] = missing
    return short


def filing_deadline(delivered_on, days):
    """The last day to file the claim with the carrier (None: no deadline)."""
    if not delivered_on or not days or days < 0:
        return None
    return delivered_on + timedelta(days=days)
