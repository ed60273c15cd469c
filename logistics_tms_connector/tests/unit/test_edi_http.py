import pytest

from odoo.addons.logistics_tms_connector.lib import edi, edi_http


def test_media_types_of_the_standards():
    assert edi_http.content_type(edi.X12) == "application/edi-x12"
    assert edi_http.content_type(edi.EDIFACT) == "application/edifact"
    with pytest.raises(edi.EdiError):
        edi_http.content_type("csv")


def test_an_interchange_body_is_utf8_text():
    text = "UNB+UNOC:3+Dupont\u00e9'"
    assert edi_http.interchange_text(text.encode()) == text


@pytest.mark.parametrize("body", [b"", b"  \r\n", b"ISA*\xff\xfe"])
def test_an_empty_or_binary_body_is_no_interchange(body):
    with pytest.raises(edi.EdiError):
        edi_http.interchange_text(body)


def test_the_name_of_a_received_interchange_is_a_safe_file_name():
    assert edi_http.inbound_name(edi.X12, "4f2a-9/../x") == "http-4f2a-9_.._x.x12"
