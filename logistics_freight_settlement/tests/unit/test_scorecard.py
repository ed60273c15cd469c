import pytest

from logistics_freight_settlement.lib import scorecard
from logistics_freight_settlement.lib.scorecard import ChargeCost


def test_cost_facts_sum_the_known_charges_and_divide_by_weight_and_distance():
    facts = scorecard.cost_facts(
        [ChargeCost(100.0, 90.0), ChargeCost(25.0), ChargeCost(None, 10.0)],
        weight_kg=250.0,
        distance_km=500.0,
    )
    assert facts == {
        "freight_cost": 125.0,
        "cost_per_kg": 0.5,
        "cost_per_km": 0.25,
        # Only the base charge is known and priced by the rate card.
        "rated_cost": 100.0,
        "rate_card_cost": 90.0,
    }


def test_cancelled_charges_cost_nothing():
    facts = scorecard.cost_facts(
        [ChargeCost(80.0, 80.0), ChargeCost(40.0, 30.0, cancelled=True)],
        weight_kg=100.0,
    )
    assert facts["freight_cost"] == 80.0
    assert (facts["rated_cost"], facts["rate_card_cost"]) == (80.0, 80.0)


def test_no_known_amount_is_an_unknown_cost_not_a_free_shipment():
    facts = scorecard.cost_facts(
        [ChargeCost(None, 50.0)], weight_kg=100.0, distance_km=10.0
    )
    assert facts == {
        "freight_cost": None,
        "cost_per_kg": None,
        "cost_per_km": None,
        "rated_cost": None,
        "rate_card_cost": None,
    }
    assert scorecard.cost_facts([])["freight_cost"] is None


def test_per_kg_and_per_km_are_unknown_without_weight_or_distance():
    facts = scorecard.cost_facts([ChargeCost(60.0)], weight_kg=0.0, distance_km=None)
    assert facts["freight_cost"] == 60.0
    assert facts["cost_per_kg"] is None
    assert facts["cost_per_km"] is None
    assert facts["rate_card_cost"] is None


def test_a_zero_amount_is_known():
    facts = scorecard.cost_facts([ChargeCost(0.0, 20.0)], weight_kg=10.0)
    assert facts["freight_cost"] == 0.0
    assert facts["cost_per_kg"] == 0.0
    assert facts["rate_card_cost"] == 20.0


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([], (0, 0)),
        (["TA", "CR", "X3", "AF", "D1"], (1, 1)),
        (["TD", "TA", "D1"], (2, 1)),
        (["TD", "CA"], (1, 0)),
        (["TD", "TD", "TA"], (3, 1)),
    ],
)
def test_tender_counts(codes, expected):
    assert scorecard.tender_counts(codes) == expected


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(1, 2, 50.0), (2, 3, 66.67), (0, 4, 0.0), (3, 0, None), (None, 4, None)],
)
def test_percent(part, whole, expected):
    assert scorecard.percent(part, whole) == expected


@pytest.mark.parametrize(
    ("actual", "reference", "expected"),
    [
        (110.0, 100.0, 10.0),
        (90.0, 100.0, -10.0),
        (100.0, 100.0, 0.0),
        (50.0, 0.0, None),
        (None, 100.0, None),
    ],
)
def test_over_percent(actual, reference, expected):
    assert scorecard.over_percent(actual, reference) == expected


def test_charges_event_may_carry_the_distance(charge_schema, charges_event):
    charges_event["data"]["distance_km"] = 412.5
    assert not list(charge_schema.iter_errors(charges_event))
    charges_event["data"]["distance_km"] = -1
    assert [error.validator for error in charge_schema.iter_errors(charges_event)] == [
        "minimum"
    ]
