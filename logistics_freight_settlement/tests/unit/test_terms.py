import pytest

from logistics_freight_settlement.lib import terms


def test_each_term_has_its_plan():
    assert terms.plan("prepaid_and_add") == terms.Plan(pay_carrier=True, rebill=True)
    assert terms.plan("included") == terms.Plan(pay_carrier=True, rebill=False)
    assert terms.plan("collect") == terms.Plan(pay_carrier=False, rebill=False)


def test_empty_terms_are_the_default():
    assert terms.plan(None) == terms.plan(terms.DEFAULT_TERMS)
    assert terms.plan("") == terms.plan("included")


def test_unknown_terms_are_refused():
    with pytest.raises(ValueError, match="Unknown freight terms"):
        terms.plan("cod")


def test_every_selection_value_has_a_plan():
    assert {value for value, _label in terms.FREIGHT_TERMS} == set(terms.PLANS)
