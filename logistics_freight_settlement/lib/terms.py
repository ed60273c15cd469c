"""Customer freight terms and what they mean for settlement.

=====================  ==================  ====================================
terms                  who pays the        what happens to approved charges
                       carrier
=====================  ==================  ====================================
``prepaid_and_add``    we do               vendor bill to the carrier, then
                                           rebilled to the customer (added to
                                           the order's draft invoice, or
                                           invoiced separately)
``included``           we do               vendor bill only: freight is part of
                                           the price the customer paid
``collect``            the customer        nothing to bill or rebill: the
                                           carrier collects from the customer;
                                           the charges are kept for reporting
=====================  ==================  ====================================
"""

from dataclasses import dataclass

PREPAID_AND_ADD = "prepaid_and_add"
COLLECT = "collect"
INCLUDED = "included"
FREIGHT_TERMS = [
    (PREPAID_AND_ADD, "Prepaid and add"),
    (COLLECT, "Collect"),
    (INCLUDED, "Prepaid, included in price"),
]
DEFAULT_TERMS = INCLUDED


@dataclass(frozen=True)
class Plan:
    """What settlement does with an approved charge under some terms."""

    pay_carrier: bool
    rebill: bool


PLANS = {
    PREPAID_AND_ADD: Plan(pay_carrier=True, rebill=True),
    INCLUDED: Plan(pay_carrier=True, rebill=False),
    COLLECT: Plan(pay_carrier=False, rebill=False),
}


def plan(terms):
    """The :class:`Plan` of ``terms`` (empty terms: the default, included)."""
    try:
        return PLANS[terms or DEFAULT_TERMS]
    except KeyError:
        raise ValueError("Unknown freight terms %r" % (terms,)) from None
