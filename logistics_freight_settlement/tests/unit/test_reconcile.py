from decimal import Decimal

import pytest

from logistics_freight_settlement.lib import reconcile
from logistics_freight_settlement.lib.reconcile import (
    BEYOND,
    MATCH,
    UNEXPECTED,
    WITHIN,
    Candidate,
    InvoiceLine,
    Rule,
    Tolerance,
)


def test_exact_match_to_the_cent_despite_float_noise():
    assert reconcile.decide(0.3, 0.1 + 0.2) == MATCH
    assert reconcile.decide(100, 100.004) == MATCH


def test_no_expected_amount_is_unexpected():
    assert reconcile.decide(None, 35.0, Tolerance(absolute=1000)) == UNEXPECTED


def test_zero_tolerance_accepts_only_exact_amounts():
    assert reconcile.decide(100, 100.01) == BEYOND
    assert reconcile.decide(100, 100.01, Tolerance(absolute=0, percentage=0)) == BEYOND


@pytest.mark.parametrize(
    ("actual", "decision"),
    [(104.99, WITHIN), (105.0, WITHIN), (105.01, BEYOND), (94.99, BEYOND)],
)
def test_absolute_limit_both_ways(actual, decision):
    assert reconcile.decide(100, actual, Tolerance(absolute=5)) == decision


@pytest.mark.parametrize(
    ("actual", "decision"), [(202.0, WITHIN), (196.0, WITHIN), (204.02, BEYOND)]
)
def test_percentage_limit(actual, decision):
    assert reconcile.decide(200, actual, Tolerance(percentage=2)) == decision


def test_all_limits_must_hold_by_default():
    rule = Tolerance(absolute=5, percentage=1)
    # 4.00 on 200 is 2 %: within the absolute limit, beyond the percentage.
    assert reconcile.decide(200, 204, rule) == BEYOND
    assert reconcile.decide(200, 201.5, rule) == WITHIN


def test_any_limit_is_enough_when_combined_with_any():
    rule = Tolerance(absolute=5, percentage=1, combine=reconcile.COMBINE_ANY)
    assert reconcile.decide(200, 204, rule) == WITHIN
    assert reconcile.decide(200, 206, rule) == BEYOND


def test_percentage_of_a_zero_expected_amount_never_holds():
    assert reconcile.decide(0, 1, Tolerance(percentage=50)) == BEYOND
    assert reconcile.decide(0, 1, Tolerance(absolute=2)) == WITHIN


def test_variance_amount_and_percentage():
    found = reconcile.variance(120, 150)
    assert found.amount == Decimal("30.00")
    assert found.percentage == Decimal("25.00")
    assert reconcile.variance(0, 10).percentage is None
    assert reconcile.variance(-50, -40).percentage == Decimal("20.00")


def test_variance_uses_currency_digits():
    assert reconcile.variance(1000, 1001, digits=0).amount == Decimal(1)
    assert reconcile.decide(10.0004, 10.0001, digits=3) == MATCH


RULES = [
    Rule("global"),
    Rule("fuel", charge_type="FUEL"),
    Rule("carrier", carrier="SPDF"),
    Rule("carrier-fuel", carrier="SPDF", charge_type="FUEL"),
    Rule("other-carrier", carrier="ACME"),
]


@pytest.mark.parametrize(
    ("carrier", "charge_type", "expected"),
    [
        ("SPDF", "FUEL", "carrier-fuel"),
        ("SPDF", "BASE", "carrier"),
        ("XPO", "FUEL", "fuel"),
        ("XPO", "BASE", "global"),
        ("ACME", "FUEL", "other-carrier"),
    ],
)
def test_most_specific_rule_wins(carrier, charge_type, expected):
    assert reconcile.most_specific(RULES, carrier, charge_type) == expected


def test_no_rule_applies():
    assert reconcile.most_specific([Rule("acme", carrier="ACME")], "SPDF", "X") is None
    assert reconcile.most_specific([], "SPDF", "X") is None


def test_equally_specific_rules_follow_their_sequence():
    rules = [Rule("late", sequence=20), Rule("early", sequence=5)]
    assert reconcile.most_specific(rules, 1, 2) == "early"


def test_invoice_lines_take_the_closest_open_charge():
    candidates = [
        Candidate("c1", "S1", "BASE", 100.0),
        Candidate("c2", "S1", "BASE", 150.0),
        Candidate("c3", "S1", "FUEL", 18.0),
        Candidate("c4", "S2", "BASE", 90.0),
    ]
    lines = [
        InvoiceLine(0, "S1", "BASE", 149.0),
        InvoiceLine(1, "S1", "BASE", 149.0),
        InvoiceLine(2, "S1", "BASE", 149.0),
        InvoiceLine(3, "S1", "FUEL", 20.0),
        InvoiceLine(4, "S3", "BASE", 10.0),
    ]
    assert reconcile.match_lines(lines, candidates) == {
        0: "c2",
        1: "c1",
        2: None,
        3: "c3",
        4: None,
    }
