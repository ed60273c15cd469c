"""UN/EDIFACT transport messages, D.04A, on ``pydifact``'s interchange
reader and writer (UNA/UNB/UNH/UNT/UNZ, escaping, service characters):
IFTMIN transport instruction (out), IFTSTA status (in), INVOIC freight
invoice (in), CONTRL acknowledgement (both ways).

Like the X12 sets (``lib/x12_sets.py``), writers take the canonical shipment
document and readers give canonical values: IFTSTA statuses become
``tms.event.v1`` envelopes whose status code goes through the endpoint's
milestone mapping, INVOIC lines freight settlement's charge codes.
Pure Python: tested in ``tests/unit/test_edifact.py``.
"""

import warnings
from contextlib import contextmanager
from datetime import datetime, timezone

from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from pydifact.segmentcollection import Interchange, Message
from pydifact.segments import Segment

VERSION = ("D", "04A", "UN")
SYNTAX = ("UNOC", 3)
CONTRL_ACCEPTED = "7"
CONTRL_REJECTED = "4"


class EdifactError(ValueError):
    """A message that breaks the rules; ``segment`` names where."""

    def __init__(self, message, segment=None):
        super().__init__(f"{segment}: {message}" if segment else message)
        self.segment = segment


@contextmanager
def _quiet():
    """pydifact warns for every service segment it has no XML description
    of (it validates none of them); the warnings say nothing here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="pydifact")
        yield


def parse(text):
    """``(interchange header, [(identifier, reference, segments)])``, the
    envelopes checked: UNT counts and references, UNZ count and reference."""
    try:
        with _quiet():
            segments = [s for s in Parser().parse(text) if s.tag != "UNA"]
    except (EDISyntaxError, RuntimeError, ValueError, IndexError, TypeError) as err:
        raise EdifactError(f"not an EDIFACT interchange: {err}", "UNB") from err
    if not segments or segments[0].tag != "UNB":
        raise EdifactError("an interchange starts with UNB", "UNB")
    header, messages, current = segments[0], [], None
    for segment in segments[1:]:
        if segment.tag == "UNH":
            if current is not None:
                raise EdifactError("a message opens before the previous closed", "UNH")
            current = (_element(segment, 1, 0), _element(segment, 0), [])
        elif segment.tag == "UNT":
            _close_message(current, segment)
            messages.append(current)
            current = None
        elif segment.tag == "UNZ":
            _close_interchange(header, messages, current, segment)
            return {
                "sender": _element(header, 1, 0),
                "recipient": _element(header, 2, 0),
                "reference": _element(header, 4),
            }, messages
        elif current is None:
            raise EdifactError("a segment outside any message", segment.tag)
        else:
            current[2].append(segment)
    raise EdifactError("the interchange has no UNZ trailer", "UNZ")


def _close_message(message, unt):
    if message is None:
        raise EdifactError("UNT without UNH", "UNT")
    expected = len(message[2]) + 2  # with UNH and UNT
    if _element(unt, 0) != str(expected):
        raise EdifactError(f"counts {_element(unt, 0)} segments, not {expected}", "UNT")
    if _element(unt, 1) != message[1]:
        raise EdifactError("reference does not match UNH", "UNT")


def _close_interchange(header, messages, current, unz):
    if current is not None:
        raise EdifactError("UNZ with a message still open", "UNZ")
    if _element(unz, 0) != str(len(messages)):
        raise EdifactError(
            f"counts {_element(unz, 0)} messages, not {len(messages)}", "UNZ"
        )
    if _element(unz, 1) != _element(header, 4):
        raise EdifactError("reference does not match UNB", "UNZ")


def serialize(sender, recipient, reference, messages, when=None):
    """The interchange text of ``messages`` (``(identifier, reference,
    segments)``, segments as ``(tag, *elements)``)."""
    with _quiet():
        interchange = Interchange(
            sender=sender,
            recipient=recipient,
            control_reference=str(reference),
            syntax_identifier=SYNTAX,
            timestamp=when or datetime.now(timezone.utc),
        )
        for identifier, message_reference, segments in messages:
            message = Message(str(message_reference), [identifier, *VERSION])
            for tag, *elements in segments:
                message.add_segment(Segment(tag, *elements))
            interchange.add_message(message)
        return interchange.serialize()


def _element(segment, position, component=0):
    """Element ``position`` (0-based after the tag) of a segment, one of its
    components when it has several."""
    if len(segment.elements) <= position:
        return ""
    value = segment.elements[position]
    if isinstance(value, list):
        return value[component] if len(value) > component else ""
    return value if component == 0 else ""


def _stamp(moment):
    return moment.astimezone(timezone.utc).strftime("%Y%m%d%H%M")


def _window(qualifier, window):
    """DTM of a window in format 719 (CCYYMMDDHHMM-CCYYMMDDHHMM, UTC)."""
    if not window:
        return []
    start = datetime.fromisoformat(window["start"])
    end = datetime.fromisoformat(window["end"])
    return [("DTM", [qualifier, f"{_stamp(start)}-{_stamp(end)}", "719"])]


def _party(qualifier, party):
    return (
        "NAD",
        qualifier,
        "",
        "",
        (party.get("name") or "")[:35],
        (party.get("street") or "")[:35],
        (party.get("city") or "")[:35],
        "",
        (party.get("zip") or "")[:17],
        (party.get("country_code") or "")[:3],
    )


# ----------------------------------------------------------------------
# IFTMIN out


def transport_instruction(document, when):
    """The IFTMIN segments of a canonical shipment document."""
    totals = document.get("totals") or {}
    segments = [
        ("BGM", "610", document["reference"], "9"),
        ("DTM", ["137", _stamp(when), "203"]),
        ("TSR", document.get("service_level") or "standard"),
        ("RFF", ["CU", document["reference"]]),
        ("RFF", ["ON", document.get("order_reference") or document["reference"]]),
    ]
    if document.get("customer_po"):
        segments.append(("RFF", ["AAS", document["customer_po"]]))
    segments += _window("234", document.get("requested_pickup_window"))
    segments += _window("2", document.get("requested_delivery_window"))
    segments.append(_party("CZ", document["shipper"]))
    segments.append(_party("CN", document["consignee"]))
    for index, item in enumerate(document.get("items") or [], start=1):
        segments.append(("GID", str(index), [str(item.get("quantity") or 1), "PCE"]))
        segments.append(("FTX", "AAA", "", "", (item.get("description") or "")[:70]))
        if item.get("hazardous") and item.get("un_number"):
            segments.append(("DGS", "ADR", "", item["un_number"]))
    segments.append(("CNT", ["7", "%.1f" % (totals.get("weight_kg") or 0.0), "KGM"]))
    return segments


# ----------------------------------------------------------------------
# IFTSTA in


def status_events(segments, sender):
    """The canonical ``tms.event.v1`` envelopes of an IFTSTA: one per STS,
    with the references (RFF) and time (DTM+334) that follow it."""
    events, current = [], None
    references = {}
    for segment in segments:
        tag = segment.tag
        if tag == "RFF":
            references[_element(segment, 0, 0)] = _element(segment, 0, 1)
            if current:
                current["references"][_element(segment, 0, 0)] = _element(segment, 0, 1)
        elif tag == "STS":
            current = {
                "code": _element(segment, 1, 0),
                "reason": _element(segment, 2, 0) or None,
                "references": {},
                "time": None,
            }
            events.append(current)
        elif tag == "DTM" and current and _element(segment, 0, 0) == "334":
            current["time"] = _moment(
                _element(segment, 0, 1), _element(segment, 0, 2), "DTM"
            )
    if not events:
        raise EdifactError("an IFTSTA without any STS status", "STS")
    return [_event(status, references, sender) for status in events]


def _event(status, references, sender):
    refs = {**references, **status["references"]}
    ours = refs.get("CU")
    carrier = refs.get("BN") or refs.get("CN") or ours
    if not status["code"]:
        raise EdifactError("STS has no status code", "STS")
    if not carrier:
        raise EdifactError("no RFF+CU or RFF+BN names the shipment", "RFF")
    if not status["time"]:
        raise EdifactError("STS has no DTM+334 time", "DTM")
    data = {
        "shipment_id": carrier,
        "external_reference": ours or None,
        "status_code": status["code"],
        "reason_code": status["reason"],
    }
    return {
        "event_id": "edifact-iftsta-%s-%s-%s-%s"
        % (sender, carrier, status["code"], status["time"]),
        "event_type": "shipment.milestone",
        "occurred_at": status["time"],
        "aggregate": {"type": "shipment", "id": carrier},
        "data": data,
    }


def _moment(value, fmt, where):
    """RFC 3339 of a DTM value: format 203 (CCYYMMDDHHMM, UTC) or 303
    (CCYYMMDDHHMMZZZ with the offset's hours, e.g. +01)."""
    if len(value) < 12 or not value[:12].isdigit():
        raise EdifactError(f"{value!r} is not a format {fmt} time", where)
    try:
        if fmt == "203":
            naive, offset = datetime.strptime(value, "%Y%m%d%H%M"), "+00:00"
        elif fmt == "303":
            naive = datetime.strptime(value[:12], "%Y%m%d%H%M")
            zone = value[12:] or "+00"
            sign, hours = zone[0], int(zone[1:3])
            if sign not in "+-":
                raise ValueError(zone)
            offset = "%s%02d:00" % (sign, hours)
        else:
            raise EdifactError(f"date format {fmt!r} is not 203 or 303", where)
    except ValueError:
        raise EdifactError(f"{value!r} is not a format {fmt} time", where) from None
    return naive.strftime("%Y-%m-%dT%H:%M:%S") + offset


# ----------------------------------------------------------------------
# INVOIC in


def freight_invoice(segments):
    """``{"number", "reference", "date", "currency", "total", "lines"}`` of
    a freight INVOIC; its lines must add up to its total (MOA+77)."""
    invoice = dict.fromkeys(("number", "date", "reference", "currency", "total"))
    invoice["lines"] = []
    for segment in segments:
        reader = _INVOICE_READERS.get(segment.tag)
        if reader:
            reader(invoice, segment)
    _check_invoice(invoice)
    return invoice


def _read_number(invoice, segment):
    invoice["number"] = _element(segment, 1)


def _read_date(invoice, segment):
    if _element(segment, 0, 0) == "137":
        stamp = _moment(_element(segment, 0, 1), _element(segment, 0, 2), "DTM")
        invoice["date"] = stamp[:10]


def _read_reference(invoice, segment):
    if _element(segment, 0, 0) in ("CU", "AAS") and not invoice["reference"]:
        invoice["reference"] = _element(segment, 0, 1)


def _read_currency(invoice, segment):
    invoice["currency"] = _element(segment, 0, 1)


def _read_line(invoice, _segment):
    invoice["lines"].append({"code": None, "description": None, "amount": None})


def _read_item(invoice, segment):
    if invoice["lines"]:
        line = invoice["lines"][-1]
        line["code"] = _element(segment, 2, 0) or line["code"]
        line["description"] = _element(segment, 2, 3) or None


def _read_amount(invoice, segment):
    qualifier = _element(segment, 0, 0)
    if qualifier == "203" and invoice["lines"]:
        invoice["lines"][-1]["amount"] = _amount(_element(segment, 0, 1))
    elif qualifier == "77":
        invoice["total"] = _amount(_element(segment, 0, 1))


_INVOICE_READERS = {
    "BGM": _read_number,
    "DTM": _read_date,
    "RFF": _read_reference,
    "CUX": _read_currency,
    "LIN": _read_line,
    "IMD": _read_item,
    "MOA": _read_amount,
}


def _check_invoice(invoice):
    if not invoice["number"]:
        raise EdifactError("an INVOIC needs its number (BGM)", "BGM")
    if invoice["total"] is None:
        raise EdifactError("an INVOIC needs its total (MOA+77)", "MOA")
    for index, item in enumerate(invoice["lines"], start=1):
        if item["amount"] is None or not item["code"]:
            raise EdifactError(f"line {index} needs IMD code and MOA+203", "LIN")
    lines_total = round(sum(item["amount"] for item in invoice["lines"]), 2)
    if lines_total != invoice["total"]:
        raise EdifactError(
            f"lines add up to {lines_total:.2f}, not {invoice['total']:.2f}", "MOA"
        )


def _amount(value):
    try:
        return round(float(value), 2)
    except (TypeError, ValueError):
        raise EdifactError(f"amount {value!r} is not a number", "MOA") from None


# ----------------------------------------------------------------------
# CONTRL both ways


def acknowledgement(header, messages, rejected=()):
    """The CONTRL segments acknowledging an interchange's messages;
    ``rejected`` holds the references of the messages refused."""
    refused = set(rejected)
    status = CONTRL_REJECTED if refused else CONTRL_ACCEPTED
    segments = [
        ("UCI", header["reference"], header["sender"], header["recipient"], status)
    ]
    for identifier, reference, _segments in messages:
        code = CONTRL_REJECTED if reference in refused else CONTRL_ACCEPTED
        segments.append(("UCM", reference, [identifier, *VERSION], code))
    return segments


def acknowledged(segments):
    """``{"reference", "accepted", "messages": {reference: accepted}}``."""
    uci = next((s for s in segments if s.tag == "UCI"), None)
    if uci is None:
        raise EdifactError("a CONTRL needs its UCI", "UCI")
    return {
        "reference": _element(uci, 0),
        "accepted": _element(uci, 3) == CONTRL_ACCEPTED,
        "messages": {
            _element(s, 0): _element(s, 2) == CONTRL_ACCEPTED
            for s in segments
            if s.tag == "UCM"
        },
    }
