"""Tests of the validation triggers and of the quantities a TMS reports."""

import copy

import pytest
from jsonschema import Draft202012Validator

from logistics_tms_connector.lib import milestones, stock_validation

LINES = [(11, "SKU-1", 10), (12, "SKU-2", 2.5), (13, "SKU-1", 5)]


@pytest.mark.parametrize(
    ("trigger", "code", "expected"),
    [
        (stock_validation.ON_PICKUP, milestones.DEPARTED_PICKUP, True),
        (stock_validation.ON_PICKUP, milestones.DELIVERED, True),
        (stock_validation.ON_PICKUP, milestones.ARRIVED_AT_PICKUP, False),
        (stock_validation.ON_DELIVERY, milestones.DELIVERED, True),
        (stock_validation.ON_DELIVERY, milestones.DEPARTED_PICKUP, False),
        (stock_validation.ON_DELIVERY, milestones.DELIVERY_ATTEMPTED, False),
        (stock_validation.BY_WAREHOUSE, milestones.DELIVERED, False),
        (None, milestones.DELIVERED, False),
        (False, milestones.DEPARTED_PICKUP, False),
    ],
)
def test_which_milestone_validates(trigger, code, expected):
    assert stock_validation.validates(trigger, code) is expected


def test_the_default_trigger_is_the_warehouse():
    assert stock_validation.TRIGGERS[0][0] == stock_validation.BY_WAREHOUSE
    assert {
        milestones.DEPARTED_PICKUP,
        milestones.DELIVERED,
    } == stock_validation.VALIDATING


def test_quantities_by_line_and_by_product_code():
    items = [{"line_id": 12, "quantity": 2}, {"product_code": "SKU-1", "quantity": 12}]
    quantities, problems = stock_validation.picked_quantities(LINES, items)
    # SKU-1 fills its first line, then the next one.
    assert quantities == {11: 10, 12: 2, 13: 2}
    assert problems == []


def test_lines_no_item_names_were_not_picked_up():
    quantities, problems = stock_validation.picked_quantities(
        LINES, [{"line_id": 11, "quantity": 10}]
    )
    assert quantities == {11: 10, 12: 0, 13: 0}
    assert problems == []
    assert stock_validation.picked_quantities(LINES, []) == (
        {11: 0, 12: 0, 13: 0},
        [],
    )


def test_unknown_items_and_excess_are_problems_not_quantities():
    items = [
        {"line_id": 99, "quantity": 1},
        {"product_code": "NOPE", "quantity": 1},
        {"line_id": 12, "quantity": 4},
    ]
    quantities, problems = stock_validation.picked_quantities(LINES, items)
    assert quantities == {11: 0, 12: 2.5, 13: 0}
    assert problems == [
        "items[0]: no line of the shipment is 99",
        "items[1]: no line of the shipment is 'NOPE'",
        "items[2]: 1.5 more than the shipment holds, ignored",
    ]


def _errors(schema, document):
    return list(Draft202012Validator(schema).iter_errors(document))


PICKUP_EVENT = {
    "event_id": "EV-000004",
    "event_type": "shipment.milestone",
    "occurred_at": "2026-03-02T10:12:00Z",
    "aggregate": {"type": "shipment", "id": "TMS-123"},
    "data": {"shipment_id": "TMS-123", "status_code": "PICKUP_DEPARTED"},
}


def test_event_schema_takes_picked_up_items(event_schema):
    event = copy.deepcopy(PICKUP_EVENT)
    assert _errors(event_schema, event) == []
    event["data"]["items"] = [
        {"line_id": 11, "quantity": 3},
        {"product_code": "SKU-2", "quantity": 0},
    ]
    assert _errors(event_schema, event) == []
    event["data"]["items"] = None
    assert _errors(event_schema, event) == []
    for bad in (
        [{"quantity": 3}],
        [{"line_id": 11}],
        [{"line_id": 11, "quantity": -1}],
        [{"product_code": "", "quantity": 1}],
        {"line_id": 11, "quantity": 1},
    ):
        event["data"]["items"] = bad
        assert _errors(event_schema, event), bad
