"""Tests of the EDI partner simulator: its answers are read back with the
suite's own X12 and EDIFACT codecs (two independent implementations of the
standards agreeing), in-process and as a real process on a folder."""

import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from odoo.addons.logistics_tms_connector.lib import edifact, x12, x12_sets

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from edi_simulator import Partner  # noqa: E402

WHEN = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
DOCUMENT = {
    "reference": "SHP-2026-00042",
    "order_reference": "S00042",
    "shipper": {
        "name": "YourCompany",
        "city": "Liege",
        "zip": "4000",
        "country_code": "BE",
    },
    "consignee": {
        "name": "Brasserie Dupont",
        "city": "Leuze",
        "zip": "7904",
        "country_code": "BE",
    },
    "items": [{"description": "Keg 30 l", "quantity": 4}],
    "totals": {"weight_kg": 146.0},
}


def _tender_x12(control=1):
    group = x12.Group(
        "SM",
        "ODOO",
        "ACME",
        control,
        transactions=[x12_sets.load_tender(DOCUMENT, "ACME", 1)],
    )
    interchange = x12.Interchange(
        "ZZ", "ODOO", "02", "ACME", control, "261130", "0900", groups=[group]
    )
    return x12.serialize(interchange)


def _outputs(root):
    return sorted((Path(root) / "from_partner").glob("[!.]*"))


def _transaction(path):
    interchange = x12.parse(path.read_text())
    (group,) = interchange.groups
    (transaction,) = group.transactions
    return interchange, group, transaction


def test_a_204_gets_997_990_214_and_210(tmp_path):
    partner = Partner(tmp_path, "x12", scac="ACME")
    (tmp_path / "to_partner" / "tender-1.x12").write_text(_tender_x12(control=7))
    written = partner.poll_once()
    assert [name.split("-")[0] for name in written] == ["997", "990", "214", "210"]
    files = {path.name.split("-")[0]: path for path in _outputs(tmp_path)}
    _i, _g, ack = _transaction(files["997"])
    assert x12_sets.acknowledged(ack) == {
        "group": 7,
        "code": "SM",
        "accepted": True,
        "sets": {"0001": "A"},
    }
    _i, _g, response = _transaction(files["990"])
    assert x12_sets.tender_response(response) == {
        "reference": "SHP-2026-00042",
        "carrier_reference": "ACME-SHP-2026-00042",
        "accepted": True,
        "reason": None,
    }
    _i, _g, status = _transaction(files["214"])
    events = x12_sets.status_events(status, "ACME")
    assert [e["data"]["status_code"] for e in events] == ["AF", "X1", "D1"]
    assert events[-1]["event_type"] == "shipment.delivered"
    _i, _g, invoice = _transaction(files["210"])
    read = x12_sets.freight_invoice(invoice)
    assert (read["total"], [line["code"] for line in read["lines"]]) == (
        152.5,
        ["400", "FUE"],
    )
    controls = [x12.parse(path.read_text()).control_number for path in files.values()]
    assert len(set(controls)) == 4, "control numbers never repeat"
    assert (tmp_path / "archive" / "tender-1.x12").exists()
    assert partner.poll_once() == [], "each tender answered once"


def test_control_numbers_survive_a_restart(tmp_path):
    first = Partner(tmp_path, "x12")
    (tmp_path / "to_partner" / "a.x12").write_text(_tender_x12())
    first.poll_once()
    second = Partner(tmp_path, "x12")
    (tmp_path / "to_partner" / "b.x12").write_text(_tender_x12(control=2))
    second.poll_once()
    controls = [
        x12.parse(path.read_text()).control_number for path in _outputs(tmp_path)
    ]
    assert sorted(controls) == list(range(1, 9))


def test_a_declined_tender_gets_a_990_with_its_reason(tmp_path):
    partner = Partner(tmp_path, "x12", decline=True)
    (tmp_path / "to_partner" / "t.x12").write_text(_tender_x12())
    assert [name.split("-")[0] for name in partner.poll_once()] == ["997", "990"]
    response = next(p for p in _outputs(tmp_path) if p.name.startswith("990"))
    answer = x12_sets.tender_response(_transaction(response)[2])
    assert (answer["accepted"], answer["reason"]) == (False, "NO CAPACITY")


def test_acknowledgements_are_archived_unanswered(tmp_path):
    partner = Partner(tmp_path, "x12")
    ack = x12_sets.acknowledgement(x12.Group("GF", "ACME", "ODOO", 3, transactions=[]))
    group = x12.Group("FA", "ODOO", "ACME", 9, transactions=[ack])
    interchange = x12.Interchange(
        "ZZ", "ODOO", "02", "ACME", 9, "261130", "0900", groups=[group]
    )
    (tmp_path / "to_partner" / "997.x12").write_text(x12.serialize(interchange))
    assert partner.poll_once() == []
    assert (tmp_path / "archive" / "997.x12").exists()
    contrl = edifact.acknowledgement(
        {"reference": "5", "sender": "ACME", "recipient": "ODOO"}, []
    )
    text = edifact.serialize("ODOO", "ACME", 6, [("CONTRL", "1", contrl)], WHEN)
    edi_partner = Partner(tmp_path / "e", "edifact")
    (tmp_path / "e" / "to_partner" / "contrl.edifact").write_text(text)
    assert edi_partner.poll_once() == []
    assert (tmp_path / "e" / "archive" / "contrl.edifact").exists()


def test_an_unreadable_file_is_rejected_with_a_note(tmp_path):
    partner = Partner(tmp_path, "x12")
    (tmp_path / "to_partner" / "junk.x12").write_text("hello")
    assert partner.poll_once() == []
    assert (tmp_path / "rejected" / "junk.x12").exists()
    assert "ISA" in (tmp_path / "rejected" / "junk.x12.error").read_text()


def test_an_iftmin_gets_contrl_iftsta_and_invoic(tmp_path):
    partner = Partner(tmp_path, "edifact")
    segments = edifact.transport_instruction(
        dict(DOCUMENT, consignee=dict(DOCUMENT["consignee"], name="Dupont's+Co")), WHEN
    )
    text = edifact.serialize("ODOO", "ACME", 5, [("IFTMIN", "1", segments)], WHEN)
    (tmp_path / "to_partner" / "i.edifact").write_text(text)
    assert [name.split("-")[0] for name in partner.poll_once()] == [
        "CONTRL",
        "IFTSTA",
        "INVOIC",
    ]
    files = {path.name.split("-")[0]: path for path in _outputs(tmp_path)}
    _h, ((_id, _ref, contrl),) = edifact.parse(files["CONTRL"].read_text())
    assert edifact.acknowledged(contrl) == {
        "reference": "5",
        "accepted": True,
        "messages": {"1": True},
    }
    _h, ((_id, _ref, status),) = edifact.parse(files["IFTSTA"].read_text())
    events = edifact.status_events(status, "ACME")
    assert [e["data"]["status_code"] for e in events] == ["AF", "X1", "D1"]
    assert events[0]["data"]["external_reference"] == "SHP-2026-00042"
    _h, ((_id, _ref, invoice),) = edifact.parse(files["INVOIC"].read_text())
    assert edifact.freight_invoice(invoice)["total"] == 152.5


def test_the_process_answers_files_until_terminated(tmp_path):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edi_simulator",
            "--root",
            str(tmp_path),
            "--interval",
            "0.1",
        ],
        env={**os.environ, "PYTHONPATH": str(HERE)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "ready"
        upload = tmp_path / "to_partner" / ".tender.x12"
        upload.write_text(_tender_x12())
        time.sleep(0.3)
        assert _outputs(tmp_path) == [], "a dot file is still being uploaded"
        upload.rename(tmp_path / "to_partner" / "tender.x12")
        deadline = time.monotonic() + 10
        while len(_outputs(tmp_path)) < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_outputs(tmp_path)) == 4
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


@pytest.mark.parametrize("fmt", ["x12", "edifact"])
def test_unknown_format_is_refused(tmp_path, fmt):
    Partner(tmp_path, fmt)
    with pytest.raises(ValueError):
        Partner(tmp_path, "csv")
