"""Goods coming back after a failed delivery: what to return, and the credit.

When the TMS reports a refusal (``A7``) or a return to the shipper (``A3``),
the goods that left the warehouse come back: a return picking brings them in
with Odoo's own return logic. :func:`quantities_to_return` decides how much of
each delivered move: everything delivered, or what the event's ``data.items``
say comes back, less what earlier returns of the shipment already bring back
(a repeated or a second event returns nothing twice).

When the warehouse receives the return, the customer's credit note follows
the credit policy (:data:`CREDIT_POLICIES`) of the customer, else of the
company: none, a draft credit note, or a posted one.
"""

from . import milestones

# The milestones after which the goods come back to the warehouse.
RETURN_CODES = frozenset({milestones.REFUSED, milestones.RETURNED})

CREDIT_NONE = "none"
CREDIT_DRAFT = "draft"
CREDIT_POSTED = "posted"
# (value, label) of the credit policy, Odoo's behaviour (no credit note) first.
CREDIT_POLICIES = [
    (CREDIT_NONE, "No credit note"),
    (CREDIT_DRAFT, "Draft credit note"),
    (CREDIT_POSTED, "Posted credit note"),
]
# Quantities closer than this are equal (rounding of float arithmetic).
EPSILON = 1e-9


def is_return_code(code):
    """Whether milestone ``code`` brings the goods back to the warehouse."""
    return code in RETURN_CODES


def credit_policy(customer_policy, company_policy):
    """The credit policy that applies: the customer's, else the company's.

    An empty or unknown value counts as not set; with neither set, no credit
    note (Odoo's behaviour without the connector).
    """
    known = {value for value, _label in CREDIT_POLICIES}
    for policy in (customer_policy, company_policy):
        if policy in known:
            return policy
    return CREDIT_NONE


def quantities_to_return(moves, coming_back=None):
    """How much of each delivered move to return now.

    :param moves: ``[(move_id, delivered, returned)]``: the quantity the move
        delivered and the quantity returns (not cancelled) already bring back,
        in the move's unit
    :param coming_back: ``{move_id: quantity}`` the event reports as coming
        back in all (a move it does not name: nothing); ``None``: everything
        delivered comes back
    :returns: ``{move_id: quantity}`` of the moves with something left to
        return: what comes back, at most what was delivered, less what is
        returned already
    """
    result = {}
    for move_id, delivered, returned in moves:
        back = delivered if coming_back is None else coming_back.get(move_id, 0.0)
        quantity = min(float(back), float(delivered)) - float(returned)
        if quantity > EPSILON:
            result[move_id] = quantity
    return result


def coming_back_by_move(line_moves, line_quantities):
    """The quantity coming back of each move, from the lines' quantities.

    :param line_moves: ``{line_id: move_id}`` (a line without move: ``None``)
    :param line_quantities: ``{line_id: quantity}`` (see
        :func:`~.stock_validation.picked_quantities`)
    :returns: ``{move_id: quantity}``
    """
    result = {}
    for line_id, quantity in line_quantities.items():
        move_id = line_moves.get(line_id)
        if move_id is not None:
            result[move_id] = result.get(move_id, 0.0) + quantity
    return result
