"""Freight reconciliation without the ORM: variances, tolerance decisions, the
most specific tolerance rule, and matching carrier invoice lines to charges.

Amounts are compared as :class:`decimal.Decimal` rounded to the currency's
digits, so that 0.1 + 0.2 is 0.3 here too.

Decisions, in order of severity:

* ``match``: the actual amount is the expected amount (to the cent);
* ``within``: it differs, but within the tolerance;
* ``beyond``: it differs by more than the tolerance allows;
* ``unexpected``: there is no expected amount to compare with (an accessorial
  nobody planned for): a human decides.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MATCH = "match"
WITHIN = "within"
BEYOND = "beyond"
UNEXPECTED = "unexpected"
DECISIONS = [
    (MATCH, "Exact match"),
    (WITHIN, "Within tolerance"),
    (BEYOND, "Beyond tolerance"),
    (UNEXPECTED, "No expected amount"),
]
APPROVED_DECISIONS = frozenset({MATCH, WITHIN})

# How a rule with both an absolute and a percentage limit is read.
COMBINE_ALL = "all"  # the variance must be within every limit set (stricter)
COMBINE_ANY = "any"  # within one of the limits set is enough (looser)
COMBINATIONS = [
    (COMBINE_ALL, "Within every limit set"),
    (COMBINE_ANY, "Within any limit set"),
]

HUNDRED = Decimal(100)
DEFAULT_DIGITS = 2


@dataclass(frozen=True)
class Tolerance:
    """Limits of an accepted variance; a limit of None (or <= 0) is not set.

    A rule without any limit set accepts exact matches only.
    """

    absolute: float | None = None
    percentage: float | None = None
    combine: str = COMBINE_ALL

    def limits(self):
        """``(absolute, percentage)`` as Decimals, None when not set."""
        return _positive(self.absolute), _positive(self.percentage)


ZERO_TOLERANCE = Tolerance()


@dataclass(frozen=True)
class Variance:
    """Actual minus expected, and that difference in percent of the expected."""

    amount: Decimal
    percentage: Decimal | None  # None when the expected amount is zero


def to_decimal(value, digits=DEFAULT_DIGITS):
    """``value`` as a Decimal rounded half-up to ``digits`` decimals."""
    quantum = Decimal(1).scaleb(-digits)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def _positive(value):
    if value is None:
        return None
    number = Decimal(str(value))
    return number if number > 0 else None


def variance(expected, actual, digits=DEFAULT_DIGITS):
    """The :class:`Variance` of ``actual`` against ``expected``."""
    expected_d = to_decimal(expected, digits)
    difference = to_decimal(actual, digits) - expected_d
    percentage = None
    if expected_d:
        percentage = (difference * HUNDRED / abs(expected_d)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    return Variance(difference, percentage)


def within(found, tolerance):
    """Whether a :class:`Variance` is accepted by a :class:`Tolerance`."""
    absolute, percentage = tolerance.limits()
    checks = []
    if absolute is not None:
        checks.append(abs(found.amount) <= absolute)
    if percentage is not None:
        checks.append(
            found.percentage is not None and abs(found.percentage) <= percentage
        )
    if not checks:
        return not found.amount
    if tolerance.combine == COMBINE_ANY:
        return any(checks)
    return all(checks)


def decide(expected, actual, tolerance=ZERO_TOLERANCE, digits=DEFAULT_DIGITS):
    """``match``, ``within``, ``beyond`` or ``unexpected`` (see the module doc).

    ``expected`` is None when nothing was expected. Undercharges are judged
    like overcharges: a carrier billing much less than agreed is worth a look.
    """
    if expected is None:
        return UNEXPECTED
    found = variance(expected, actual, digits)
    if not found.amount:
        return MATCH
    return WITHIN if within(found, tolerance) else BEYOND


# --- Tolerance rules --------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A tolerance rule as the matcher sees it: what it applies to, and its key.

    ``carrier`` and ``charge_type`` are ids, or None for "any".
    """

    key: object
    carrier: object = None
    charge_type: object = None
    sequence: int = 10


def specificity(rule, carrier, charge_type):
    """How specific a rule is for (carrier, charge type); None if it does not apply.

    Carrier and charge type (3) beat carrier only (2), which beats charge type
    only (1), which beats the catch-all rule (0).
    """
    if rule.carrier is not None and rule.carrier != carrier:
        return None
    if rule.charge_type is not None and rule.charge_type != charge_type:
        return None
    return (2 if rule.carrier is not None else 0) + (
        1 if rule.charge_type is not None else 0
    )


def most_specific(rules, carrier, charge_type):
    """The key of the most specific rule that applies, or None.

    Equally specific rules are ordered by sequence, then by key.
    """
    best = None
    for rule in rules:
        score = specificity(rule, carrier, charge_type)
        if score is None:
            continue
        rank = (-score, rule.sequence, str(rule.key))
        if best is None or rank < best[0]:
            best = (rank, rule.key)
    return best[1] if best else None


# --- Matching carrier invoice lines to charges ------------------------------


@dataclass(frozen=True)
class Candidate:
    """A charge an invoice line may settle: same shipment and charge type."""

    key: object
    shipment: object
    charge_type: object
    amount: float  # what the charge is expected (or reported) to cost


@dataclass(frozen=True)
class InvoiceLine:
    """An invoice line to match: its position, shipment, charge type, amount."""

    index: int
    shipment: object
    charge_type: object
    amount: float


def match_lines(lines, candidates, digits=DEFAULT_DIGITS):
    """``{line index: candidate key or None}``: each charge settles one line.

    Lines are taken in order; each takes, among the unmatched charges of its
    shipment and charge type, the one closest in amount (then the first).
    """
    pool = {}
    for candidate in candidates:
        pool.setdefault((candidate.shipment, candidate.charge_type), []).append(
            candidate
        )
    matches = {}
    for line in lines:
        open_charges = pool.get((line.shipment, line.charge_type)) or []
        if not open_charges:
            matches[line.index] = None
            continue
        amount = to_decimal(line.amount, digits)
        best = min(
            enumerate(open_charges),
            key=lambda pair: (
                abs(to_decimal(pair[1].amount, digits) - amount),
                pair[0],
            ),
        )
        matches[line.index] = open_charges.pop(best[0]).key
    return matches
