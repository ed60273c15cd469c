"""Tests of the message state machine."""

import pytest

from logistics_integration_base.lib import errors, states

ALL_STATES = [value for value, _label in states.STATES]


def test_every_state_has_label_help_and_transition_entry():
    assert ALL_STATES == [
        "received",
        "validated",
        "queued",
        "processing",
        "done",
        "failed",
        "dead",
        "duplicate",
        "stale",
        "conflict",
    ]
    assert set(states.STATE_HELP) == set(ALL_STATES)
    assert set(states.TRANSITIONS) == set(ALL_STATES)
    assert all(label for _value, label in states.STATES)
    assert all(text.endswith(".") for text in states.STATE_HELP.values())


def test_transition_targets_are_known_states():
    for targets in states.TRANSITIONS.values():
        assert isinstance(targets, frozenset)
        assert targets <= set(ALL_STATES)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("received", "validated"),
        ("received", "dead"),
        ("received", "duplicate"),
        ("received", "conflict"),
        ("validated", "queued"),
        ("validated", "dead"),
        ("queued", "processing"),
        ("queued", "dead"),
        ("processing", "done"),
        ("processing", "failed"),
        ("processing", "dead"),
        ("processing", "stale"),
        ("failed", "queued"),
        ("failed", "processing"),
        ("failed", "dead"),
        ("dead", "queued"),
    ],
)
def test_allowed_transitions(old, new):
    assert states.can_transition(old, new)
    states.check_transition(old, new)  # does not raise


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("done", "queued"),
        ("done", "processing"),
        ("duplicate", "queued"),
        ("stale", "queued"),
        ("conflict", "queued"),
        ("received", "processing"),
        ("received", "done"),
        ("queued", "done"),
        ("dead", "processing"),
        ("processing", "processing"),
        ("validated", "validated"),
    ],
)
def test_forbidden_transitions_raise(old, new):
    with pytest.raises(errors.InvalidTransition) as info:
        states.check_transition(old, new)
    assert str(info.value) == f"Cannot move a message from '{old}' to '{new}'"


def test_invalid_transition_is_a_value_error():
    with pytest.raises(ValueError, match="from 'done' to 'queued'"):
        states.check_transition("done", "queued")


def test_unknown_state_is_named_in_the_message():
    with pytest.raises(errors.InvalidTransition) as info:
        states.check_transition("received", "archived")
    assert str(info.value) == (
        "Cannot move a message from 'received' to 'archived': unknown state 'archived'"
    )
    with pytest.raises(errors.InvalidTransition, match="unknown state 'bogus'"):
        states.check_transition("bogus", "queued")


def test_pending_and_terminal_states():
    assert sorted(states.PENDING_STATES) == ["failed", "queued", "validated"]
    assert sorted(states.TERMINAL_STATES) == ["conflict", "done", "duplicate", "stale"]
    assert not states.PENDING_STATES & states.TERMINAL_STATES
    for state in states.TERMINAL_STATES:
        assert not states.TRANSITIONS[state]


def test_dead_is_only_left_by_replay():
    assert states.TRANSITIONS[states.DEAD] == {states.QUEUED}


def test_directions():
    assert states.INBOUND == "inbound"
    assert states.OUTBOUND == "outbound"
    assert [value for value, _label in states.DIRECTIONS] == ["inbound", "outbound"]
