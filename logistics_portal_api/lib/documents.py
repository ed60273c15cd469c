"""Uploaded documents: what a file is (from its bytes), and safe file names.

The type a client declares is a claim; the first bytes of the content decide.
Pure Python, no ORM: tested in `tests/unit/test_documents.py`.
"""

import io
import re
import unicodedata
import zipfile
from urllib.parse import quote

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_TYPES = (PDF, PNG, JPEG, CSV, XLSX)
# Declared types that say nothing: the content alone decides.
UNSPECIFIED_TYPES = ("", "application/octet-stream")
# Names clients (and curl's guess from the extension) give the same type.
TYPE_ALIASES = {
    "image/jpg": JPEG,
    "image/pjpeg": JPEG,
    "text/plain": CSV,
    "application/csv": CSV,
    "text/comma-separated-values": CSV,
}

MAX_FILENAME_LENGTH = 128
DEFAULT_FILENAME = "document"
_UNSAFE_FILENAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')

_SIGNATURES = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
)
_ZIP_MAGIC = b"PK\x03\x04"


def sniff(content):
    """The upload type of `content` (bytes) from its bytes, or None."""
    for magic, mimetype in _SIGNATURES:
        if content.startswith(magic):
            return mimetype
    if content.startswith(_ZIP_MAGIC):
        return XLSX if _is_xlsx(content) else None
    if _is_text(content):
        return CSV
    return None


def _is_xlsx(content):
    """An Office Open XML spreadsheet: a zip with the package's type list."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()  # the central directory only: no inflating
    except (zipfile.BadZipFile, ValueError, EOFError):
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def _is_text(content):
    """Valid UTF-8 without NUL: what a CSV file is, whatever its separator."""
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def normalize_type(declared):
    """The bare, lower-case media type of a Content-Type value, aliases resolved."""
    mimetype = (declared or "").split(";")[0].strip().lower()
    return TYPE_ALIASES.get(mimetype, mimetype)


def check_type(content, declared):
    """(type, None) of an acceptable upload, or (None, reason) to answer 415.

    `declared` is the client's Content-Type (of the body or of the multipart
    part); an unspecified one (empty, application/octet-stream) leaves the
    decision to the content.
    """
    claimed = normalize_type(declared)
    if claimed not in UPLOAD_TYPES and claimed not in UNSPECIFIED_TYPES:
        return None, "type %s is not accepted" % claimed
    found = sniff(content)
    if found is None:
        return None, "the content is none of the accepted types"
    if claimed not in UNSPECIFIED_TYPES and claimed != found:
        return None, "declared %s but the content is %s" % (claimed, found)
    return found, None


def safe_filename(name):
    """A file name safe to store and to serve: no path, no control characters.

    Keeps the extension when the name must be shortened; falls back to
    "document" when nothing usable is left.
    """
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[/\\]", text)[-1]  # a base name, never a path
    text = _UNSAFE_FILENAME_CHARS.sub("_", text)
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C")
    text = " ".join(text.split()).strip(" .")
    if not text:
        return DEFAULT_FILENAME
    if len(text) > MAX_FILENAME_LENGTH:
        stem, dot, extension = text.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            keep = MAX_FILENAME_LENGTH - len(extension) - 1
            text = stem[:keep] + "." + extension
        else:
            text = text[:MAX_FILENAME_LENGTH]
    return text


def content_disposition(name, disposition="attachment"):
    """A Content-Disposition header for any file name (RFC 6266, RFC 5987).

    The `filename` parameter is a plain-ASCII fallback for old clients; the
    `filename*` parameter carries the exact name, UTF-8 and percent-encoded.
    """
    name = safe_filename(name)
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem, extension = _ascii(stem) or DEFAULT_FILENAME, _ascii(extension)
    fallback = "%s.%s" % (stem, extension) if extension else stem
    return "%s; filename=\"%s\"; filename*=UTF-8''%s" % (
        disposition,
        fallback,
        quote(name, safe=""),
    )


def _ascii(text):
    """`text` in plain printable ASCII (accents dropped), safe in a quoted string."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9._ ()+-]", "_", text)
    return " ".join(text.split()).strip(" ._")
