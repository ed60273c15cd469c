"""Delivery appointments: the slot in which the consignee takes the delivery.

The customer asks for one (portal or API: a window, a dock or contact, its
own booking reference); the TMS proposes another slot, confirms or rejects
it; the customer accepts or declines a proposal. The customer owns the
request, the TMS the slot it proposed or confirmed.

Requests go to the TMS as amendments, under the amendments' cut-off: only
while the TMS holds the shipment and the carrier has not picked it up
(:data:`milestones.AMENDABLE_STATUSES`). A confirmed appointment the delivery
does not keep (delivered outside the slot, or only attempted) is *missed*.

Pure Python: tested in ``tests/unit/test_appointments.py``.
"""

from datetime import timedelta

from odoo.addons.logistics_integration_base.lib.timestamps import as_utc

from . import milestones

STATE_NONE = "none"
STATE_REQUESTED = "requested"
STATE_PROPOSED = "proposed"
STATE_CONFIRMED = "confirmed"
STATE_REJECTED = "rejected"
STATE_MISSED = "missed"
# (value, label): the selection of the shipment's `appointment_state`.
STATES = [
    (STATE_NONE, "None"),
    (STATE_REQUESTED, "Requested"),
    (STATE_PROPOSED, "Proposed by the TMS"),
    (STATE_CONFIRMED, "Confirmed"),
    (STATE_REJECTED, "Rejected"),
    (STATE_MISSED, "Missed"),
]

# What happens to an appointment.
REQUEST = "request"  # the customer asks for a slot (again)
TMS_PROPOSE = "tms_propose"
TMS_CONFIRM = "tms_confirm"
TMS_REJECT = "tms_reject"
ACCEPT = "accept"  # the customer accepts the TMS's proposal
DECLINE = "decline"  # the customer declines it
MISS = "miss"
# Action -> (states it applies in, state it leads to).
TRANSITIONS = {
    REQUEST: (
        {STATE_NONE, STATE_REQUESTED, STATE_PROPOSED, STATE_CONFIRMED, STATE_REJECTED},
        STATE_REQUESTED,
    ),
    TMS_PROPOSE: ({STATE_REQUESTED, STATE_PROPOSED, STATE_CONFIRMED}, STATE_PROPOSED),
    TMS_CONFIRM: ({STATE_REQUESTED, STATE_PROPOSED, STATE_CONFIRMED}, STATE_CONFIRMED),
    TMS_REJECT: ({STATE_REQUESTED, STATE_PROPOSED, STATE_CONFIRMED}, STATE_REJECTED),
    ACCEPT: ({STATE_PROPOSED}, STATE_CONFIRMED),
    DECLINE: ({STATE_PROPOSED}, STATE_REJECTED),
    MISS: ({STATE_CONFIRMED}, STATE_MISSED),
}
# The TMS's appointment milestones and what they do.
ACTION_FOR_CODE = {
    milestones.APPOINTMENT_PROPOSED: TMS_PROPOSE,
    milestones.APPOINTMENT_CONFIRMED: TMS_CONFIRM,
    milestones.APPOINTMENT_REJECTED: TMS_REJECT,
}
# States whose slot the delivery is measured against.
KEPT_STATES = frozenset({STATE_CONFIRMED, STATE_MISSED})

# Why a confirmed appointment was missed.
CAUSE_OUTSIDE_WINDOW = "outside_window"
CAUSE_ATTEMPTED = "attempted"
MISSED_CAUSES = [
    (CAUSE_OUTSIDE_WINDOW, "Delivered outside the confirmed window"),
    (CAUSE_ATTEMPTED, "Delivery attempted"),
]

MAX_WINDOW = timedelta(hours=24)
MAX_DOCK = 64
MAX_CONTACT = 128
MAX_REFERENCE = 64


class AppointmentRefused(ValueError):
    """A request the appointment's rules refuse.

    :param reason: what the customer is told
    :param problems: ``[{"pointer", "reason"}]`` of an invalid request
    :param conflict: the shipment's state forbids it (not the request itself)
    """

    def __init__(self, reason, problems=(), conflict=False):
        super().__init__(reason)
        self.reason = reason
        self.problems = list(problems)
        self.conflict = conflict


def next_state(state, action):
    """The appointment state after ``action``.

    :raises AppointmentRefused: (a conflict) if the action does not apply
    :raises ValueError: for an unknown state or action
    """
    if state not in dict(STATES):
        raise ValueError(f"Unknown appointment state {state!r}")
    if action not in TRANSITIONS:
        raise ValueError(f"Unknown appointment action {action!r}")
    allowed, new = TRANSITIONS[action]
    if state not in allowed:
        label = dict(STATES)[state].lower()
        raise AppointmentRefused(
            f"the appointment is {label}: it cannot be {action.replace('_', ' ')}ed"
            if action in (ACCEPT, DECLINE)
            else f"the appointment is {label}",
            conflict=True,
        )
    return new


def cutoff_refusal(status):
    """Why a shipment in ``status`` takes no appointment change, or None.

    The amendments' cut-off: the TMS holds the shipment and the carrier has
    not picked it up.
    """
    if status in milestones.AMENDABLE_STATUSES:
        return None
    if status == milestones.STATUS_DRAFT:
        return "the shipment is not released to the TMS yet"
    if status == milestones.STATUS_CANCELLED:
        return "the shipment is cancelled"
    return (
        f"the appointment cut-off is passed: the shipment is {status.replace('_', ' ')}"
        " (the TMS takes changes until the carrier picks it up)"
    )


def request_problems(start, end, now, *, dock=None, contact=None, reference=None):
    """Problems of an appointment request: ``[{"pointer", "reason"}]``.

    ``start`` and ``end`` are datetimes (naive: UTC) or None when absent or
    unreadable; the window must be in the future, end after its start and
    last at most :data:`MAX_WINDOW`.
    """
    problems = []
    for pointer, moment in (("/window/start", start), ("/window/end", end)):
        if moment is None:
            problems.append(
                {"pointer": pointer, "reason": "a date and time (RFC 3339) is required"}
            )
    if start is not None and end is not None:
        if as_utc(end) <= as_utc(start):
            problems.append(
                {"pointer": "/window/end", "reason": "the window ends before it starts"}
            )
        elif as_utc(end) - as_utc(start) > MAX_WINDOW:
            problems.append(
                {
                    "pointer": "/window/end",
                    "reason": "the window is longer than %d hours"
                    % (MAX_WINDOW.total_seconds() // 3600),
                }
            )
        if as_utc(start) <= as_utc(now):
            problems.append(
                {
                    "pointer": "/window/start",
                    "reason": "the window must be in the future",
                }
            )
    for pointer, value, limit in (
        ("/dock", dock, MAX_DOCK),
        ("/contact", contact, MAX_CONTACT),
        ("/reference", reference, MAX_REFERENCE),
    ):
        if value is not None and not isinstance(value, str):
            problems.append({"pointer": pointer, "reason": "must be a string"})
        elif value and len(value) > limit:
            problems.append(
                {"pointer": pointer, "reason": "longer than %d characters" % limit}
            )
    return problems


def missed_cause(code, moment, slot):
    """Why the milestone ``code`` at ``moment`` misses the confirmed ``slot``
    (a :class:`performance.Window`), or None: an attempted delivery always
    does, a delivery outside the slot does (a slot without bounds, whose
    `holds` is None, is nothing to miss)."""
    if code == milestones.DELIVERY_ATTEMPTED:
        return CAUSE_ATTEMPTED
    outside = moment is not None and slot.holds(moment) is False
    return CAUSE_OUTSIDE_WINDOW if code == milestones.DELIVERED and outside else None
