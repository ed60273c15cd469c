import pytest

from logistics_integration_base.lib import outcome, receipt


def test_success_round_trips_with_its_body():
    stored = outcome.created({"reference": "S001"}).to_json()
    assert stored == {"outcome": "created", "body": {"reference": "S001"}}
    assert outcome.Outcome.from_json(stored) == outcome.created({"reference": "S001"})
    applied = outcome.applied({"id": 3, "deleted": True})
    assert outcome.Outcome.from_json(applied.to_json()) == applied
    assert not applied.failed


def test_failure_round_trips_with_code_message_and_pointers():
    refusal = outcome.refused(
        "order_rejected",
        "The order was rejected: Unknown product X.",
        [outcome.problem("/lines/0/product_code", "Unknown product X.")],
    )
    stored = refusal.to_json()
    assert stored == {
        "outcome": "refused",
        "code": "order_rejected",
        "message": "The order was rejected: Unknown product X.",
        "problems": [
            {"pointer": "/lines/0/product_code", "reason": "Unknown product X."}
        ],
    }
    assert "body" not in stored
    assert refusal.failed
    assert outcome.Outcome.from_json(stored) == refusal
    conflict = outcome.state_conflict("order_released", "Released.")
    assert outcome.Outcome.from_json(conflict.to_json()) == conflict
    assert conflict.problems == []


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"http_status": 201, "body": {}},  # the answers stored before outcomes
        {"outcome": "accepted"},  # a receipt, not a flow outcome
    ],
)
def test_anything_else_is_not_an_outcome(data):
    with pytest.raises(ValueError):
        outcome.Outcome.from_json(data)


def test_failures_need_a_code_and_kinds_are_known():
    with pytest.raises(ValueError):
        outcome.Outcome(outcome.REFUSED)
    with pytest.raises(ValueError):
        outcome.Outcome("held")


def test_flow_outcomes_are_not_receipt_outcomes():
    assert not set(outcome.KINDS) & set(receipt.RECEIPTS)
