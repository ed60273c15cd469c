import pytest

from odoo.addons.logistics_tms_connector.lib import x12


def _interchange(**changes):
    transaction = x12.Transaction(
        "214", "0001", [["B10", "SHP-1", "TMS-9", "ACME"], ["AT7", "X1", "NS"]]
    )
    group = x12.Group(
        functional_code="QM",
        sender="ACME",
        receiver="ODOO",
        control_number=7,
        date="20261130",
        time="0930",
        transactions=[transaction],
    )
    values = {
        "sender_qualifier": "02",
        "sender": "ACME",
        "receiver_qualifier": "ZZ",
        "receiver": "ODOO",
        "control_number": 42,
        "date": "261130",
        "time": "0930",
        "groups": [group],
        **changes,
    }
    return x12.Interchange(**values)


def test_an_interchange_survives_writing_and_reading():
    text = x12.serialize(_interchange())
    assert text.startswith("ISA*00*          *00*          *02*ACME           *ZZ*")
    assert len(text.split("~")[0]) + 1 == x12.ISA_LENGTH
    parsed = x12.parse(text)
    assert (parsed.sender, parsed.receiver, parsed.control_number) == (
        "ACME",
        "ODOO",
        42,
    )
    (group,) = parsed.groups
    assert (group.functional_code, group.control_number) == ("QM", 7)
    (transaction,) = group.transactions
    assert transaction.code == "214"
    assert transaction.first("AT7") == ["AT7", "X1", "NS"]
    assert "SE*4*0001~" in text and "GE*1*7~" in text and "IEA*1*000000042~" in text


def test_delimiters_come_from_the_isa():
    delimiters = x12.Delimiters(element="|", component=":", segment="'", repetition="U")
    # repetition "U" is not allowed: alphanumeric
    with pytest.raises(x12.X12Error):
        delimiters.check()
    delimiters = x12.Delimiters(element="|", component=":", segment="'", repetition="!")
    text = x12.serialize(
        _interchange(delimiters=delimiters, version="00501"), newline=False
    )
    assert x12.read_delimiters(text) == delimiters
    old = x12.serialize(_interchange())  # 00401: ISA11 is the standards id "U"
    assert old.split("~")[0].split("*")[11] == "U"
    assert x12.read_delimiters(old).repetition == "^"
    assert x12.parse(text).groups[0].transactions[0].first("B10")[2] == "TMS-9"


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("SE*4*0001", "SE*5*0001", "SE01"),
        ("SE*4*0001", "SE*4*0002", "SE02"),
        ("GE*1*7", "GE*2*7", "GE01"),
        ("GE*1*7", "GE*1*8", "GE02"),
        ("IEA*1*000000042", "IEA*1*000000043", "IEA02"),
        ("IEA*1*000000042", "IEA*2*000000042", "IEA01"),
    ],
)
def test_broken_envelopes_are_named(old, new, where):
    text = x12.serialize(_interchange()).replace(old, new)
    with pytest.raises(x12.X12Error) as raised:
        x12.parse(text)
    assert raised.value.segment == where


def test_truncated_or_foreign_text_is_refused():
    text = x12.serialize(_interchange())
    with pytest.raises(x12.X12Error, match="no IEA"):
        x12.parse(text.split("IEA")[0])
    with pytest.raises(x12.X12Error, match="ISA"):
        x12.parse("UNA:+.? 'UNB+UNOC:3")
    with pytest.raises(x12.X12Error, match="outside"):
        x12.parse(text.replace("ST*214*0001~", ""))


def test_values_with_a_delimiter_are_refused_and_clean_removes_them():
    interchange = _interchange()
    interchange.groups[0].transactions[0].segments.append(["N9", "PO", "A*B"])
    with pytest.raises(x12.X12Error, match="delimiter"):
        x12.serialize(interchange)
    assert x12.clean("Rue de la Gare 3*~ box>1", 12) == "RUE DE LA GA"


def test_control_numbers_are_checked():
    text = x12.serialize(_interchange(control_number=0))
    with pytest.raises(x12.X12Error, match="out of range"):
        x12.parse(text)
