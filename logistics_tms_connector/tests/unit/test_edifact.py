from datetime import datetime, timezone

import pytest

from odoo.addons.logistics_tms_connector.lib import edifact

WHEN = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
DOCUMENT = {
    "reference": "SHP-2026-00042",
    "order_reference": "S00042",
    "customer_po": "PO+4711",
    "service_level": "express",
    "shipper": {
        "name": "YourCompany",
        "city": "Liège",
        "zip": "4000",
        "country_code": "BE",
    },
    "consignee": {
        "name": "Brasserie Dupont's",
        "street": "Rue de la Gare 3",
        "city": "Leuze",
        "zip": "7904",
        "country_code": "BE",
    },
    "items": [
        {
            "description": "CO2 bottle",
            "quantity": 2,
            "hazardous": True,
            "un_number": "1013",
        }
    ],
    "requested_delivery_window": {
        "start": "2026-12-01T08:00:00+01:00",
        "end": "2026-12-01T12:00:00+01:00",
    },
    "totals": {"weight_kg": 30.0},
}


def _roundtrip(identifier, segments):
    text = edifact.serialize("ACME", "ODOO", 77, [(identifier, "1", segments)], WHEN)
    header, messages = edifact.parse(text)
    return text, header, messages


def test_a_transport_instruction_survives_writing_and_reading():
    segments = edifact.transport_instruction(DOCUMENT, WHEN)
    text = edifact.serialize("ODOO", "ACME", 5, [("IFTMIN", "1", segments)], WHEN)
    assert text.startswith("UNA") or text.startswith("UNB+UNOC:3+ODOO+ACME")
    assert "RFF+AAS:PO?+4711'" in text, "service characters are escaped"
    assert "Brasserie Dupont?'s" in text
    assert "DTM+2:202612010700-202612011100:719'" in text
    assert "DGS+ADR++1013'" in text
    header, ((identifier, reference, read),) = edifact.parse(text)
    assert (header["sender"], header["recipient"], header["reference"]) == (
        "ODOO",
        "ACME",
        "5",
    )
    assert (identifier, reference) == ("IFTMIN", "1")
    nad = [s for s in read if s.tag == "NAD"][1]
    assert nad.elements[3] == "Brasserie Dupont's"


def test_status_messages_become_canonical_events():
    _text, _header, ((_id, _ref, segments),) = _roundtrip(
        "IFTSTA",
        [
            ("BGM", "23", "ST-1", "9"),
            ("RFF", ["CU", "SHP-2026-00042"]),
            ("RFF", ["BN", "ACME-778"]),
            ("STS", "1", "AF"),
            ("DTM", ["334", "202612010930+01", "303"]),
            ("STS", "1", "D1", "NS"),
            ("DTM", ["334", "202612011520", "203"]),
        ],
    )
    picked, delivered = edifact.status_events(segments, "ACME")
    assert picked["occurred_at"] == "2026-12-01T09:30:00+01:00"
    assert picked["data"] == {
        "shipment_id": "ACME-778",
        "external_reference": "SHP-2026-00042",
        "status_code": "AF",
        "reason_code": None,
    }
    assert delivered["occurred_at"] == "2026-12-01T15:20:00+00:00"
    assert delivered["data"]["reason_code"] == "NS"
    assert picked["event_id"] != delivered["event_id"]


@pytest.mark.parametrize(
    ("segments", "where"),
    [
        ([("RFF", ["CU", "S"])], "STS"),
        ([("STS", "1", "AF"), ("DTM", ["334", "2026-12-01", "203"])], "DTM"),
        ([("STS", "1", "AF"), ("DTM", ["334", "20261201", "203"])], "DTM"),
        ([("RFF", ["CU", "S"]), ("STS", "1", "AF")], "DTM"),
        ([("STS", "1", "AF"), ("DTM", ["334", "202612010930", "203"])], "RFF"),
    ],
)
def test_bad_status_messages_are_named(segments, where):
    _text, _header, ((_id, _ref, read),) = _roundtrip("IFTSTA", segments)
    with pytest.raises(edifact.EdifactError) as raised:
        edifact.status_events(read, "ACME")
    assert raised.value.segment == where


def _invoice(total="152.50"):
    return [
        ("BGM", "380", "INV-9001", "9"),
        ("DTM", ["137", "202612020000", "203"]),
        ("RFF", ["CU", "SHP-2026-00042"]),
        ("CUX", ["2", "EUR", "4"]),
        ("LIN", "1"),
        ("IMD", "", "", ["400", "", "", "Linehaul"]),
        ("MOA", ["203", "140.00"]),
        ("LIN", "2"),
        ("IMD", "", "", ["FUE", "", "", "Fuel surcharge"]),
        ("MOA", ["203", "12.50"]),
        ("MOA", ["77", total]),
    ]


def test_a_freight_invoice_is_read_and_its_total_checked():
    _text, _header, ((_id, _ref, segments),) = _roundtrip("INVOIC", _invoice())
    assert edifact.freight_invoice(segments) == {
        "number": "INV-9001",
        "date": "2026-12-02",
        "reference": "SHP-2026-00042",
        "currency": "EUR",
        "total": 152.5,
        "lines": [
            {"code": "400", "description": "Linehaul", "amount": 140.0},
            {"code": "FUE", "description": "Fuel surcharge", "amount": 12.5},
        ],
    }
    _text, _header, ((_id, _ref, wrong),) = _roundtrip("INVOIC", _invoice("160.00"))
    with pytest.raises(edifact.EdifactError, match="add up"):
        edifact.freight_invoice(wrong)


def test_acknowledgements_both_ways():
    text = edifact.serialize(
        "ACME",
        "ODOO",
        77,
        [("IFTSTA", "1", [("STS", "1", "AF")]), ("IFTSTA", "2", [])],
        WHEN,
    )
    header, messages = edifact.parse(text)
    contrl = edifact.acknowledgement(header, messages, rejected=["2"])
    _text, _h, ((_id, _ref, read),) = _roundtrip("CONTRL", contrl)
    assert edifact.acknowledged(read) == {
        "reference": "77",
        "accepted": False,
        "messages": {"1": True, "2": False},
    }


def test_foreign_or_broken_text_is_refused():
    with pytest.raises(edifact.EdifactError):
        edifact.parse("ISA*00*          *00*")
    text = edifact.serialize(
        "ACME", "ODOO", 77, [("IFTSTA", "1", [("STS", "1", "AF")])], WHEN
    )
    for old, new, where in (
        ("UNZ+1+77", "UNZ+2+77", "UNZ"),
        ("UNZ+1+77", "UNZ+1+78", "UNZ"),
        ("UNT+3+1", "UNT+4+1", "UNT"),
        ("UNT+3+1", "UNT+3+2", "UNT"),
        ("UNT+3+1'UNZ+1+77'", "", "UNZ"),
    ):
        with pytest.raises(edifact.EdifactError) as raised:
            edifact.parse(text.replace(old, new))
        assert raised.value.segment == where, (old, new)
