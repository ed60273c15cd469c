from datetime import date

import pytest

from logistics_freight_settlement.lib import claims


@pytest.mark.parametrize(
    ("state", "new_state"),
    [
        ("open", "submitted"),
        ("open", "cancelled"),
        ("submitted", "accepted"),
        ("submitted", "partial"),
        ("submitted", "rejected"),
        ("submitted", "cancelled"),
        ("accepted", "settled"),
        ("partial", "settled"),
    ],
)
def test_allowed_transitions(state, new_state):
    assert claims.check_transition(state, new_state) == new_state


@pytest.mark.parametrize(
    ("state", "new_state"),
    [
        ("open", "accepted"),
        ("open", "settled"),
        ("submitted", "settled"),
        ("rejected", "settled"),
        ("rejected", "submitted"),
        ("settled", "open"),
        ("cancelled", "open"),
        ("accepted", "rejected"),
    ],
)
def test_refused_transitions(state, new_state):
    with pytest.raises(claims.InvalidTransition, match=f"from {state} to {new_state}"):
        claims.check_transition(state, new_state)


def test_unknown_state_is_refused():
    with pytest.raises(claims.InvalidTransition, match="unknown claim state"):
        claims.check_transition("draft", "open")


def test_every_state_has_transitions_and_a_label():
    assert {value for value, _label in claims.STATES} == set(claims.TRANSITIONS)
    for targets in claims.TRANSITIONS.values():
        assert targets <= set(claims.TRANSITIONS)


@pytest.mark.parametrize(
    ("claimed", "accepted", "state"),
    [
        (100.0, 100.0, "accepted"),
        (100.0, 99.9999999, "accepted"),
        (100.0, 40.0, "partial"),
        (100.0, 0.0, "rejected"),
    ],
)
def test_decision(claimed, accepted, state):
    assert claims.decision(claimed, accepted) == state


@pytest.mark.parametrize(
    ("claimed", "accepted", "error"),
    [
        (100.0, 100.5, "more than the 100 claimed"),
        (100.0, -1.0, "cannot be negative"),
        (0.0, 0.0, "nothing is claimed"),
    ],
)
def test_decision_refuses_impossible_amounts(claimed, accepted, error):
    with pytest.raises(ValueError, match=error):
        claims.decision(claimed, accepted)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("damaged", "damage"),
        ("DAMAGED", "damage"),
        (" shortage ", "shortage"),
        ("lost", "loss"),
        ("NH", None),
        ("", None),
        (None, None),
    ],
)
def test_reason_codes(code, kind):
    assert claims.kind_of_reason(code) == kind


@pytest.mark.parametrize(
    ("remarks", "kind"),
    [
        ("2 cartons crushed", "damage"),
        ("Pallet damaged on arrival", "damage"),
        ("One carton missing", "shortage"),
        ("Delivered short by 3", "shortage"),
        ("Shipment lost in transit", "loss"),
        ("All in good order", None),
        ("Shortbread delivered", None),
        (None, None),
    ],
)
def test_pod_remarks(remarks, kind):
    assert claims.kind_of_remarks(remarks) == kind


def test_event_kind_prefers_the_reason_code():
    data = {"reason_code": "lost", "pod": {"remarks": "box crushed"}}
    assert claims.event_kind(data) == "loss"
    assert claims.event_kind({"pod": {"remarks": "box crushed"}}) == "damage"
    assert claims.event_kind({"reason_code": "NH", "pod": None}) is None
    assert claims.event_kind({}) is None


def test_shortages_are_the_lines_delivered_short():
    shipped = {1: 10.0, 2: 5.0, 3: 2.0}
    assert claims.shortages(shipped, {1: 10.0, 2: 3.0}) == {2: 2.0, 3: 2.0}
    assert claims.shortages(shipped, {1: 10.0, 2: 5.0, 3: 2.0}) == {}
    # More delivered than shipped is no shortage.
    assert claims.shortages({1: 1.0}, {1: 3.0}) == {}


def test_filing_deadline():
    assert claims.filing_deadline(date(2026, 1, 30), 7) == date(2026, 2, 6)
    assert claims.filing_deadline(None, 7) is None
    assert claims.filing_deadline(date(2026, 1, 30), 0) is None
