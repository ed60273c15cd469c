"""EDI over HTTP POST: one interchange per request, both ways.

Odoo POSTs its interchanges to the carrier with the media type of the
standard (RFC 1767: ``application/edi-x12``, ``application/edifact``); the
carrier POSTs its own to ``/logistics/edi/<endpoint code>/inbound``. Pure
Python: tested in ``tests/unit/test_edi_http.py``.
"""

import re

from . import edi

INBOUND_ROUTE = "/logistics/edi/%s/inbound"  # % the endpoint's code
CONTENT_TYPES = {edi.X12: "application/edi-x12", edi.EDIFACT: "application/edifact"}
_UNSAFE_NAME_RE = re.compile(r"[^A-Za-z0-9_.-]")


def content_type(standard):
    """The media type of an interchange of that standard."""
    try:
        return CONTENT_TYPES[standard]
    except KeyError:
        raise edi.EdiError(f"unknown EDI standard {standard!r}") from None


def interchange_text(body):
    """The text of a POSTed interchange (UTF-8, of which ASCII is a part).

    :raises edi.EdiError: an empty body, or one that is not UTF-8
    """
    if not body or not body.strip():
        raise edi.EdiError("the body holds no interchange")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise edi.EdiError(f"the body is not UTF-8 text: {err.reason}") from err


def inbound_name(standard, correlation_id):
    """The name an interchange received over HTTP is kept under (a file
    picked up keeps its own)."""
    return "http-%s.%s" % (_UNSAFE_NAME_RE.sub("_", correlation_id), standard)
