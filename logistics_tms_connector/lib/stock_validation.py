"""When a TMS event validates a delivery order, and with which quantities.

Per warehouse and delivery method (:data:`TRIGGERS`), the delivery order of a
shipment is validated in Odoo when the carrier picks it up (``AF`` departed
pickup), when it is delivered (``D1``), or never by the TMS: the warehouse
validates it (the default, Odoo's behaviour without the connector).

A TMS may report the quantities actually picked up in the event data
(``data.items``, see ``schemas/tms.event.v1.json``): :func:`picked_quantities`
spreads them over the shipment's lines. What was not picked up goes to a
backorder, with Odoo's own backorder logic.
"""

from . import milestones

BY_WAREHOUSE = "warehouse"
ON_PICKUP = "pickup"
ON_DELIVERY = "delivery"
# Quantities closer than this are equal (rounding of float arithmetic).
EPSILON = 1e-9

# (value, label) of the setting, default first.
TRIGGERS = [
    (BY_WAREHOUSE, "By the warehouse"),
    (ON_PICKUP, "When the carrier picks it up (AF)"),
    (ON_DELIVERY, "When it is delivered (D1)"),
]

# Trigger -> the canonical milestones that validate the delivery order. A
# delivery the TMS reports without a pickup before it still means the goods
# left: on pickup, D1 validates too.
VALIDATING_CODES = {
    BY_WAREHOUSE: frozenset(),
    ON_PICKUP: frozenset({milestones.DEPARTED_PICKUP, milestones.DELIVERED}),
    ON_DELIVERY: frozenset({milestones.DELIVERED}),
}

# The milestones that validate under some trigger.
VALIDATING = frozenset().union(*VALIDATING_CODES.values())


def validates(trigger, code):
    """Whether milestone ``code`` validates a delivery order under ``trigger``.

    An empty or unknown trigger validates nothing (the warehouse does).
    """
    return code in VALIDATING_CODES.get(trigger or BY_WAREHOUSE, frozenset())


def picked_quantities(lines, items):
    """The quantity picked up of each line, from the items a TMS reported.

    :param lines: ``[(line_id, product_code, quantity)]``, the shipment's lines
        in their order
    :param items: the event's ``data.items``: ``[{"line_id"?, "product_code"?,
        "quantity"}]``; an item names its line by ``line_id`` (the canonical
        shipment's ``items[].line_id``) or by ``product_code`` (its ``sku``)
    :returns: ``(quantities, problems)``: ``{line_id: quantity}`` for every
        line (a line no item names was not picked up: 0), each capped at the
        line's quantity; ``problems``: texts about items that name no line or
        more than the lines hold
    """
    quantities = dict.fromkeys((line_id for line_id, _code, _qty in lines), 0.0)
    room = {line_id: float(qty) for line_id, _code, qty in lines}
    by_code = {}
    for line_id, code, _qty in lines:
        by_code.setdefault(code, []).append(line_id)
    problems = []
    for index, item in enumerate(items):
        quantity = float(item.get("quantity") or 0.0)
        line_id = item.get("line_id")
        if line_id is not None:
            targets = [line_id] if line_id in room else []
        else:
            targets = by_code.get(item.get("product_code"), [])
        if not targets:
            name = line_id if line_id is not None else item.get("product_code")
            problems.append(f"items[{index}]: no line of the shipment is {name!r}")
            continue
        for target in targets:
            taken = min(quantity, room[target])
            quantities[target] += taken
            room[target] -= taken
            quantity -= taken
        if quantity > EPSILON:
            problems.append(
                f"items[{index}]: {quantity:g} more than the shipment holds, ignored"
            )
    return quantities, problems
