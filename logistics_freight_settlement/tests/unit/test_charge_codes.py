import pytest

from logistics_freight_settlement.lib import charge_codes

ROWS = {
    "400": [(None, None, "BASE")],
    "FUE": [(None, None, "FUEL")],
    "X1": [(None, None, "GLOBAL"), ("tms1", None, "TMS1"), ("tms1", "c1", "TMS1-C1")],
    "X2": [(None, "c1", "C1")],
}


def test_default_table_covers_the_documented_charge_types():
    assert set(charge_codes.DEFAULT_CODES.values()) == {
        "BASE",
        "FUEL",
        "TAIL_LIFT",
        "DETENTION",
        "RESIDENTIAL",
        "REDELIVERY",
        "WAITING",
    }
    assert all(charge_codes.is_valid(code) for code in charge_codes.DEFAULT_CODES)


def test_codes_are_normalized():
    assert charge_codes.normalize(" fue ") == "FUE"
    assert charge_codes.resolve([" fue"], ROWS) == {"FUE": "FUEL"}


@pytest.mark.parametrize(
    ("endpoint", "carrier", "expected"),
    [
        (None, None, "GLOBAL"),
        ("tms1", None, "TMS1"),
        ("tms1", "c1", "TMS1-C1"),
        ("tms2", "c1", "GLOBAL"),
    ],
)
def test_most_specific_mapping_wins(endpoint, carrier, expected):
    assert charge_codes.resolve(["X1"], ROWS, endpoint, carrier) == {"X1": expected}


def test_unknown_codes_are_all_reported_with_their_pointers():
    with pytest.raises(charge_codes.UnknownChargeCode) as caught:
        charge_codes.resolve(["400", "ZZZ", "X2", "ZZZ"], ROWS, carrier="c2")
    error = caught.value
    assert str(error) == (
        "Unknown charge code(s) 'ZZZ', 'X2': map them to a charge type first."
    )
    assert error.details == [
        {"pointer": "/charges/1/code", "reason": "unknown charge code 'ZZZ'"},
        {"pointer": "/charges/2/code", "reason": "unknown charge code 'X2'"},
        {"pointer": "/charges/3/code", "reason": "unknown charge code 'ZZZ'"},
    ]


def test_pointer_format_is_the_callers():
    with pytest.raises(charge_codes.UnknownChargeCode) as caught:
        charge_codes.resolve(["Q"], {}, where="/lines/%s/code")
    assert caught.value.details[0]["pointer"] == "/lines/0/code"


@pytest.mark.parametrize(
    ("code", "valid"),
    [("400", True), ("fue", True), ("LFT-2", True), ("", False), ("4 0", False)],
)
def test_code_shape(code, valid):
    assert charge_codes.is_valid(code) is valid


def test_line_keys_number_repeated_codes():
    assert charge_codes.line_keys(["400", "fue", "400", "400"]) == [
        "400",
        "FUE",
        "400#2",
        "400#3",
    ]
