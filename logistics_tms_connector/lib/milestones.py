"""Shipment milestone codes and the shipment status they lead to.

Canonical milestone codes are X12 214 ``AT7-01`` shipment status codes (data
element 1650), e.g. ``X3`` arrived at pickup, ``AF`` departed pickup, ``D1``
delivered. A few events the suite needs have no such code and use
*suite-internal* codes (:data:`SUITE_INTERNAL_CODES`):

* ``TA`` tender accepted, ``TD`` tender declined: X12 answers a tender with a
  990 response, not with a 214 status;
* ``CR`` carrier assigned;
* ``OD`` out for delivery;
* ``YR`` delivery appointment requested, ``YP`` proposed by the TMS, ``YX``
  rejected by it (a confirmed one is X12's ``AB``, delivery appointment).

Each TMS speaks its own vocabulary: an endpoint's milestone mapping (by
default :data:`DEFAULT_TMS_CODES`, the simulator's) translates it into
canonical codes with :func:`canonical_code`. :func:`next_status` then decides
whether a milestone moves the shipment's status; statuses only move forward,
so a late or repeated milestone is recorded on the timeline without turning
the clock back.
"""

# Canonical milestone codes: use these names, not the bare codes.
TENDER_ACCEPTED = "TA"
TENDER_DECLINED = "TD"
CARRIER_ASSIGNED = "CR"
ARRIVED_AT_PICKUP = "X3"
DEPARTED_PICKUP = "AF"
EN_ROUTE = "X6"
ESTIMATED_DELIVERY = "AG"
DELAYED = "SD"
OUT_FOR_DELIVERY = "OD"
ARRIVED_AT_DELIVERY = "X1"
DELIVERY_ATTEMPTED = "AH"
REFUSED = "A7"
DELIVERED = "D1"
RETURNED = "A3"
CANCELLED = "CA"
APPOINTMENT_REQUESTED = "YR"
APPOINTMENT_PROPOSED = "YP"
APPOINTMENT_CONFIRMED = "AB"
APPOINTMENT_REJECTED = "YX"

# Canonical code -> label, in lifecycle order.
CANONICAL = {
    TENDER_ACCEPTED: "Tender accepted",
    TENDER_DECLINED: "Tender declined",
    CARRIER_ASSIGNED: "Carrier assigned",
    ARRIVED_AT_PICKUP: "Arrived at pickup location",
    DEPARTED_PICKUP: "Departed pickup location",
    EN_ROUTE: "En route to delivery location",
    ESTIMATED_DELIVERY: "Estimated delivery",
    DELAYED: "Shipment delayed",
    OUT_FOR_DELIVERY: "Out for delivery",
    ARRIVED_AT_DELIVERY: "Arrived at delivery location",
    DELIVERY_ATTEMPTED: "Attempted delivery",
    REFUSED: "Refused by consignee",
    DELIVERED: "Completed unloading at delivery location (delivered)",
    RETURNED: "Shipment returned to shipper",
    CANCELLED: "Shipment cancelled",
    APPOINTMENT_REQUESTED: "Delivery appointment requested",
    APPOINTMENT_PROPOSED: "Delivery appointment proposed by the TMS",
    APPOINTMENT_CONFIRMED: "Delivery appointment confirmed",
    APPOINTMENT_REJECTED: "Delivery appointment rejected",
}
SUITE_INTERNAL_CODES = frozenset(
    {
        TENDER_ACCEPTED,
        TENDER_DECLINED,
        CARRIER_ASSIGNED,
        OUT_FOR_DELIVERY,
        APPOINTMENT_REQUESTED,
        APPOINTMENT_PROPOSED,
        APPOINTMENT_REJECTED,
    }
)
# The delivery appointment's steps: on the timeline, the status unchanged.
APPOINTMENT_CODES = frozenset(
    {
        APPOINTMENT_REQUESTED,
        APPOINTMENT_PROPOSED,
        APPOINTMENT_CONFIRMED,
        APPOINTMENT_REJECTED,
    }
)

STATUS_DRAFT = "draft"
STATUS_RELEASED = "released"
STATUS_ACCEPTED = "accepted"
STATUS_CARRIER_ASSIGNED = "carrier_assigned"
STATUS_PICKED_UP = "picked_up"
STATUS_IN_TRANSIT = "in_transit"
STATUS_OUT_FOR_DELIVERY = "out_for_delivery"
STATUS_EXCEPTION = "exception"
STATUS_DELIVERED = "delivered"
STATUS_RETURNED = "returned"
STATUS_CANCELLED = "cancelled"

# Shipment statuses (value, label), in rank order: the selection of the
# shipment's ``status`` field.
STATUSES = [
    (STATUS_DRAFT, "Draft"),
    (STATUS_RELEASED, "Released to TMS"),
    (STATUS_ACCEPTED, "Accepted by TMS"),
    (STATUS_CARRIER_ASSIGNED, "Carrier assigned"),
    (STATUS_PICKED_UP, "Picked up"),
    (STATUS_IN_TRANSIT, "In transit"),
    (STATUS_OUT_FOR_DELIVERY, "Out for delivery"),
    (STATUS_EXCEPTION, "Exception"),
    (STATUS_DELIVERED, "Delivered"),
    (STATUS_RETURNED, "Returned"),
    (STATUS_CANCELLED, "Cancelled"),
]
STATUS_RANK = {
    STATUS_DRAFT: 0,
    STATUS_RELEASED: 10,
    STATUS_ACCEPTED: 20,
    STATUS_CARRIER_ASSIGNED: 30,
    STATUS_PICKED_UP: 40,
    STATUS_IN_TRANSIT: 50,
    STATUS_OUT_FOR_DELIVERY: 60,
    STATUS_EXCEPTION: 80,
    STATUS_DELIVERED: 90,
    STATUS_RETURNED: 95,
    STATUS_CANCELLED: 100,
}
# Statuses a shipment never leaves for an exception or a cancellation.
CLOSED_STATUSES = frozenset({STATUS_DELIVERED, STATUS_RETURNED, STATUS_CANCELLED})
# Statuses in which the TMS holds the shipment but the carrier has not picked
# it up: amendments are still possible.
AMENDABLE_STATUSES = (STATUS_RELEASED, STATUS_ACCEPTED, STATUS_CARRIER_ASSIGNED)
# Released, on its way and not in exception: the TMS is told of a cancellation.
OPEN_STATUSES = (
    *AMENDABLE_STATUSES,
    STATUS_PICKED_UP,
    STATUS_IN_TRANSIT,
    STATUS_OUT_FOR_DELIVERY,
)

# Statuses of a shipment the TMS holds or held (released and not withdrawn).
RELEASED_STATUSES = frozenset(STATUS_RANK) - {STATUS_DRAFT, STATUS_CANCELLED}
# What a customer is told of: not the suite's internal steps (draft, released
# and not yet accepted) nor an exception (the customer hears of its outcome).
CUSTOMER_NOTIFIED_STATUSES = frozenset(STATUS_RANK) - {
    STATUS_DRAFT,
    STATUS_RELEASED,
    STATUS_EXCEPTION,
}

# Canonical code -> the status it leads to (None: recorded, status unchanged).
STATUS_FOR_CODE = {
    TENDER_ACCEPTED: STATUS_ACCEPTED,
    TENDER_DECLINED: STATUS_EXCEPTION,
    CARRIER_ASSIGNED: STATUS_CARRIER_ASSIGNED,
    ARRIVED_AT_PICKUP: STATUS_CARRIER_ASSIGNED,
    DEPARTED_PICKUP: STATUS_PICKED_UP,
    EN_ROUTE: STATUS_IN_TRANSIT,
    ESTIMATED_DELIVERY: STATUS_IN_TRANSIT,
    DELAYED: None,
    OUT_FOR_DELIVERY: STATUS_OUT_FOR_DELIVERY,
    ARRIVED_AT_DELIVERY: STATUS_OUT_FOR_DELIVERY,
    DELIVERY_ATTEMPTED: STATUS_EXCEPTION,
    REFUSED: STATUS_EXCEPTION,
    DELIVERED: STATUS_DELIVERED,
    RETURNED: STATUS_RETURNED,
    CANCELLED: STATUS_CANCELLED,
    APPOINTMENT_REQUESTED: None,
    APPOINTMENT_PROPOSED: None,
    APPOINTMENT_CONFIRMED: None,
    APPOINTMENT_REJECTED: None,
}

# The TMS simulator's status vocabulary -> canonical code.
DEFAULT_TMS_CODES = {
    "TENDER_ACCEPTED": TENDER_ACCEPTED,
    "TENDER_DECLINED": TENDER_DECLINED,
    "CARRIER_ASSIGNED": CARRIER_ASSIGNED,
    "PICKUP_ARRIVED": ARRIVED_AT_PICKUP,
    "PICKUP_DEPARTED": DEPARTED_PICKUP,
    "IN_TRANSIT": EN_ROUTE,
    "ETA_UPDATED": ESTIMATED_DELIVERY,
    "OUT_FOR_DELIVERY": OUT_FOR_DELIVERY,
    "DELIVERY_ARRIVED": ARRIVED_AT_DELIVERY,
    "DELIVERED": DELIVERED,
    "DELIVERY_ATTEMPTED": DELIVERY_ATTEMPTED,
    "REFUSED": REFUSED,
    "DELAYED": DELAYED,
    "CANCELLED": CANCELLED,
    "RETURNED": RETURNED,
    "APPOINTMENT_PROPOSED": APPOINTMENT_PROPOSED,
    "APPOINTMENT_CONFIRMED": APPOINTMENT_CONFIRMED,
    "APPOINTMENT_REJECTED": APPOINTMENT_REJECTED,
}


class UnknownStatusCode(ValueError):
    """A TMS status code that the endpoint's milestone mapping does not know.

    :param code: the TMS's code, as received
    """

    def __init__(self, code):
        super().__init__(
            f"Unknown TMS status code '{code}': "
            "add it to the endpoint's milestone mapping"
        )
        self.code = code


def canonical_code(tms_code, table=None):
    """The canonical code of a TMS status code.

    Codes that already are canonical pass through when ``table`` does not map
    them, so a TMS speaking X12 needs no mapping.

    :param tms_code: the code received from the TMS (surrounding blanks ignored)
    :param table: mapping TMS code -> canonical code; the simulator's
        :data:`DEFAULT_TMS_CODES` when ``None``
    :raises UnknownStatusCode: if the code is neither mapped nor canonical
    :raises ValueError: if the table maps the code to a non-canonical code
    """
    table = DEFAULT_TMS_CODES if table is None else table
    if not isinstance(tms_code, str):
        raise UnknownStatusCode(tms_code)
    code = tms_code.strip()
    mapped = table.get(code)
    if mapped is None:
        if code in CANONICAL:
            return code
        raise UnknownStatusCode(tms_code)
    if mapped not in CANONICAL:
        raise ValueError(
            f"The milestone mapping turns TMS status code '{code}' into "
            f"'{mapped}', which is not a canonical milestone code"
        )
    return mapped


def table_problems(table):
    """Problems of a milestone mapping: ``[{"pointer", "reason"}]``, ``[]`` if fine.

    Every key must be a non-empty string and every value a canonical code.
    """
    problems = []
    for tms_code, code in table.items():
        pointer = "/" + str(tms_code).replace("~", "~0").replace("/", "~1")
        if not isinstance(tms_code, str) or not tms_code.strip():
            problems.append({"pointer": pointer, "reason": "empty TMS status code"})
        elif code not in CANONICAL:
            known = ", ".join(CANONICAL)
            reason = f"'{code}' is not a canonical milestone code ({known})"
            problems.append({"pointer": pointer, "reason": reason})
    return problems


def next_status(current, code, cause=None):
    """The status a shipment in ``current`` moves to on milestone ``code``.

    Returns ``None`` when the status does not change:

    * the code does not affect the status (``SD`` delayed);
    * the shipment already is in that status;
    * an exception (``AH``, ``A7``, ``TD``) or a cancellation (``CA``) arrives
      for a delivered, returned or cancelled shipment;
    * any other milestone would move the status backwards, e.g. a late ``X3``
      after ``D1``.

    Exceptions and cancellations apply from any open status. A shipment in
    exception leaves it on the milestones that answer its ``cause`` (the code
    that put it there, :data:`RECOVERY_CODES`): a tender accepted after a
    declined one, a new delivery run after an attempted delivery.

    :raises ValueError: for an unknown status or canonical code
    """
    if current not in STATUS_RANK:
        raise ValueError(f"Unknown shipment status {current!r}")
    if code not in STATUS_FOR_CODE:
        raise ValueError(f"Unknown canonical milestone code {code!r}")
    new = STATUS_FOR_CODE[code]
    if new is None or new == current:
        return None
    if new in (STATUS_EXCEPTION, STATUS_CANCELLED):
        return None if current in CLOSED_STATUSES else new
    if current == STATUS_EXCEPTION and code in RECOVERY_CODES.get(cause, ()):
        return new
    return new if STATUS_RANK[new] > STATUS_RANK[current] else None


# Leaving an exception. The milestone that put a shipment in exception (its
# *cause*) decides how it recovers: by the TMS's own milestones
# (:func:`next_status` with ``cause``) or by an action in Odoo
# (:func:`recovery_status`).
RETENDER = "retender"
REDELIVERY = "redelivery"
RESOLVE = "resolve"
RECOVERY_ACTIONS = (RETENDER, REDELIVERY, RESOLVE)
# Milestones that put a shipment in exception.
EXCEPTION_CODES = frozenset(
    code for code, status in STATUS_FOR_CODE.items() if status == STATUS_EXCEPTION
)
# Cause -> the milestones by which the TMS itself takes the shipment out of
# exception: a new tender accepted, a new delivery run.
RECOVERY_CODES = {
    TENDER_DECLINED: frozenset({TENDER_ACCEPTED, CARRIER_ASSIGNED, ARRIVED_AT_PICKUP}),
    DELIVERY_ATTEMPTED: frozenset({OUT_FOR_DELIVERY, ARRIVED_AT_DELIVERY}),
}
# Where a re-tendered shipment resumes (the TMS's answer moves it on), and a
# redelivered one (the carrier takes it out for delivery again: ``OD``).
RETENDER_STATUS = STATUS_RELEASED
REDELIVERY_STATUS = STATUS_IN_TRANSIT


class RecoveryRefused(ValueError):
    """A recovery action that does not fit the shipment's exception."""


def resumed_status(codes, start=STATUS_RELEASED):
    """The status milestones ``codes`` (in the order received) lead to from
    ``start``, leaving out those that put the shipment in exception: where a
    shipment resumes once its exception is resolved.

    :raises ValueError: for an unknown status or canonical code
    """
    status = start
    for code in codes:
        if code in EXCEPTION_CODES:
            continue
        status = next_status(status, code) or status
    return status


def recovery_status(current, action, cause=None, codes=()):
    """The status a shipment in ``current`` resumes in after recovery ``action``.

    * :data:`RETENDER` (a shipment in exception never picked up, its tender
      declined, ``cause`` ``TD``, or its release refused, no cause): released
      again, the TMS's answer moves it on;
    * :data:`REDELIVERY` (after an attempted delivery, ``cause`` ``AH``): in
      transit, the next ``OD`` / ``D1`` move it on;
    * :data:`RESOLVE`: ``None`` (unchanged) for a shipment that is not in
      exception (a delay does not change the status), else the status its
      other milestones lead to (:func:`resumed_status`).

    :param cause: canonical code that put the shipment in exception, ``None``
        when it was no milestone (a refused call, a delay)
    :param codes: the shipment's milestone codes, in the order received
    :raises RecoveryRefused: if the action does not fit (the reason says why)
    :raises ValueError: for an unknown status, action or code
    """
    if current not in STATUS_RANK:
        raise ValueError(f"Unknown shipment status {current!r}")
    if action not in RECOVERY_ACTIONS:
        raise ValueError(f"Unknown recovery action {action!r}")
    if cause is not None and cause not in EXCEPTION_CODES:
        raise ValueError(f"{cause!r} is no exception milestone code")
    resumed = resumed_status(codes)
    if action == RESOLVE:
        return resumed if current == STATUS_EXCEPTION else None
    if current != STATUS_EXCEPTION:
        raise RecoveryRefused(f"the shipment is {current}, not in exception")
    if action == RETENDER:
        if cause not in (None, TENDER_DECLINED):
            raise RecoveryRefused(
                f"a re-tender answers a declined tender, not {CANONICAL[cause]}"
            )
        if STATUS_RANK[resumed] >= STATUS_RANK[STATUS_PICKED_UP]:
            raise RecoveryRefused("the carrier already picked the shipment up")
        return RETENDER_STATUS
    if cause != DELIVERY_ATTEMPTED:
        raise RecoveryRefused("a redelivery follows an attempted delivery (AH)")
    return REDELIVERY_STATUS
