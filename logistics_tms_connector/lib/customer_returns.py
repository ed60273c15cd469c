"""Customer returns (RMA): their states, the approval rule and the quantities.

A customer asks to send goods back (``requested``); the return is approved
(automatically under the company's thresholds, else by a manager) or refused;
once approved, a reverse shipment picks the goods up at the customer
(``in_transit`` from its pickup) and the return is ``received`` when the TMS
reports the reverse shipment delivered to the warehouse. A return not picked up
yet may be cancelled.

Quantities: a customer may return at most what was delivered on an order line
and is not already in an open return. Odoo's own return pickings lower the
delivered quantity of the order line once received (``to_refund``): a received
return is counted there, not a second time here.
"""

REQUESTED = "requested"
APPROVED = "approved"
REFUSED = "refused"
IN_TRANSIT = "in_transit"
RECEIVED = "received"
CANCELLED = "cancelled"

# (value, label) in lifecycle order: the selection of the return's state.
STATES = [
    (REQUESTED, "Requested"),
    (APPROVED, "Approved"),
    (REFUSED, "Refused"),
    (IN_TRANSIT, "In transit"),
    (RECEIVED, "Received"),
    (CANCELLED, "Cancelled"),
]

TRANSITIONS = {
    REQUESTED: frozenset({APPROVED, REFUSED, CANCELLED}),
    APPROVED: frozenset({IN_TRANSIT, RECEIVED, CANCELLED}),
    IN_TRANSIT: frozenset({RECEIVED}),
    REFUSED: frozenset(),
    RECEIVED: frozenset(),
    CANCELLED: frozenset(),
}

# Returns whose quantities are still on their way back (not in Odoo's
# delivered quantity yet, not given up).
OPEN_STATES = frozenset({REQUESTED, APPROVED, IN_TRANSIT})
# Quantities closer than this are equal (rounding of float arithmetic).
EPSILON = 1e-9


class TransitionError(ValueError):
    """A return cannot go from its state to the one asked."""


def check_transition(current, target):
    """Raise :class:`TransitionError` unless ``current`` may become ``target``."""
    if target not in TRANSITIONS.get(current, frozenset()):
        raise TransitionError(
            "A return that is %s cannot become %s." % (current, target)
        )


def auto_approves(value, quantity, max_value, max_quantity):
    """Whether a return of this ``value`` and ``quantity`` is approved at once.

    ``max_value`` and ``max_quantity`` are the company's thresholds: 0 means
    no threshold on that measure; with neither set, a manager approves every
    return. Each threshold set must be respected (inclusive).

    :returns: ``(approved, reasons)``: the reasons a manager must decide
    """
    if not (max_value or max_quantity):
        return False, ["no automatic approval is configured"]
    reasons = []
    if max_value and value > max_value + EPSILON:
        reasons.append("value %g above the threshold %g" % (value, max_value))
    if max_quantity and quantity > max_quantity + EPSILON:
        reasons.append("quantity %g above the threshold %g" % (quantity, max_quantity))
    return not reasons, reasons


def quantity_problems(requested, returnable):
    """Problems of the requested quantities, as (pointer, reason) pairs.

    :param requested: ``[(index, line_key, quantity)]``, one per requested line
        (``index`` in the request's ``lines``)
    :param returnable: ``{line_key: quantity}`` still returnable per line
    :returns: ``[{"pointer": "/lines/<i>/quantity", "reason": ...}]``; the
        same line asked twice counts once with both quantities
    """
    problems = []
    asked = {}
    for index, key, quantity in requested:
        pointer = "/lines/%s/quantity" % index
        if quantity <= EPSILON:
            problems.append({"pointer": pointer, "reason": "must be positive"})
            continue
        asked[key] = asked.get(key, 0.0) + quantity
        room = returnable.get(key, 0.0)
        if asked[key] > room + EPSILON:
            problems.append(
                {
                    "pointer": pointer,
                    "reason": "at most %g can be returned (delivered, not "
                    "already being returned)" % max(room, 0.0),
                }
            )
    return problems


def window_problem(start, end):
    """The problem of a pickup window (datetimes), or None."""
    if not (start and end):
        return None
    if end <= start:
        return {"pointer": "/pickup_window/end", "reason": "must be after the start"}
    return None
