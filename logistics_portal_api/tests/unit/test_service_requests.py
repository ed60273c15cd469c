import pytest

from logistics_portal_api.lib import service_requests as sr


@pytest.mark.parametrize(
    "current, target",
    [
        (sr.STATUS_NEW, sr.STATUS_IN_PROGRESS),
        (sr.STATUS_NEW, sr.STATUS_ANSWERED),
        (sr.STATUS_NEW, sr.STATUS_REFUSED),
        (sr.STATUS_NEW, sr.STATUS_CANCELLED),
        (sr.STATUS_IN_PROGRESS, sr.STATUS_ANSWERED),
        (sr.STATUS_IN_PROGRESS, sr.STATUS_REFUSED),
        (sr.STATUS_IN_PROGRESS, sr.STATUS_CANCELLED),
    ],
)
def test_allowed_transitions(current, target):
    sr.check_transition(current, target)  # no error


@pytest.mark.parametrize("closed", sr.FINAL_STATUSES)
@pytest.mark.parametrize("target", sr.STATUS_CODES)
def test_a_closed_request_never_changes(closed, target):
    with pytest.raises(sr.TransitionError, match="closed"):
        sr.check_transition(closed, target)


def test_nothing_goes_back_to_new():
    with pytest.raises(sr.TransitionError):
        sr.check_transition(sr.STATUS_IN_PROGRESS, sr.STATUS_NEW)
    with pytest.raises(sr.TransitionError):
        sr.check_transition(sr.STATUS_NEW, sr.STATUS_NEW)


def test_unknown_statuses_are_refused():
    with pytest.raises(sr.TransitionError, match="Unknown"):
        sr.check_transition("done", sr.STATUS_ANSWERED)
    with pytest.raises(sr.TransitionError, match="Unknown"):
        sr.check_transition(sr.STATUS_NEW, "done")


def test_every_status_has_its_transitions():
    assert set(sr.TRANSITIONS) == set(sr.STATUS_CODES)
    for targets in sr.TRANSITIONS.values():
        assert set(targets) <= set(sr.STATUS_CODES)
    assert {s for s in sr.STATUS_CODES if not sr.TRANSITIONS[s]} == set(
        sr.FINAL_STATUSES
    )


@pytest.mark.parametrize("target", sr.ANSWER_STATUSES)
@pytest.mark.parametrize("answer", [None, "", "   \n"])
def test_answering_or_refusing_needs_a_text(target, answer):
    with pytest.raises(sr.TransitionError, match="answer text"):
        sr.check_answer(target, answer)


def test_cancelling_needs_no_text_and_answers_are_bounded():
    sr.check_answer(sr.STATUS_CANCELLED, None)
    sr.check_answer(sr.STATUS_ANSWERED, "New slot: Tuesday 8-10.")
    with pytest.raises(sr.TransitionError, match="longer"):
        sr.check_answer(sr.STATUS_ANSWERED, "x" * (sr.MAX_ANSWER + 1))


def test_a_request_is_about_one_shipment_or_one_order():
    assert sr.subject_problems({"shipment": "SHP-1"}) == []
    assert sr.subject_problems({"order": "S00001"}) == []
    both = sr.subject_problems({"shipment": "SHP-1", "order": "S00001"})
    assert [p["pointer"] for p in both] == ["/order"]
    neither = sr.subject_problems({"type": sr.TYPE_POD_COPY})
    assert [p["pointer"] for p in neither] == [""]
    assert sr.subject_problems({"shipment": "", "order": None}) != []


def test_type_codes_are_the_issue_s_five_kinds():
    assert sr.TYPE_CODES == (
        "appointment_change",
        "special_handling",
        "extra_pickup",
        "address_correction",
        "pod_copy",
    )
