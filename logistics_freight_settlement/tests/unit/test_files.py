import json

import pytest

from logistics_freight_settlement.lib import files

INVOICE_CSV = (
    "invoice_number;invoice_date;carrier_scac;carrier_name;currency;"
    "shipment_reference;charge_code;description;amount;quantity;notes\n"
    "INV-1;2026-11-27;SPDF;Speedy Freight;EUR;WH/OUT/00001;400;Freight;51.10;1;x\n"
    "INV-1;2026-11-27;SPDF;Speedy Freight;EUR;WH/OUT/00001;FUE;Fuel;9.20;;\n"
    "\n"
    "INV-2;2026-11-28;SPDF;Speedy Freight;USD;TMS-000002;LFT;Tail-lift;35;1;\n"
)


def test_invoice_csv_groups_lines_per_invoice():
    first, second = files.invoices_from_csv(INVOICE_CSV)
    assert first == {
        "invoice_number": "INV-1",
        "invoice_date": "2026-11-27",
        "carrier": {"scac": "SPDF", "name": "Speedy Freight"},
        "currency": "EUR",
        "lines": [
            {
                "shipment_reference": "WH/OUT/00001",
                "code": "400",
                "description": "Freight",
                "amount": 51.1,
                "quantity": 1.0,
            },
            {
                "shipment_reference": "WH/OUT/00001",
                "code": "FUE",
                "description": "Fuel",
                "amount": 9.2,
                "quantity": None,
            },
        ],
    }
    assert second["currency"] == "USD"
    assert files.invoice_key(first).startswith("invoice/SPDF/INV-1/")
    assert files.invoice_key(first) == files.invoice_key(dict(first))
    assert files.invoice_key(first) != files.invoice_key(dict(first, currency="USD"))


def test_invoice_csv_problems_name_line_and_column():
    text = (
        "invoice_number,invoice_date,carrier_scac,currency,shipment_reference,"
        "charge_code,amount\n"
        "INV-1,27/11/2026,SPDF,EUR,S1,400,12,5\n"
        "INV-1,2026-11-27,SPDF,EUR,,FUE,abc\n"
    )
    with pytest.raises(files.FileFormatError) as caught:
        files.invoices_from_csv(text)
    assert [d["pointer"] for d in caught.value.details] == [
        "line 2, invoice_date",
        "line 3, invoice_date",
        "line 3, shipment_reference",
        "line 3, amount",
    ]
    assert "line 3, amount: amount 'abc' is not a number" in str(caught.value)


def test_missing_columns_and_empty_files():
    with pytest.raises(files.FileFormatError, match="Missing column"):
        files.invoices_from_csv("invoice_number,amount\nINV-1,3\n")
    with pytest.raises(files.FileFormatError, match="empty"):
        files.invoices_from_csv("  \n")
    with pytest.raises(files.FileFormatError, match="no rows"):
        files.feed_from_csv("shipment_id,currency,charge_code,amount\n", "now")


def test_invoice_json_shapes():
    invoice = {"invoice_number": "INV-9", "carrier": {"name": "Acme"}, "lines": []}
    assert files.invoices_from_json(json.dumps(invoice)) == [invoice]
    assert files.invoices_from_json(json.dumps([invoice, invoice])) == [invoice] * 2
    assert files.invoices_from_json(json.dumps({"invoices": [invoice]})) == [invoice]
    assert files.invoice_key(invoice).startswith("invoice/ACME/INV-9/")
    with pytest.raises(files.FileFormatError, match="not valid JSON"):
        files.invoices_from_json("{")
    with pytest.raises(files.FileFormatError, match=r"invoices\[1\]"):
        files.invoices_from_json(json.dumps([invoice, 3]))


def test_feed_csv_makes_one_event_per_shipment_named_by_the_file():
    text = (
        "shipment_id,external_reference,carrier_scac,currency,charge_code,amount,"
        "expected_amount\n"
        "TMS-1,WH/OUT/1,SPDF,EUR,400,50,48\n"
        "TMS-1,WH/OUT/1,SPDF,EUR,FUE,9,\n"
        "TMS-2,,SPDF,EUR,400,70,70\n"
    )
    first, second = files.feed_from_csv(text, "2026-11-27T10:00:00Z")
    assert first["event_id"] == "feed-%s-TMS-1" % files.digest(text)
    assert first["aggregate"] == {"type": "shipment", "id": "TMS-1"}
    assert first["data"]["charges"] == [
        {"code": "400", "description": None, "amount": 50.0, "expected_amount": 48.0},
        {"code": "FUE", "description": None, "amount": 9.0},
    ]
    assert second["data"]["external_reference"] is None
    again = files.feed_from_csv(text, "2026-11-28T10:00:00Z")
    assert [e["event_id"] for e in again] == [first["event_id"], second["event_id"]]


def test_feed_json_wraps_plain_data_and_keeps_events():
    data = {"shipment_id": "TMS-3", "currency": "EUR", "charges": []}
    event = {"event_id": "EV-1", "event_type": "freight.charges"}
    events = files.feed_from_json(json.dumps([data, event]), "2026-11-27T10:00:00Z")
    assert events[0]["data"] == data
    assert events[0]["event_type"] == "freight.charges"
    assert events[1] == event


def test_rate_card_csv_checks_the_basis():
    with pytest.raises(files.FileFormatError) as caught:
        files.rate_card_from_csv("charge_code,basis,rate\n400,per_pallet,3\n", {})
    assert caught.value.details == [
        {
            "pointer": "line 2, basis",
            "reason": "basis 'per_pallet' is not one of per_shipment, per_kg",
        }
    ]


def test_rate_card_key_changes_with_content():
    card = {"name": "T", "carrier": {"scac": "SPDF"}, "valid_from": "2026-01-01"}
    changed = dict(card, lines=[{"code": "400"}])
    assert files.rate_card_key(card).startswith("rate-card/SPDF/T/2026-01-01/")
    assert files.rate_card_key(card) != files.rate_card_key(changed)


def test_decode_and_format():
    assert files.decode("\ufeffa,b".encode()) == "a,b"
    with pytest.raises(files.FileFormatError, match="not UTF-8"):
        files.decode(b"\xff\xfe\x00")
    assert files.file_format("Invoices.JSON") == "json"
    assert files.file_format("feed.csv") == "csv"
    assert files.file_format("feed.bin") == "csv"
