"""Tests of the message state machine."""

import pytest

from logistics_integration_base.lib import errors, states

ALL_STATES = [value for value, _label in states.STATES]


def test_every_state_has_label_help_and_transition_entry():
    assert ALL_STATES == [
        "queued",
        "processing",
        "done",
        "failed",
        "dead",
        "stale",
        "superseded",
    ]
    assert set(states.STATE_HELP) == set(ALL_STATES)
    assert set(states.TRANSITIONS) == set(ALL_STATES)
    assert all(label for _value, label in states.STATES)
    assert all(text.endswith(".") for text in states.STATE_HELP.values())


def test_help_text_has_one_line_per_state_in_order():
    lines = states.help_text().splitlines()
    assert lines == [
        f"{label}: {states.STATE_HELP[value]}" for value, label in states.STATES
    ]
    assert lines[0] == "Queued: The message waits in the job queue to be processed."


def test_transition_targets_are_known_states():
    for targets in states.TRANSITIONS.values():
        assert isinstance(targets, frozenset)
        assert targets <= set(ALL_STATES)


ALLOWED = [
    ("queued", "processing"),
    ("processing", "done"),
    ("processing", "failed"),
    ("processing", "dead"),
    ("processing", "stale"),
    ("failed", "queued"),
    ("failed", "processing"),
    ("dead", "queued"),
    ("queued", "superseded"),
    ("failed", "superseded"),
    ("dead", "superseded"),
]


def test_the_table_is_exactly_the_allowed_transitions():
    table = {
        (old, new) for old, targets in states.TRANSITIONS.items() for new in targets
    }
    assert table == set(ALLOWED)


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_allowed_transitions(old, new):
    assert states.can_transition(old, new)
    states.check_transition(old, new)  # does not raise


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("done", "queued"),
        ("done", "processing"),
        ("stale", "queued"),
        ("queued", "done"),
        ("queued", "failed"),  # a failed attempt goes through processing
        ("queued", "dead"),
        ("failed", "dead"),
        ("failed", "failed"),
        ("dead", "processing"),
        ("processing", "processing"),
        ("processing", "queued"),
        # In flight: answered first; what supersedes it is sequenced after it.
        ("processing", "superseded"),
        ("done", "superseded"),
        ("stale", "superseded"),
        ("superseded", "queued"),
        ("superseded", "processing"),
        ("superseded", "done"),
    ],
)
def test_forbidden_transitions_raise(old, new):
    assert not states.can_transition(old, new)
    with pytest.raises(errors.InvalidTransition) as info:
        states.check_transition(old, new)
    assert str(info.value) == f"Cannot move a message from '{old}' to '{new}'"


def test_invalid_transition_is_a_value_error():
    with pytest.raises(ValueError, match="from 'done' to 'queued'"):
        states.check_transition("done", "queued")


@pytest.mark.parametrize("dropped", ["received", "validated", "duplicate", "conflict"])
def test_states_nothing_reaches_are_gone(dropped):
    assert dropped not in ALL_STATES
    with pytest.raises(errors.InvalidTransition, match=f"unknown state '{dropped}'"):
        states.check_transition(dropped, "queued")


def test_unknown_state_is_named_in_the_message():
    with pytest.raises(errors.InvalidTransition) as info:
        states.check_transition("queued", "archived")
    assert str(info.value) == (
        "Cannot move a message from 'queued' to 'archived': unknown state 'archived'"
    )
    with pytest.raises(errors.InvalidTransition, match="unknown state 'bogus'"):
        states.check_transition("bogus", "queued")


@pytest.mark.parametrize("state", ["queued", "dead"])
def test_initial_states(state):
    states.check_initial(state)  # does not raise


@pytest.mark.parametrize(
    "state", ["processing", "done", "failed", "stale", "superseded", "received"]
)
def test_other_states_are_not_initial(state):
    with pytest.raises(errors.InvalidTransition) as info:
        states.check_initial(state)
    assert str(info.value) == (
        f"A message cannot be logged as '{state}'; it is logged as one of dead, queued"
    )


def test_pending_and_terminal_states():
    assert sorted(states.PENDING_STATES) == ["failed", "queued"]
    assert sorted(states.TERMINAL_STATES) == ["done", "stale", "superseded"]
    assert not states.PENDING_STATES & states.TERMINAL_STATES
    assert set(ALL_STATES) >= states.INITIAL_STATES
    for state in states.TERMINAL_STATES:
        assert not states.TRANSITIONS[state]


def test_every_state_is_reached_from_an_initial_state():
    reached, todo = set(states.INITIAL_STATES), list(states.INITIAL_STATES)
    while todo:
        for new in states.TRANSITIONS[todo.pop()]:
            if new not in reached:
                reached.add(new)
                todo.append(new)
    assert reached == set(ALL_STATES)


def test_dead_is_only_left_by_replay_or_superseded():
    assert states.TRANSITIONS[states.DEAD] == {states.QUEUED, states.SUPERSEDED}


def test_supersedable_states_are_the_ones_not_in_flight_nor_finished():
    assert sorted(states.SUPERSEDABLE_STATES) == ["dead", "failed", "queued"]
    assert states.PROCESSING not in states.SUPERSEDABLE_STATES
    assert not states.SUPERSEDABLE_STATES & states.TERMINAL_STATES
    assert states.SUPERSEDED in states.TERMINAL_STATES


def test_directions():
    assert states.INBOUND == "inbound"
    assert states.OUTBOUND == "outbound"
    assert [value for value, _label in states.DIRECTIONS] == ["inbound", "outbound"]
