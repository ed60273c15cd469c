"""Tests of leaving an exception: the TMS's own milestones and the recovery
actions in Odoo (re-tender, redelivery, resolution)."""

import pytest

from logistics_tms_connector.lib import milestones

PICKED_UP = ["TA", "CR", "X3", "AF", "X6", "AG", "OD", "X1"]


@pytest.mark.parametrize(
    ("code", "cause", "expected"),
    [
        # After a declined tender, a new tender accepted moves it on.
        ("TA", "TD", "accepted"),
        ("CR", "TD", "carrier_assigned"),
        ("X3", "TD", "carrier_assigned"),
        # After an attempted delivery, a new delivery run.
        ("OD", "AH", "out_for_delivery"),
        ("X1", "AH", "out_for_delivery"),
        # Not on other paths: backwards without the right cause.
        ("OD", "TD", None),
        ("TA", "AH", None),
        ("OD", None, None),
        ("TA", None, None),
        ("OD", "A7", None),
        # Forward and terminal milestones leave it as before.
        ("D1", None, "delivered"),
        ("D1", "AH", "delivered"),
        ("A3", "A7", "returned"),
        ("CA", "TD", "cancelled"),
        ("SD", "AH", None),
    ],
)
def test_next_status_from_exception(code, cause, expected):
    assert milestones.next_status("exception", code, cause) == expected


def test_cause_only_matters_in_exception():
    assert milestones.next_status("delivered", "OD", "AH") is None
    assert milestones.next_status("in_transit", "TA", "TD") is None


def test_resumed_status_leaves_exceptions_out():
    assert milestones.resumed_status([]) == "released"
    assert milestones.resumed_status(["TD"]) == "released"
    assert milestones.resumed_status(["TA", "CR", "AH"]) == "carrier_assigned"
    assert milestones.resumed_status([*PICKED_UP, "AH"]) == "out_for_delivery"
    assert milestones.resumed_status(["TA", "X6", "X3"]) == "in_transit"
    with pytest.raises(ValueError, match="Unknown canonical milestone code"):
        milestones.resumed_status(["XX"])


def test_retender_after_a_declined_tender_or_a_refused_release():
    assert milestones.recovery_status("exception", "retender", "TD", ["TD"]) == (
        "released"
    )
    assert milestones.recovery_status("exception", "retender", None, []) == ("released")


def test_retender_refused_once_picked_up_or_for_other_causes():
    with pytest.raises(milestones.RecoveryRefused, match="already picked"):
        milestones.recovery_status("exception", "retender", None, ["TA", "AF"])
    with pytest.raises(milestones.RecoveryRefused, match="declined tender"):
        milestones.recovery_status("exception", "retender", "AH", PICKED_UP)
    with pytest.raises(milestones.RecoveryRefused, match="not in exception"):
        milestones.recovery_status("released", "retender", None, [])


def test_redelivery_only_after_an_attempted_delivery():
    codes = [*PICKED_UP, "AH"]
    assert milestones.recovery_status("exception", "redelivery", "AH", codes) == (
        "in_transit"
    )
    for cause in ("A7", "TD", None):
        with pytest.raises(milestones.RecoveryRefused, match="attempted delivery"):
            milestones.recovery_status("exception", "redelivery", cause, codes)
    with pytest.raises(milestones.RecoveryRefused, match="delivered, not in"):
        milestones.recovery_status("delivered", "redelivery", "AH", codes)


def test_resolve_keeps_a_status_that_is_no_exception():
    # A delay does not move the status: resolving it does not either.
    assert milestones.recovery_status("in_transit", "resolve", None, ["SD"]) is None
    assert milestones.recovery_status("delivered", "resolve") is None


def test_resolve_resumes_where_the_milestones_say():
    assert (
        milestones.recovery_status("exception", "resolve", "AH", [*PICKED_UP, "AH"])
        == "out_for_delivery"
    )
    assert milestones.recovery_status("exception", "resolve", None, ["TA"]) == (
        "accepted"
    )


def test_recovery_status_rejects_unknown_values():
    with pytest.raises(ValueError, match="Unknown shipment status"):
        milestones.recovery_status("lost", "resolve")
    with pytest.raises(ValueError, match="Unknown recovery action"):
        milestones.recovery_status("exception", "pray")
    with pytest.raises(ValueError, match="no exception milestone code"):
        milestones.recovery_status("exception", "resolve", "D1")


def test_a_redelivered_journey():
    status = "released"
    for code in [*PICKED_UP, "AH"]:
        status = milestones.next_status(status, code) or status
    assert status == "exception"
    status = milestones.recovery_status("exception", "redelivery", "AH", PICKED_UP)
    for code in ["OD", "X1", "D1"]:
        status = milestones.next_status(status, code) or status
    assert status == "delivered"
