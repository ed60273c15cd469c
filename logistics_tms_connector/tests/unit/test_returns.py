"""Tests of what a failed delivery returns, and of the credit policy."""

import pytest

from logistics_tms_connector.lib import milestones, returns

# (move_id, delivered, returned already)
MOVES = [(1, 4.0, 0.0), (2, 2.5, 0.0), (3, 3.0, 1.0)]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (milestones.REFUSED, True),
        (milestones.RETURNED, True),
        (milestones.DELIVERY_ATTEMPTED, False),
        (milestones.DELIVERED, False),
    ],
)
def test_which_milestone_returns(code, expected):
    assert returns.is_return_code(code) is expected


def test_everything_delivered_comes_back_less_what_is_returned():
    assert returns.quantities_to_return(MOVES) == {1: 4.0, 2: 2.5, 3: 2.0}


def test_the_reported_quantities_come_back_at_most_what_was_delivered():
    coming_back = {1: 1.0, 2: 9.0}
    assert returns.quantities_to_return(MOVES, coming_back) == {1: 1.0, 2: 2.5}


def test_a_second_event_returns_nothing_twice():
    assert returns.quantities_to_return([(1, 4.0, 4.0), (2, 2.0, 2.0)]) == {}
    # The same items again: what they report is returned already.
    assert returns.quantities_to_return([(1, 4.0, 1.0)], {1: 1.0}) == {}
    # More reported than before: the difference.
    assert returns.quantities_to_return([(1, 4.0, 1.0)], {1: 3.0}) == {1: 2.0}


def test_nothing_delivered_nothing_to_return():
    assert returns.quantities_to_return([(1, 0.0, 0.0)]) == {}
    assert returns.quantities_to_return([]) == {}


def test_coming_back_by_move_adds_lines_of_a_move():
    line_moves = {10: 1, 11: 1, 12: 2, 13: None}
    quantities = {10: 1.0, 11: 2.0, 12: 0.5, 13: 7.0}
    assert returns.coming_back_by_move(line_moves, quantities) == {1: 3.0, 2: 0.5}


@pytest.mark.parametrize(
    ("customer", "company", "expected"),
    [
        (returns.CREDIT_POSTED, returns.CREDIT_NONE, returns.CREDIT_POSTED),
        (returns.CREDIT_NONE, returns.CREDIT_DRAFT, returns.CREDIT_NONE),
        (False, returns.CREDIT_DRAFT, returns.CREDIT_DRAFT),
        (None, None, returns.CREDIT_NONE),
        ("bogus", returns.CREDIT_POSTED, returns.CREDIT_POSTED),
    ],
)
def test_the_customer_policy_wins_over_the_company_one(customer, company, expected):
    assert returns.credit_policy(customer, company) == expected
