import pytest

from logistics_freight_settlement.lib import files


def pointers(validator, document):
    return sorted(
        "/" + "/".join(str(part) for part in error.absolute_path)
        for error in validator.iter_errors(document)
    )


def test_simulator_charges_event_is_valid(charge_schema, charges_event):
    assert pointers(charge_schema, charges_event) == []


@pytest.mark.parametrize("code", ["", "4 00", "FUEL SURCHARGE", "X" * 17, 400])
def test_invalid_charge_codes_are_located(charge_schema, charges_event, code):
    charges_event["data"]["charges"][1]["code"] = code
    assert pointers(charge_schema, charges_event) == ["/data/charges/1/code"]


def test_amounts_currency_and_event_type_are_checked(charge_schema, charges_event):
    charges_event["event_type"] = "shipment.milestone"
    charges_event["data"]["currency"] = "euro"
    charges_event["data"]["charges"][0]["amount"] = "51.10"
    charges_event["data"]["charges"][1]["quantity"] = 0
    charges_event["data"]["charges"][1]["amout"] = 1
    assert pointers(charge_schema, charges_event) == [
        "/data/charges/0/amount",
        "/data/charges/1",
        "/data/charges/1/quantity",
        "/data/currency",
        "/event_type",
    ]


def test_no_charges_is_invalid(charge_schema, charges_event):
    charges_event["data"]["charges"] = []
    assert pointers(charge_schema, charges_event) == ["/data/charges"]


def test_csv_invoice_matches_the_invoice_schema(invoice_schema):
    text = (
        "invoice_number,invoice_date,carrier_scac,currency,shipment_reference,"
        "charge_code,amount\n"
        "INV-1,2026-11-27,SPDF,EUR,WH/OUT/00001,400,51.10\n"
    )
    [invoice] = files.invoices_from_csv(text)
    assert pointers(invoice_schema, invoice) == []


def test_invoice_needs_a_carrier_and_lines(invoice_schema):
    invoice = {
        "invoice_number": "INV-1",
        "invoice_date": "27/11/2026",
        "carrier": {},
        "currency": "EUR",
        "lines": [],
    }
    assert pointers(invoice_schema, invoice) == ["/carrier", "/invoice_date", "/lines"]


def test_feed_events_match_the_charge_schema(charge_schema):
    text = (
        "shipment_id,carrier_scac,currency,charge_code,amount,expected_amount\n"
        "TMS-1,SPDF,EUR,400,50,50\n"
    )
    [event] = files.feed_from_csv(text, "2026-11-27T10:00:00Z")
    assert pointers(charge_schema, event) == []


def test_rate_card_schema(rate_card_schema):
    card = files.rate_card_from_csv(
        "charge_code,basis,rate,minimum\n400,per_kg,0.35,45\nLFT,per_shipment,35,\n",
        {
            "name": "SPDF 2026",
            "carrier": {"scac": "SPDF"},
            "currency": "EUR",
            "valid_from": "2026-01-01",
            "valid_to": None,
        },
    )
    assert pointers(rate_card_schema, card) == []
    card["lines"][0]["basis"] = "per_pallet"
    assert pointers(rate_card_schema, card) == ["/lines/0/basis"]


def test_invoice_reference_schema(invoice_ref_schema):
    document = {
        "shipment_id": "TMS-000001",
        "external_reference": "WH/OUT/00001",
        "invoices": [
            {
                "kind": "vendor_bill",
                "number": "BILL/2026/11/0001",
                "carrier_invoice": None,
                "date": "2026-11-27",
                "currency": "EUR",
                "amount": 60.3,
                "charges": ["400", "FUE"],
            }
        ],
    }
    assert pointers(invoice_ref_schema, document) == []
