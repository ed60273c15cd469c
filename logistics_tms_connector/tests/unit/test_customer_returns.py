"""Tests of the customer returns' states, approval rule and quantities."""

from datetime import datetime, timedelta

import pytest

from logistics_tms_connector.lib import customer_returns


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (customer_returns.REQUESTED, customer_returns.APPROVED),
        (customer_returns.REQUESTED, customer_returns.REFUSED),
        (customer_returns.REQUESTED, customer_returns.CANCELLED),
        (customer_returns.APPROVED, customer_returns.IN_TRANSIT),
        (customer_returns.APPROVED, customer_returns.RECEIVED),
        (customer_returns.APPROVED, customer_returns.CANCELLED),
        (customer_returns.IN_TRANSIT, customer_returns.RECEIVED),
    ],
)
def test_allowed_transitions(current, target):
    customer_returns.check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (customer_returns.REFUSED, customer_returns.APPROVED),
        (customer_returns.RECEIVED, customer_returns.CANCELLED),
        (customer_returns.IN_TRANSIT, customer_returns.CANCELLED),
        (customer_returns.CANCELLED, customer_returns.REQUESTED),
        (customer_returns.REQUESTED, customer_returns.RECEIVED),
        ("nonsense", customer_returns.APPROVED),
    ],
)
def test_refused_transitions(current, target):
    with pytest.raises(customer_returns.TransitionError):
        customer_returns.check_transition(current, target)


def test_every_state_has_its_transitions():
    assert {value for value, _label in customer_returns.STATES} == set(
        customer_returns.TRANSITIONS
    )


@pytest.mark.parametrize(
    ("value", "quantity", "max_value", "max_quantity", "approved"),
    [
        (100, 2, 0, 0, False),  # nothing configured: a manager decides
        (100, 2, 100, 0, True),  # inclusive
        (100.01, 2, 100, 0, False),
        (100, 2, 0, 2, True),
        (100, 3, 0, 2, False),
        (50, 1, 100, 2, True),
        (50, 3, 100, 2, False),
        (150, 1, 100, 2, False),
    ],
)
def test_auto_approval(value, quantity, max_value, max_quantity, approved):
    decided, reasons = customer_returns.auto_approves(
        value, quantity, max_value, max_quantity
    )
    assert decided is approved
    assert bool(reasons) is not approved


def test_quantities_within_what_is_returnable():
    assert (
        customer_returns.quantity_problems([(0, "a", 2), (1, "b", 1)], {"a": 2, "b": 5})
        == []
    )


def test_quantities_beyond_returnable_name_their_line():
    problems = customer_returns.quantity_problems(
        [(0, "a", 3), (1, "b", 0), (2, "c", 1)], {"a": 2, "b": 5}
    )
    assert [p["pointer"] for p in problems] == [
        "/lines/0/quantity",
        "/lines/1/quantity",
        "/lines/2/quantity",
    ]
    assert "at most 2" in problems[0]["reason"]
    assert problems[1]["reason"] == "must be positive"
    assert "at most 0" in problems[2]["reason"]


def test_the_same_line_twice_counts_both_quantities():
    problems = customer_returns.quantity_problems(
        [(0, "a", 2), (1, "a", 1)], {"a": 2.5}
    )
    assert [p["pointer"] for p in problems] == ["/lines/1/quantity"]


def test_window():
    start = datetime(2030, 1, 1, 8)
    assert customer_returns.window_problem(start, start + timedelta(hours=2)) is None
    assert customer_returns.window_problem(None, None) is None
    assert customer_returns.window_problem(False, False) is None
    assert (
        customer_returns.window_problem(start, start)["pointer"] == "/pickup_window/end"
    )
