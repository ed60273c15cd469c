"""Tests of the milestone codes and of the shipment status they lead to."""

import pytest

from logistics_tms_connector.lib import milestones

X12_CODES = ["X3", "AF", "X6", "AG", "X1", "D1", "AH", "A7", "SD", "CA", "A3", "AB"]
SIMULATOR_CODES = {
    "TENDER_ACCEPTED": "TA",
    "TENDER_DECLINED": "TD",
    "CARRIER_ASSIGNED": "CR",
    "PICKUP_ARRIVED": "X3",
    "PICKUP_DEPARTED": "AF",
    "IN_TRANSIT": "X6",
    "ETA_UPDATED": "AG",
    "OUT_FOR_DELIVERY": "OD",
    "DELIVERY_ARRIVED": "X1",
    "DELIVERED": "D1",
    "DELIVERY_ATTEMPTED": "AH",
    "REFUSED": "A7",
    "DELAYED": "SD",
    "CANCELLED": "CA",
    "RETURNED": "A3",
    "APPOINTMENT_PROPOSED": "YP",
    "APPOINTMENT_CONFIRMED": "AB",
    "APPOINTMENT_REJECTED": "YX",
}


def test_canonical_codes_and_labels():
    assert set(milestones.CANONICAL) == set(X12_CODES) | milestones.SUITE_INTERNAL_CODES
    assert sorted(milestones.SUITE_INTERNAL_CODES) == [
        "CR",
        "OD",
        "TA",
        "TD",
        "YP",
        "YR",
        "YX",
    ]
    assert all(len(code) == 2 and code.isupper() for code in milestones.CANONICAL)
    assert all(label.strip() for label in milestones.CANONICAL.values())
    assert milestones.CANONICAL["D1"].endswith("(delivered)")
    assert list(milestones.CANONICAL)[:3] == ["TA", "TD", "CR"]


def test_every_canonical_code_has_a_status_entry():
    assert list(milestones.STATUS_FOR_CODE) == list(milestones.CANONICAL)
    statuses = set(milestones.STATUS_FOR_CODE.values()) - {None}
    assert statuses <= set(milestones.STATUS_RANK)
    assert milestones.STATUS_FOR_CODE["SD"] is None


def test_statuses_are_listed_in_rank_order():
    values = [value for value, _label in milestones.STATUSES]
    assert set(values) == set(milestones.STATUS_RANK)
    ranks = [milestones.STATUS_RANK[value] for value in values]
    assert ranks == sorted(ranks)
    assert len(set(ranks)) == len(ranks)
    assert milestones.STATUS_RANK["draft"] == 0
    assert milestones.STATUS_RANK["cancelled"] == 100


def test_default_tms_codes_are_the_simulator_vocabulary():
    assert milestones.DEFAULT_TMS_CODES == SIMULATOR_CODES
    assert milestones.table_problems(milestones.DEFAULT_TMS_CODES) == []


@pytest.mark.parametrize(("tms_code", "code"), sorted(SIMULATOR_CODES.items()))
def test_canonical_code_with_the_default_table(tms_code, code):
    assert milestones.canonical_code(tms_code) == code
    assert milestones.canonical_code(tms_code, milestones.DEFAULT_TMS_CODES) == code


def test_canonical_code_with_an_endpoint_table():
    table = {"PU": "AF", "POD": "D1", "AF": "X3"}
    assert milestones.canonical_code("POD", table) == "D1"
    assert milestones.canonical_code(" PU\n", table) == "AF"
    # The table wins over a canonical code of the same spelling...
    assert milestones.canonical_code("AF", table) == "X3"
    # ...and canonical codes it does not map pass through.
    assert milestones.canonical_code("X6", table) == "X6"
    assert milestones.canonical_code("D1", {}) == "D1"


@pytest.mark.parametrize("tms_code", ["TELEPORTED", "delivered", "", None, 42])
def test_unknown_tms_code(tms_code):
    with pytest.raises(milestones.UnknownStatusCode) as caught:
        milestones.canonical_code(tms_code)
    assert isinstance(caught.value, ValueError)
    assert caught.value.code == tms_code
    assert str(caught.value) == (
        f"Unknown TMS status code '{tms_code}': "
        "add it to the endpoint's milestone mapping"
    )


def test_table_mapping_to_a_non_canonical_code():
    with pytest.raises(ValueError, match="'ZZ', which is not a canonical") as caught:
        milestones.canonical_code("DONE", {"DONE": "ZZ"})
    assert not isinstance(caught.value, milestones.UnknownStatusCode)


def test_table_problems():
    table = {"OK": "D1", "BAD": "ZZ", " ": "AF", "a/b": None}
    problems = milestones.table_problems(table)
    assert [problem["pointer"] for problem in problems] == ["/BAD", "/ ", "/a~1b"]
    assert problems[0]["reason"].startswith(
        "'ZZ' is not a canonical milestone code (TA,"
    )
    assert problems[1]["reason"] == "empty TMS status code"
    assert problems[2]["reason"].startswith("'None' is not a canonical milestone code")


@pytest.mark.parametrize(
    ("current", "code", "expected"),
    [
        # Forward moves.
        ("released", "TA", "accepted"),
        ("accepted", "CR", "carrier_assigned"),
        ("accepted", "X3", "carrier_assigned"),
        ("carrier_assigned", "X3", None),
        ("carrier_assigned", "AF", "picked_up"),
        ("released", "AF", "picked_up"),  # milestones may be skipped
        ("picked_up", "X6", "in_transit"),
        ("picked_up", "AG", "in_transit"),
        ("in_transit", "AG", None),
        ("in_transit", "OD", "out_for_delivery"),
        ("in_transit", "X1", "out_for_delivery"),
        ("out_for_delivery", "D1", "delivered"),
        ("in_transit", "D1", "delivered"),
        ("exception", "D1", "delivered"),
        ("exception", "A3", "returned"),
        ("delivered", "A3", "returned"),
        # Late or repeated milestones never move backwards.
        ("delivered", "X3", None),
        ("delivered", "X6", None),
        ("delivered", "D1", None),
        ("out_for_delivery", "X6", None),
        ("in_transit", "TA", None),
        ("exception", "OD", None),
        ("returned", "D1", None),
        # Delays never change the status.
        ("in_transit", "SD", None),
        ("released", "SD", None),
        # Exceptions apply from any open status, not to closed shipments.
        ("released", "TD", "exception"),
        ("in_transit", "AH", "exception"),
        ("out_for_delivery", "A7", "exception"),
        ("exception", "AH", None),
        ("delivered", "AH", None),
        ("cancelled", "A7", None),
        ("returned", "AH", None),
        # Cancellations too.
        ("in_transit", "CA", "cancelled"),
        ("exception", "CA", "cancelled"),
        ("draft", "CA", "cancelled"),
        ("delivered", "CA", None),
        ("returned", "CA", None),
        ("cancelled", "CA", None),
        ("cancelled", "D1", None),
    ],
)
def test_next_status(current, code, expected):
    assert milestones.next_status(current, code) == expected


def test_a_full_journey_with_late_and_repeated_events():
    codes = [
        "TA",
        "CR",
        "X3",
        "AF",
        "SD",
        "X6",
        "AG",
        "X3",
        "OD",
        "X1",
        "D1",
        "X6",
        "AH",
    ]
    status, history = "released", []
    for code in codes:
        new = milestones.next_status(status, code)
        if new:
            status = new
            history.append(new)
    assert history == [
        "accepted",
        "carrier_assigned",
        "picked_up",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]


def test_next_status_rejects_unknown_values():
    with pytest.raises(ValueError, match="Unknown shipment status 'lost'"):
        milestones.next_status("lost", "D1")
    with pytest.raises(
        ValueError, match="Unknown canonical milestone code 'DELIVERED'"
    ):
        milestones.next_status("in_transit", "DELIVERED")


def test_status_groups_are_what_each_caller_lists():
    """The groups derived from the status table, spelled out once here."""
    assert {
        "released",
        "accepted",
        "carrier_assigned",
        "picked_up",
        "in_transit",
        "out_for_delivery",
        "delivered",
        "exception",
        "returned",
    } == milestones.RELEASED_STATUSES
    assert {
        "accepted",
        "carrier_assigned",
        "picked_up",
        "in_transit",
        "out_for_delivery",
        "delivered",
        "returned",
        "cancelled",
    } == milestones.CUSTOMER_NOTIFIED_STATUSES
