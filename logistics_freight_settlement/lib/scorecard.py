"""Carrier scorecard facts of one shipment, and the scorecard's ratios.

A shipment's freight cost is what the carrier charges (the actual amounts of
its charges, cancelled ones left out), in the company's currency; it is
unknown (``None``) until the carrier or the TMS tells an amount, so an average
skips it rather than counting a free shipment. Against the rate card, only
the charges the carrier's rate card prices are compared: ``rated_cost`` is
what they cost, ``rate_card_cost`` what the rate card says they should.

Tenders: each tender answer on the timeline counts once, accepted or
declined; a declined tender that is tendered again and accepted counts two
tenders, one accepted.

The scorecard's ratios are ratios of sums (weighted by shipments, tenders or
cost), never averages of per-shipment ratios: :func:`percent` and
:func:`over_percent` are what the report's SQL computes per group.

Pure Python: tested in ``tests/unit/test_scorecard.py``.
"""

from dataclasses import dataclass

from odoo.addons.logistics_tms_connector.lib import milestones, performance

ROUNDING = 2


@dataclass(frozen=True)
class ChargeCost:
    """One freight charge, in the company's currency.

    :param actual: what the carrier charges; None until it is known
    :param rate_card: what the carrier's rate card says; None when the rate
        card does not price the charge
    :param cancelled: a cancelled charge costs nothing
    """

    actual: object = None
    rate_card: object = None
    cancelled: bool = False


def _total(amounts):
    amounts = [amount for amount in amounts if amount is not None]
    return round(sum(amounts), ROUNDING) if amounts else None


def cost_facts(charges, *, weight_kg=None, distance_km=None):
    """The freight cost facts of a shipment.

    :param charges: :class:`ChargeCost` of each of its charges
    :param weight_kg: the shipment's weight (0 or None: per kg unknown)
    :param distance_km: the distance travelled (None: per km unknown)
    :returns: ``freight_cost``, ``cost_per_kg``, ``cost_per_km``,
        ``rated_cost`` and ``rate_card_cost`` (None where unknown)
    """
    known = [c for c in charges if not c.cancelled and c.actual is not None]
    cost = _total(c.actual for c in known)
    rated = [c for c in known if c.rate_card is not None]
    facts = performance.shipment_facts(
        [], cost=cost, weight_kg=weight_kg, distance_km=distance_km
    )
    return {
        "freight_cost": cost,
        "cost_per_kg": facts["cost_per_kg"],
        "cost_per_km": facts["cost_per_km"],
        "rated_cost": _total(c.actual for c in rated),
        "rate_card_cost": _total(c.rate_card for c in rated),
    }


def tender_counts(codes):
    """``(tendered, accepted)`` of a timeline's canonical milestone codes."""
    codes = list(codes)
    accepted = codes.count(milestones.TENDER_ACCEPTED)
    return accepted + codes.count(milestones.TENDER_DECLINED), accepted


def percent(part, whole):
    """``part`` as a percentage of ``whole``; None when ``whole`` is nothing."""
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, ROUNDING)


def over_percent(actual, reference):
    """How much ``actual`` is over ``reference``, in % (negative: under)."""
    if actual is None or not reference:
        return None
    return round(100.0 * (actual - reference) / reference, ROUNDING)
