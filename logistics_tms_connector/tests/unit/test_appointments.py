"""Tests of the delivery appointment rules (lib/appointments.py)."""

from datetime import datetime, timedelta, timezone

import pytest

from logistics_tms_connector.lib import appointments as ap
from logistics_tms_connector.lib import milestones
from logistics_tms_connector.lib.performance import Window

NOW = datetime(2030, 5, 6, 8, 0)
SLOT = Window(datetime(2030, 5, 7, 8, 0), datetime(2030, 5, 7, 10, 0))


@pytest.mark.parametrize(
    ("state", "action", "new"),
    [
        (ap.STATE_NONE, ap.REQUEST, ap.STATE_REQUESTED),
        (ap.STATE_REJECTED, ap.REQUEST, ap.STATE_REQUESTED),
        (ap.STATE_CONFIRMED, ap.REQUEST, ap.STATE_REQUESTED),
        (ap.STATE_REQUESTED, ap.TMS_CONFIRM, ap.STATE_CONFIRMED),
        (ap.STATE_REQUESTED, ap.TMS_PROPOSE, ap.STATE_PROPOSED),
        (ap.STATE_REQUESTED, ap.TMS_REJECT, ap.STATE_REJECTED),
        (ap.STATE_PROPOSED, ap.ACCEPT, ap.STATE_CONFIRMED),
        (ap.STATE_PROPOSED, ap.DECLINE, ap.STATE_REJECTED),
        (ap.STATE_CONFIRMED, ap.TMS_CONFIRM, ap.STATE_CONFIRMED),
        (ap.STATE_CONFIRMED, ap.MISS, ap.STATE_MISSED),
    ],
)
def test_transitions(state, action, new):
    assert ap.next_state(state, action) == new


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (ap.STATE_NONE, ap.TMS_CONFIRM),
        (ap.STATE_NONE, ap.ACCEPT),
        (ap.STATE_REQUESTED, ap.ACCEPT),
        (ap.STATE_CONFIRMED, ap.DECLINE),
        (ap.STATE_REQUESTED, ap.MISS),
        (ap.STATE_MISSED, ap.REQUEST),
        (ap.STATE_REJECTED, ap.TMS_CONFIRM),
    ],
)
def test_refused_transitions_are_conflicts(state, action):
    with pytest.raises(ap.AppointmentRefused) as refused:
        ap.next_state(state, action)
    assert refused.value.conflict
    assert dict(ap.STATES)[state].lower() in refused.value.reason


def test_unknown_state_or_action():
    with pytest.raises(ValueError, match="state"):
        ap.next_state("lost", ap.REQUEST)
    with pytest.raises(ValueError, match="action"):
        ap.next_state(ap.STATE_NONE, "shout")


def test_every_tms_appointment_code_has_an_action():
    assert set(ap.ACTION_FOR_CODE) == milestones.APPOINTMENT_CODES - {
        milestones.APPOINTMENT_REQUESTED
    }
    for code in milestones.APPOINTMENT_CODES:
        # On the timeline, never moving the status.
        assert milestones.STATUS_FOR_CODE[code] is None
        assert milestones.next_status(milestones.STATUS_ACCEPTED, code) is None


@pytest.mark.parametrize("status", milestones.AMENDABLE_STATUSES)
def test_cutoff_open_while_amendable(status):
    assert ap.cutoff_refusal(status) is None


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (milestones.STATUS_DRAFT, "not released"),
        (milestones.STATUS_CANCELLED, "cancelled"),
        (milestones.STATUS_PICKED_UP, "cut-off is passed: the shipment is picked up"),
        (milestones.STATUS_DELIVERED, "cut-off is passed"),
        (milestones.STATUS_EXCEPTION, "cut-off is passed"),
    ],
)
def test_cutoff_refusals_say_why(status, words):
    assert words in ap.cutoff_refusal(status)


def test_a_good_request_has_no_problems():
    start = NOW + timedelta(days=1)
    assert (
        ap.request_problems(
            start,
            start + timedelta(hours=2),
            NOW,
            dock="Dock 4",
            contact="Mr Peeters",
            reference="BK-1",
        )
        == []
    )
    aware = datetime(2030, 5, 7, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    assert ap.request_problems(aware, aware + timedelta(hours=1), NOW) == []


def test_request_problems_point_at_the_field():
    start = NOW + timedelta(days=1)

    def pointers(*args, **kwargs):
        return [p["pointer"] for p in ap.request_problems(*args, **kwargs)]

    assert pointers(None, None, NOW) == ["/window/start", "/window/end"]
    assert pointers(start, start, NOW) == ["/window/end"]
    assert pointers(start, start - timedelta(hours=1), NOW) == ["/window/end"]
    assert pointers(start, start + timedelta(hours=25), NOW) == ["/window/end"]
    past = NOW - timedelta(hours=1)
    assert pointers(past, past + timedelta(hours=2), NOW) == ["/window/start"]
    end = start + timedelta(hours=1)
    assert pointers(start, end, NOW, dock="D" * 65, contact=7) == ["/dock", "/contact"]
    assert pointers(start, end, NOW, reference="R" * 65) == ["/reference"]


def test_missed_cause():
    inside = datetime(2030, 5, 7, 9, 0)
    late = datetime(2030, 5, 7, 11, 0)
    early = datetime(2030, 5, 7, 7, 0)
    assert ap.missed_cause(milestones.DELIVERED, inside, SLOT) is None
    assert ap.missed_cause(milestones.DELIVERED, late, SLOT) == ap.CAUSE_OUTSIDE_WINDOW
    assert ap.missed_cause(milestones.DELIVERED, early, SLOT) == ap.CAUSE_OUTSIDE_WINDOW
    assert ap.missed_cause(milestones.DELIVERY_ATTEMPTED, inside, SLOT) == (
        ap.CAUSE_ATTEMPTED
    )
    assert ap.missed_cause(milestones.OUT_FOR_DELIVERY, late, SLOT) is None
    # No slot: nothing to miss by a delivery.
    assert ap.missed_cause(milestones.DELIVERED, late, Window()) is None
