import pytest

from odoo.addons.logistics_tms_connector.lib import x12, x12_sets
from odoo.addons.logistics_tms_connector.lib.x12 import Transaction

DOCUMENT = {
    "reference": "SHP-2026-00042",
    "order_reference": "S00042",
    "customer_po": "PO*4711",
    "shipper": {
        "name": "YourCompany",
        "street": "Quai 1",
        "city": "Liège",
        "zip": "4000",
        "country_code": "BE",
    },
    "consignee": {
        "name": "Brasserie Dupont",
        "street": "Rue de la Gare 3",
        "city": "Leuze",
        "zip": "7904",
        "country_code": "BE",
    },
    "items": [
        {"description": "Keg 30 l", "hazardous": False},
        {"description": "CO2 bottle", "hazardous": True, "un_number": "1013"},
    ],
    "requested_pickup_window": {
        "start": "2026-12-01T08:00:00+01:00",
        "end": "2026-12-01T12:00:00+01:00",
    },
    "requested_delivery_window": None,
    "totals": {"weight_kg": 146.0, "package_count": 2},
}


def test_a_load_tender_carries_the_shipment():
    tender = x12_sets.load_tender(DOCUMENT, "ACME", 12)
    assert (tender.code, tender.control_number) == ("204", "0012")
    assert tender.first("B2") == ["B2", "", "ACME", "", "SHP-2026-00042", "", "PP"]
    assert ["L11", "PO 4711", "CR"] in tender.segments, "no delimiter leaks in"
    assert tender.find("G62") == [
        ["G62", "37", "20261201", "1", "0700", "UT"],
        ["G62", "38", "20261201", "1", "1100", "UT"],
    ]
    assert ["N4", "LEUZE", "", "7904", "BE"] in tender.segments
    assert ["LH1", "EA", "1", "1013"] in tender.segments
    assert tender.first("L3")[1:3] == ["146.0", "G"]


def test_a_tender_written_then_read_in_an_interchange():
    group = x12.Group(
        "SM",
        "ODOO",
        "ACME",
        3,
        transactions=[x12_sets.load_tender(DOCUMENT, "ACME", 1)],
    )
    text = x12.serialize(
        x12.Interchange("ZZ", "ODOO", "02", "ACME", 5, "261130", "0900", groups=[group])
    )
    assert x12.parse(text).groups[0].transactions[0].first("B2")[4] == "SHP-2026-00042"


def test_tender_responses():
    accepted = Transaction(
        "990",
        "0001",
        [["B1", "ACME", "SHP-2026-00042", "20261130", "A"], ["N9", "CN", "ACME-778"]],
    )
    assert x12_sets.tender_response(accepted) == {
        "reference": "SHP-2026-00042",
        "carrier_reference": "ACME-778",
        "accepted": True,
        "reason": None,
    }
    declined = Transaction(
        "990",
        "0002",
        [["B1", "ACME", "SHP-2026-00042", "20261130", "D"], ["K1", "NO CAPACITY"]],
    )
    assert x12_sets.tender_response(declined)["accepted"] is False
    assert x12_sets.tender_response(declined)["reason"] == "NO CAPACITY"
    with pytest.raises(x12.X12Error, match="B104"):
        x12_sets.tender_response(
            Transaction("990", "3", [["B1", "ACME", "X", "20261130", "Q"]])
        )
    with pytest.raises(x12.X12Error, match="expected a 990"):
        x12_sets.tender_response(Transaction("214", "3", []))


def test_a_status_message_becomes_canonical_events():
    status = Transaction(
        "214",
        "0001",
        [
            ["B10", "SHP-2026-00042", "ACME-778", "ACME"],
            ["LX", "1"],
            ["AT7", "AF", "NS", "", "", "20261201", "0930", "ET"],
            ["MS1", "LIEGE", "", "BE"],
            ["LX", "2"],
            ["AT7", "D1", "NS", "", "", "20261201", "1620", "LT"],
        ],
    )
    picked, delivered = x12_sets.status_events(
        status, "ACME", local_zone="Europe/Brussels"
    )
    assert picked["occurred_at"] == "2026-12-01T09:30:00-05:00"
    assert picked["data"] == {
        "shipment_id": "ACME-778",
        "external_reference": "SHP-2026-00042",
        "status_code": "AF",
        "reason_code": "NS",
    }
    assert picked["event_type"] == "shipment.milestone"
    assert delivered["event_type"] == "shipment.delivered"
    assert delivered["occurred_at"] == "2026-12-01T16:20:00+01:00"
    assert delivered["data"]["timezone"] == "Europe/Brussels"
    assert delivered["data"]["location"]["city"] == "LIEGE"
    assert picked["event_id"] != delivered["event_id"]
    assert x12_sets.status_events(status, "ACME", "Europe/Brussels") == [
        picked,
        delivered,
    ], "same ids again"


@pytest.mark.parametrize(
    ("at7", "error"),
    [
        (["AT7", "", "", "", "", "20261201", "0930", "UT"], "AT701"),
        (["AT7", "D1", "", "", "", "2026-12-01", "0930", "UT"], "AT705"),
        (["AT7", "D1", "", "", "", "20261201", "0930", "XX"], "AT707"),
    ],
)
def test_bad_status_segments_are_named(at7, error):
    status = Transaction("214", "1", [["B10", "S", "C", "ACME"], at7])
    with pytest.raises(x12.X12Error, match=error):
        x12_sets.status_events(status, "ACME")


def test_a_freight_invoice_reads_its_lines_in_cents():
    invoice = Transaction(
        "210",
        "0001",
        [
            ["B3", "", "INV-9001", "ACME-778", "PP", "", "20261202", "15250"],
            ["C3", "EUR"],
            ["N9", "BM", "SHP-2026-00042"],
            ["LX", "1"],
            ["L1", "1", "", "", "14000", "", "", "", "400"],
            [
                "L1",
                "2",
                "",
                "",
                "1250",
                "",
                "",
                "",
                "FUE",
                "",
                "",
                "",
                "Fuel surcharge",
            ],
        ],
    )
    assert x12_sets.freight_invoice(invoice) == {
        "number": "INV-9001",
        "reference": "SHP-2026-00042",
        "carrier_reference": "ACME-778",
        "date": "2026-12-02",
        "currency": "EUR",
        "total": 152.5,
        "lines": [
            {"code": "400", "description": None, "amount": 140.0},
            {"code": "FUE", "description": "Fuel surcharge", "amount": 12.5},
        ],
    }
    invoice.segments[0][7] = "15300"
    with pytest.raises(x12.X12Error, match="B307"):
        x12_sets.freight_invoice(invoice)


def test_acknowledgements_both_ways():
    group = x12.Group(
        "QM",
        "ACME",
        "ODOO",
        9,
        transactions=[Transaction("214", "0001"), Transaction("214", "0002")],
    )
    ack = x12_sets.acknowledgement(group, errors={"0002": "unknown shipment"})
    assert ack.first("AK9") == ["AK9", "P", "2", "2", "1"]
    assert x12_sets.acknowledged(ack) == {
        "group": 9,
        "code": "QM",
        "accepted": True,
        "sets": {"0001": "A", "0002": "R"},
    }
    assert x12_sets.acknowledgement(group).first("AK9")[1] == "A"
    assert x12_sets.acknowledgement(group, accepted=False).first("AK9")[1] == "R"
