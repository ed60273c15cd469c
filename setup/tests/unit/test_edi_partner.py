"""setup/run's EDI carrier (setup/suite/edi_partner.py): the EDI partner
simulator as a real process answering in its drop folder."""

import sys
import time

import pytest
from suite import edi_partner, stack

NOT_X12 = "this is no interchange\n"


def test_the_drop_folder_is_a_file_root_beside_the_default(tmp_path):
    roots = edi_partner.file_roots(tmp_path / "filestore").split(",")
    assert roots == [
        str(edi_partner.FILE_ROOT),
        str(tmp_path / "filestore" / "logistics_files"),
    ]
    assert edi_partner.FILE_ROOT.parent == stack.REPO / ".run"


def test_each_database_has_its_own_drop_folder():
    """Shipment names repeat across databases: so would the carrier's files."""
    first, second = edi_partner.carrier_root("demo_a"), edi_partner.carrier_root("b")
    assert first != second
    assert first.parent == second.parent == edi_partner.FILE_ROOT


def test_the_simulator_answers_in_its_folder_and_stops(tmp_path):
    root, log = tmp_path / "carrier", tmp_path / "logs" / "edi.log"
    process = edi_partner.start(sys.executable, root, log)
    try:
        assert process.poll() is None
        (root / "to_partner" / "junk.x12").write_text(NOT_X12)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if (root / "rejected" / "junk.x12.error").exists():
                break
            time.sleep(0.2)
        assert (root / "rejected" / "junk.x12").read_text() == NOT_X12
        assert "junk.x12 rejected" in log.read_text()
    finally:
        stack.stop_process(process)
    assert process.returncode == 0


def test_a_simulator_that_does_not_start_stops_setup_run(tmp_path, monkeypatch):
    monkeypatch.setattr(
        edi_partner, "command", lambda python, root: [python, "-c", "print('no')"]
    )
    with pytest.raises(SystemExit):
        edi_partner.start(sys.executable, tmp_path / "carrier", tmp_path / "edi.log")
