from odoo.addons.logistics_tms_connector.lib import routing
from odoo.addons.logistics_tms_connector.lib.routing import Rule, ShipmentFacts

BRUSSELS = ShipmentFacts(
    warehouse_id=1,
    country_code="BE",
    zip="1050",
    service_level="standard",
    weight_kg=120.0,
    volume_m3=0.4,
    customer_id=7,
    category_ids=frozenset({1, 5}),
)


def test_a_rule_without_conditions_matches_everything():
    assert Rule("default").matches(BRUSSELS)
    assert Rule("default").matches(ShipmentFacts())


def test_each_condition_is_named_when_it_fails():
    rule = Rule(
        "strict",
        warehouse_ids=frozenset({2}),
        country_codes=frozenset({"FR"}),
        zip_from="75",
        zip_to="75",
        service_levels=frozenset({"express"}),
        weight_max=100.0,
        volume_min=1.0,
        customer_ids=frozenset({8}),
        category_ids=frozenset({9}),
    )
    assert rule.failed_conditions(BRUSSELS) == [
        "warehouse",
        "country",
        "postal code",
        "service level",
        "weight",
        "volume",
        "customer",
        "product category",
    ]


def test_a_rule_matches_when_every_condition_holds():
    rule = Rule(
        "brussels heavy",
        warehouse_ids=frozenset({1}),
        country_codes=frozenset({"BE"}),
        zip_from="1000",
        zip_to="1299",
        weight_min=100.0,
        category_ids=frozenset({5}),
    )
    assert rule.matches(BRUSSELS)


def test_postal_codes_compare_on_the_bounds_length():
    assert routing.zip_in_range("75001", "75", "75")
    assert routing.zip_in_range("1050", "1000", "1999")
    assert not routing.zip_in_range("2000", "1000", "1999")
    assert routing.zip_in_range("sw1a 1aa", "SW1", "SW9")
    assert routing.zip_in_range("9999", "1000", "")
    assert not routing.zip_in_range("", "1000", "1999"), "unknown code, bounded range"
    assert routing.zip_in_range("", "", ""), "no range at all"


def test_weight_bounds_are_inclusive():
    assert Rule("r", weight_min=120.0, weight_max=120.0).matches(BRUSSELS)
    assert not Rule("r", weight_max=119.99).matches(BRUSSELS)


def test_the_first_matching_rule_wins_in_order():
    rules = [
        Rule("france", country_codes=frozenset({"FR"})),
        Rule("belgium", country_codes=frozenset({"BE"})),
        Rule("anything"),
    ]
    assert routing.first_match(rules, BRUSSELS).key == "belgium"
    assert routing.first_match(rules[:1], BRUSSELS) is None
