import io
import zipfile

import pytest

from logistics_portal_api.lib import documents


def _zip(*names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


XLSX_BYTES = _zip("[Content_Types].xml", "xl/workbook.xml")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7\n...", documents.PDF),
        (b"\x89PNG\r\n\x1a\n\x00\x00", documents.PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", documents.JPEG),
        (XLSX_BYTES, documents.XLSX),
        ("sku;qty\nKEG30;3\nCafé;1\n".encode(), documents.CSV),
        # A zip that is no spreadsheet, a broken zip, binary, Latin-1 text.
        (_zip("word/document.xml", "[Content_Types].xml"), None),
        (b"PK\x03\x04garbage", None),
        (b"MZ\x90\x00\x03", None),
        (b"a;b\n\x00\x01", None),
        ("Café".encode("latin-1"), None),
    ],
)
def test_the_type_comes_from_the_content(content, expected):
    assert documents.sniff(content) == expected


def test_a_declared_type_must_match_the_content():
    assert documents.check_type(b"%PDF-1.4", "application/pdf") == (
        documents.PDF,
        None,
    )
    assert documents.check_type(b"%PDF-1.4", "Application/PDF; q=1")[0] == (
        documents.PDF
    )
    mimetype, why = documents.check_type(b"\x89PNG\r\n\x1a\n", "application/pdf")
    assert mimetype is None
    assert why == "declared application/pdf but the content is image/png"
    assert documents.check_type(b"MZ\x90", "application/pdf")[0] is None
    assert documents.check_type(b"%PDF-1.4", "application/x-msdownload")[0] is None


def test_an_unspecified_type_leaves_it_to_the_content():
    assert documents.check_type(XLSX_BYTES, "application/octet-stream")[0] == (
        documents.XLSX
    )
    assert documents.check_type(b"a,b\n1,2\n", None)[0] == documents.CSV
    # What curl and browsers call a CSV file is a CSV file.
    assert documents.check_type(b"a,b\n", "text/plain")[0] == documents.CSV
    assert documents.check_type(b"a,b\n", "application/vnd.ms-excel")[0] is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("po.pdf", "po.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Lieferschein Nr. 7.pdf", "Lieferschein Nr. 7.pdf"),
        ("a\x00b\r\nc.pdf", "a_b_c.pdf"),
        ('x<y>:"z".pdf', "x_y_z_.pdf"),
        ("  ..hidden.  ", "hidden"),
        ("", "document"),
        (None, "document"),
        ("/", "document"),
        ("\u202eevil\u200bfdp.exe", "evilfdp.exe"),
        ("ß" * 200 + ".xlsx", "ß" * 123 + ".xlsx"),
    ],
)
def test_file_names_are_made_safe(name, expected):
    assert documents.safe_filename(name) == expected


def test_content_disposition_carries_any_name_with_an_ascii_fallback():
    header = documents.content_disposition('Übersicht 日本 "Q3".pdf')
    assert header == (
        'attachment; filename="Ubersicht _Q3.pdf"; '
        "filename*=UTF-8''%C3%9Cbersicht%20%E6%97%A5%E6%9C%AC%20_Q3_.pdf"
    )
    header.encode("latin-1")  # what a WSGI server can send
    assert documents.content_disposition("日本.pdf").startswith(
        'attachment; filename="document.pdf"; '
    )
    assert documents.content_disposition("pod") == (
        "attachment; filename=\"pod\"; filename*=UTF-8''pod"
    )
