from datetime import datetime, timezone

import pytest

from odoo.addons.logistics_tms_connector.lib import edi, edifact, x12
from odoo.addons.logistics_tms_connector.lib.x12 import Transaction

WHEN = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
PARTIES = edi.Parties(ours="ODOO", theirs="ACME", scac="ACME")
DOCUMENT = {
    "reference": "SHP-2026-00042",
    "order_reference": "S00042",
    "shipper": {"name": "YourCompany", "city": "Liege", "country_code": "BE"},
    "consignee": {"name": "Brasserie Dupont", "city": "Leuze", "country_code": "BE"},
    "items": [],
    "totals": {"weight_kg": 10.0},
}


def _carrier_file(*transactions, control=31):
    group = x12.Group("GF", "ACME", "ODOO", control, transactions=list(transactions))
    return x12.serialize(
        x12.Interchange(
            "02", "ACME", "ZZ", "ODOO", control, "261130", "0930", groups=[group]
        )
    )


@pytest.mark.parametrize(
    ("operation", "purpose"), [("release", "00"), ("amend", "04"), ("cancel", "01")]
)
def test_an_x12_tender_file(operation, purpose):
    name, text = edi.tender_file(
        edi.X12, DOCUMENT, PARTIES, 12, WHEN, operation=operation
    )
    assert name == "204-SHP-2026-00042-000000012.x12"
    interchange = x12.parse(text)
    assert (interchange.sender, interchange.receiver, interchange.control_number) == (
        "ODOO",
        "ACME",
        12,
    )
    assert interchange.groups[0].transactions[0].first("B2A") == ["B2A", purpose]


def test_an_edifact_tender_file():
    name, text = edi.tender_file(edi.EDIFACT, DOCUMENT, PARTIES, 3, WHEN)
    assert name == "IFTMIN-SHP-2026-00042-000000003.edifact"
    assert "UNH+1+IFTMIN:D:04A:UN'" in text


def test_a_tender_response_becomes_a_tender_event_with_the_carriers_reference():
    response = Transaction(
        "990",
        "0001",
        [["B1", "ACME", "SHP-2026-00042", "20261130", "A"], ["N9", "CN", "ACME-7"]],
    )
    (item,) = edi.read_file(edi.X12, _carrier_file(response))
    assert (item.kind, item.key) == (edi.EVENTS, "x12/ACME/31/31/0001")
    (event,) = item.content
    assert event["event_type"] == "tender.accepted"
    assert event["occurred_at"] == "2026-11-30T00:00:00Z"
    assert event["data"]["shipment_id"] == "ACME-7"
    assert event["data"]["external_reference"] == "SHP-2026-00042"
    assert event["data"]["status_code"] == "TA"
    assert event["event_id"] == item.key, "the same set twice: the same event"


def test_each_set_of_a_file_is_one_item():
    status = Transaction(
        "214",
        "0001",
        [
            ["B10", "SHP-1", "ACME-7", "ACME"],
            ["AT7", "D1", "NS", "", "", "20261130", "1000", "UT"],
        ],
    )
    invoice = Transaction(
        "210",
        "0002",
        [
            ["B3", "", "INV-1", "ACME-7", "PP", "", "20261130", "1000"],
            ["L1", "1", "", "", "1000", "", "", "", "400"],
        ],
    )
    ack = Transaction("997", "0003", [["AK1", "SM", "12"], ["AK9", "A", "1", "1", "1"]])
    items = edi.read_file(edi.X12, _carrier_file(status, invoice, ack))
    assert [i.kind for i in items] == [edi.EVENTS, edi.INVOICE, edi.ACKNOWLEDGEMENT]
    assert len({i.key for i in items}) == 3
    assert items[2].content["group"] == 12


def test_unreadable_files_and_foreign_sets_are_refused():
    with pytest.raises(edi.EdiError):
        edi.read_file(edi.X12, "hello")
    with pytest.raises(edi.EdiError, match="204"):
        edi.read_file(edi.X12, _carrier_file(Transaction("204", "0001", [["B2"]])))
    with pytest.raises(edi.EdiError):
        edi.read_file("csv", "x")


def test_a_freight_invoice_becomes_the_canonical_carrier_invoice():
    invoice = {
        "number": "INV-1",
        "date": "2026-11-30",
        "reference": "SHP-1",
        "carrier_reference": "ACME-7",
        "currency": None,
        "total": 10.0,
        "lines": [{"code": "400", "description": None, "amount": 10.0}],
    }
    payload = edi.invoice_payload(invoice, "ACME", "EUR")
    assert payload == {
        "invoice_number": "INV-1",
        "invoice_date": "2026-11-30",
        "carrier": {"scac": "ACME"},
        "currency": "EUR",
        "total_amount": 10.0,
        "lines": [
            {
                "shipment_reference": "SHP-1",
                "code": "400",
                "description": None,
                "amount": 10.0,
            }
        ],
    }
    with pytest.raises(edi.EdiError, match="names no shipment"):
        edi.invoice_payload(
            dict(invoice, reference=None, carrier_reference=None), "ACME", "EUR"
        )


def test_acknowledgements_have_one_shape():
    assert edi.acknowledgement_payload(
        edi.X12, {"group": 12, "accepted": True, "code": "SM", "sets": {}}
    ) == {
        "standard": "x12",
        "control_number": 12,
        "accepted": True,
    }
    assert (
        edi.acknowledgement_payload(
            edi.EDIFACT, {"reference": "5", "accepted": False, "messages": {}}
        )["control_number"]
        == 5
    )


def test_a_carriers_file_is_acknowledged_with_a_997():
    status = Transaction(
        "214",
        "0001",
        [
            ["B10", "SHP-1", "ACME-7", "ACME"],
            ["AT7", "D1", "NS", "", "", "20261130", "1000", "UT"],
        ],
    )
    summary = edi.receipt_summary(edi.X12, _carrier_file(status, control=44))
    assert summary == {
        "standard": "x12",
        "groups": [{"code": "GF", "control": 44, "sets": [["214", "0001"]]}],
    }
    name, text = edi.acknowledgement_file(summary, PARTIES, 9, WHEN)
    assert name == "997-000000009.x12"
    interchange = x12.parse(text)
    assert (interchange.sender, interchange.receiver) == ("ODOO", "ACME")
    (ack,) = interchange.groups[0].transactions
    assert ack.first("AK1") == ["AK1", "GF", "44"]
    assert ack.first("AK9")[1] == "A"


def test_acknowledgements_are_not_acknowledged():
    ack = Transaction("997", "0001", [["AK1", "SM", "12"], ["AK9", "A", "1", "1", "1"]])
    group = x12.Group("FA", "ACME", "ODOO", 5, transactions=[ack])
    text = x12.serialize(
        x12.Interchange("02", "ACME", "ZZ", "ODOO", 5, "261130", "0930", groups=[group])
    )
    assert edi.receipt_summary(edi.X12, text) is None


def test_an_edifact_file_is_acknowledged_with_a_contrl():
    text = edifact.serialize(
        "ACME", "ODOO", 77, [("IFTSTA", "1", [("STS", "1", "AF")])], WHEN
    )
    summary = edi.receipt_summary(edi.EDIFACT, text)
    name, contrl = edi.acknowledgement_file(summary, PARTIES, 3, WHEN)
    assert name == "CONTRL-000000003.edifact"
    _header, ((_id, _ref, segments),) = edifact.parse(contrl)
    assert edifact.acknowledged(segments) == {
        "reference": "77",
        "accepted": True,
        "messages": {"1": True},
    }
