"""Which TMS, carrier or 3PL a shipment goes to: the first routing rule whose
every condition holds, in the rules' order; none: the warehouse's default.

A condition left empty holds for any shipment. Postal codes compare as text on
as many characters as the bound has, so ``75`` to ``75`` holds for ``75001`` and
``1000`` to ``1999`` for ``1050``; spaces and case do not count (``SW1A 1AA``).
A product category holds for its sub-categories too: the shipment's
``category_ids`` carry every ancestor of its products' categories.

Pure Python: tested in ``tests/unit/test_routing.py``.
"""

from dataclasses import dataclass, field


def normalise_zip(code):
    return "".join((code or "").split()).upper()


@dataclass(frozen=True)
class ShipmentFacts:
    """What the rules look at, read off a delivery order."""

    warehouse_id: int = 0
    country_code: str = ""
    zip: str = ""
    service_level: str = ""
    weight_kg: float = 0.0
    volume_m3: float = 0.0
    customer_id: int = 0
    category_ids: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class Rule:
    """Conditions of one rule; empty sets and bounds of ``None`` hold for all."""

    key: object
    warehouse_ids: frozenset = field(default_factory=frozenset)
    country_codes: frozenset = field(default_factory=frozenset)
    zip_from: str = ""
    zip_to: str = ""
    service_levels: frozenset = field(default_factory=frozenset)
    weight_min: float = None
    weight_max: float = None
    volume_min: float = None
    volume_max: float = None
    customer_ids: frozenset = field(default_factory=frozenset)
    category_ids: frozenset = field(default_factory=frozenset)

    def failed_conditions(self, facts):
        """The names of the conditions ``facts`` do not meet (none: a match)."""
        checks = {
            "warehouse": _in(facts.warehouse_id, self.warehouse_ids),
            "country": _in(facts.country_code, self.country_codes),
            "postal code": zip_in_range(facts.zip, self.zip_from, self.zip_to),
            "service level": _in(facts.service_level, self.service_levels),
            "weight": _between(facts.weight_kg, self.weight_min, self.weight_max),
            "volume": _between(facts.volume_m3, self.volume_min, self.volume_max),
            "customer": _in(facts.customer_id, self.customer_ids),
            "product category": not self.category_ids
            or bool(self.category_ids & facts.category_ids),
        }
        return [name for name, holds in checks.items() if not holds]

    def matches(self, facts):
        return not self.failed_conditions(facts)


def _in(value, allowed):
    return not allowed or value in allowed


def _between(value, low, high):
    return (low is None or value >= low) and (high is None or value <= high)


def zip_in_range(code, low, high):
    """Whether a postal code is in ``low`` to ``high`` (either may be empty)."""
    code, low, high = normalise_zip(code), normalise_zip(low), normalise_zip(high)
    if not (low or high):
        return True
    if not code:
        return False
    return (not low or code[: len(low)] >= low) and (
        not high or code[: len(high)] <= high
    )


def first_match(rules, facts):
    """The first of ``rules`` (in order) that ``facts`` meet, else None."""
    return next((rule for rule in rules if rule.matches(facts)), None)
