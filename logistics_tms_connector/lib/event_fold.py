"""Fold a chunk's TMS events of one shipment into one write (set-based apply).

Applying a TMS event one by one costs an ORM write chain per event (ownership
guard, mail thread, the addons' ``write`` overrides). For the events that only
put a milestone on the timeline, update the fields the TMS owns and move the
status forward, the outcome of applying them in event order can be computed
first and written once: :func:`fold` walks them as ``_tms_apply_event`` would
and says what the shipment ends with, and the status after each event (for
the message's result).

It refuses (returns ``None``) whatever the one-by-one path would do more
with: an event older than what was applied (stale, recorded as history), an
event without a time, a status that is or becomes an exception or a closed
one, an ETA past the promised window (a delay exception). The caller then
applies that shipment's events one by one, as before.
"""

from dataclasses import dataclass, field
from datetime import datetime

from odoo.addons.logistics_integration_base.lib import ordering

from . import delay, milestones, returns, stock_validation

# Milestones whose whole effect is the timeline, the TMS's fields and the
# status moving forward: no exception, appointment, stock validation, return,
# delivery (invoice, service facts) or cancellation.
FOLDABLE_CODES = (
    frozenset(milestones.STATUS_FOR_CODE)
    - milestones.EXCEPTION_CODES
    - milestones.APPOINTMENT_CODES
    - stock_validation.VALIDATING
    - returns.RETURN_CODES
    - {
        milestones.DELAYED,
        milestones.DELIVERED,
        milestones.RETURNED,
        milestones.CANCELLED,
    }
)
# Statuses a fold never starts from nor leads to.
UNFOLDABLE_STATUSES = milestones.CLOSED_STATUSES | {milestones.STATUS_EXCEPTION}


@dataclass(frozen=True)
class Event:
    """One event as the fold needs it.

    :param position: where it sits in its shipment's history
    :param stamp: its time as stored in the field times (``%Y-%m-%d %H:%M:%S``)
    :param code: its canonical milestone code
    :param values: the TMS-owned fields it tells (name -> value)
    """

    position: ordering.EventPosition
    stamp: str
    code: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Start:
    """The shipment before the chunk.

    :param position: the newest event applied to it (``None``: none yet)
    :param eta: its ETA (``None`` when unknown)
    :param promised_end: the end of the promised window (``None``: none)
    """

    status: str
    field_times: dict
    position: ordering.EventPosition | None = None
    eta: datetime | None = None
    promised_end: datetime | None = None


@dataclass(frozen=True)
class Folded:
    """What the shipment ends with.

    :param values: the TMS-owned fields to write (the newest value of each)
    :param field_times: the new field times, ``None`` when no field changed
    :param status: the new status, ``None`` when it did not change
    :param statuses: the status after each event, in order
    """

    values: dict
    field_times: dict | None
    status: str | None
    statuses: list


def fold(start, events):
    """Fold ``events`` (in event order) onto ``start``; ``None`` if refused.

    Field by field, a value is taken when its stored time is not newer than
    the event's (as ``_apply_tms_values`` does); the status moves as
    :func:`milestones.next_status` says.
    """
    if start.status in UNFOLDABLE_STATUSES:
        return None
    status, times, eta = start.status, dict(start.field_times), start.eta
    last = start.position
    values, changed, statuses = {}, False, []
    for event in events:
        if event.code not in FOLDABLE_CODES or event.position.event_time is None:
            return None
        if ordering.is_stale(last, event.position):
            return None
        last = event.position
        taken = {
            name: value
            for name, value in event.values.items()
            if times.get(name, "") <= event.stamp
        }
        if taken:
            values.update(taken)
            times.update(dict.fromkeys(taken, event.stamp))
            changed = True
            eta = taken.get("eta", eta)
        status = milestones.next_status(status, event.code) or status
        if status in UNFOLDABLE_STATUSES:
            return None
        if delay.delay_minutes(eta or None, start.promised_end):
            return None
        statuses.append(status)
    return Folded(
        values=values,
        field_times=times if changed else None,
        status=status if status != start.status else None,
        statuses=statuses,
    )
