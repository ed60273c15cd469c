"""ASC X12 interchanges: reading and writing the envelopes (ISA/IEA,
GS/GE, ST/SE) around transaction sets.

The delimiters are read from the ISA segment, which has a fixed length: the
element separator is its 4th character, the repetition separator its 11th
element (from version 00402), the component separator its 16th and the
segment terminator the character after it. A reader checks what the
envelopes promise: matching control numbers, segment, set and group counts;
an :class:`X12Error` names the segment that breaks it.

No maintained Python library reads transportation sets (204, 214, 210, 990)
without a HIPAA-only map, and the envelope rules fit in this module; the
sets themselves are in ``lib/x12_sets.py``. Pure Python: tested in
``tests/unit/test_x12.py``.
"""

from dataclasses import dataclass, field

ISA_LENGTH = 106  # up to and with the segment terminator
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
MAX_CONTROL_NUMBER = 999_999_999


class X12Error(ValueError):
    """An interchange that breaks the X12 rules; ``segment`` names where."""

    def __init__(self, message, segment=None):
        super().__init__(f"{segment}: {message}" if segment else message)
        self.segment = segment


@dataclass(frozen=True)
class Delimiters:
    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str = "^"

    def check(self):
        chars = (self.element, self.component, self.segment, self.repetition)
        if len(set(chars)) != len(chars) or any(c.isalnum() or not c for c in chars):
            raise X12Error("delimiters must be distinct, non alphanumeric characters")


@dataclass
class Transaction:
    """One transaction set: its code (``204``), control number and the
    segments between ST and SE, each a list of elements (the id first)."""

    code: str
    control_number: str
    segments: list = field(default_factory=list)

    def find(self, segment_id):
        """The segments with this id, in order."""
        return [s for s in self.segments if s[0] == segment_id]

    def first(self, segment_id):
        found = self.find(segment_id)
        return found[0] if found else None


@dataclass
class Group:
    """A functional group (GS): its code (``SM`` for 204) and sets."""

    functional_code: str
    sender: str
    receiver: str
    control_number: int
    version: str = "004010"
    date: str = ""
    time: str = ""
    transactions: list = field(default_factory=list)


@dataclass
class Interchange:
    sender_qualifier: str
    sender: str
    receiver_qualifier: str
    receiver: str
    control_number: int
    date: str = ""
    time: str = ""
    usage: str = "P"  # P production, T test
    version: str = "00401"
    ack_requested: str = "0"
    groups: list = field(default_factory=list)
    delimiters: Delimiters = field(default_factory=Delimiters)


def element(segment, position, default=""):
    """Element ``position`` (1-based, as X12 numbers them) of a segment."""
    return segment[position] if len(segment) > position else default


# ----------------------------------------------------------------------
# reading


def read_delimiters(text):
    """The delimiters an interchange declares in its ISA segment."""
    text = text.lstrip()
    if not text.startswith("ISA") or len(text) < ISA_LENGTH:
        raise X12Error("an interchange starts with a complete ISA segment", "ISA")
    separator = text[3]
    elements = text[:ISA_LENGTH].split(separator)
    if len(elements) != 17:
        raise X12Error("ISA must have 16 elements of fixed width", "ISA")
    repetition = elements[11] if elements[12] >= "00402" else "^"
    delimiters = Delimiters(
        element=separator,
        component=elements[16][0],
        segment=elements[16][1],
        repetition=repetition if not repetition.isalnum() else "^",
    )
    delimiters.check()
    return delimiters


def split_segments(text, delimiters):
    """Segments as element lists; line breaks after terminators are ignored."""
    segments = []
    for raw in text.split(delimiters.segment):
        segment = raw.strip("\r\n")
        if segment.strip():
            segments.append(segment.split(delimiters.element))
    return segments


def parse(text):
    """The :class:`Interchange` of ``text``, its envelopes checked."""
    delimiters = read_delimiters(text)
    segments = split_segments(text.lstrip(), delimiters)
    isa = segments[0]
    interchange = Interchange(
        sender_qualifier=isa[5],
        sender=isa[6].strip(),
        receiver_qualifier=isa[7],
        receiver=isa[8].strip(),
        date=isa[9],
        time=isa[10],
        version=isa[12],
        control_number=_control(isa[13], "ISA13"),
        ack_requested=isa[14],
        usage=isa[15],
        delimiters=delimiters,
    )
    group = transaction = None
    for segment in segments[1:]:
        tag = segment[0]
        if tag == "GS":
            if group is not None:
                raise X12Error("a group opens before the previous one closed", "GS")
            group = Group(
                functional_code=element(segment, 1),
                sender=element(segment, 2),
                receiver=element(segment, 3),
                date=element(segment, 4),
                time=element(segment, 5),
                control_number=_control(element(segment, 6), "GS06"),
                version=element(segment, 8),
            )
        elif tag == "ST":
            if group is None or transaction is not None:
                raise X12Error("a transaction set outside a group or not closed", "ST")
            transaction = Transaction(element(segment, 1), element(segment, 2))
        elif tag == "SE":
            _close_transaction(transaction, segment)
            group.transactions.append(transaction)
            transaction = None
        elif tag == "GE":
            _close_group(group, transaction, segment)
            interchange.groups.append(group)
            group = None
        elif tag == "IEA":
            _close_interchange(interchange, group, segment)
            return interchange
        elif transaction is None:
            raise X12Error("a segment outside any transaction set", tag)
        else:
            transaction.segments.append(segment)
    raise X12Error("the interchange has no IEA trailer", "IEA")


def _control(value, where):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise X12Error(f"control number {value!r} is not a number", where) from None
    if not 0 < number <= MAX_CONTROL_NUMBER:
        raise X12Error(f"control number {value!r} is out of range", where)
    return number


def _close_transaction(transaction, se):
    if transaction is None:
        raise X12Error("SE without ST", "SE")
    if element(se, 2) != transaction.control_number:
        raise X12Error(
            f"control number {element(se, 2)} does not match ST02 "
            f"{transaction.control_number}",
            "SE02",
        )
    expected = len(transaction.segments) + 2  # with ST and SE
    if element(se, 1) != str(expected):
        raise X12Error(f"counts {element(se, 1)} segments, not {expected}", "SE01")


def _close_group(group, transaction, ge):
    if group is None or transaction is not None:
        raise X12Error("GE without GS, or with a set still open", "GE")
    if _control(element(ge, 2), "GE02") != group.control_number:
        raise X12Error("control number does not match GS06", "GE02")
    if element(ge, 1) != str(len(group.transactions)):
        raise X12Error(
            f"counts {element(ge, 1)} sets, not {len(group.transactions)}", "GE01"
        )


def _close_interchange(interchange, group, iea):
    if group is not None:
        raise X12Error("IEA with a group still open", "IEA")
    if _control(element(iea, 2), "IEA02") != interchange.control_number:
        raise X12Error("control number does not match ISA13", "IEA02")
    if element(iea, 1) != str(len(interchange.groups)):
        raise X12Error(
            f"counts {element(iea, 1)} groups, not {len(interchange.groups)}", "IEA01"
        )


# ----------------------------------------------------------------------
# writing


def serialize(interchange, newline=True):
    """The text of an interchange, envelopes and counts computed."""
    d = interchange.delimiters
    d.check()
    segments = [_isa(interchange)]
    for group in interchange.groups:
        segments.append(
            [
                "GS",
                group.functional_code,
                group.sender,
                group.receiver,
                group.date or ("20" + interchange.date if interchange.date else ""),
                group.time or interchange.time,
                str(group.control_number),
                "X",
                group.version,
            ]
        )
        for transaction in group.transactions:
            segments.append(["ST", transaction.code, transaction.control_number])
            segments.extend(transaction.segments)
            segments.append(
                ["SE", str(len(transaction.segments) + 2), transaction.control_number]
            )
        segments.append(["GE", str(len(group.transactions)), str(group.control_number)])
    segments.append(
        ["IEA", str(len(interchange.groups)), "%09d" % interchange.control_number]
    )
    for segment in segments[1:]:  # the ISA carries the delimiters themselves
        for value in segment:
            _check_value(value, d, segment[0])
    terminator = d.segment + ("\n" if newline else "")
    return terminator.join(d.element.join(s) for s in segments) + terminator


def _isa(interchange):
    d = interchange.delimiters
    values = [
        "00",
        "",
        "00",
        "",
        interchange.sender_qualifier,
        interchange.sender,
        interchange.receiver_qualifier,
        interchange.receiver,
        interchange.date,
        interchange.time,
        # Before 00402 the 11th element is the standards identifier U.
        d.repetition if interchange.version >= "00402" else "U",
        interchange.version,
        "%09d" % interchange.control_number,
        interchange.ack_requested,
        interchange.usage,
        d.component,
    ]
    padded = []
    for value, width in zip(values, ISA_WIDTHS, strict=True):
        if len(value) > width:
            raise X12Error(f"{value!r} is longer than {width} characters", "ISA")
        padded.append(value.ljust(width))
    return ["ISA", *padded]


def _check_value(value, delimiters, segment_id):
    for char in (delimiters.element, delimiters.segment, delimiters.component):
        if char in value:
            raise X12Error(
                f"value {value!r} contains the delimiter {char!r}", segment_id
            )


def clean(value, length=None, delimiters=Delimiters()):
    """Free text fit for an element: no delimiter, upper case, cut."""
    text = str(value or "")
    for char in (
        delimiters.element,
        delimiters.component,
        delimiters.segment,
        delimiters.repetition,
    ):
        text = text.replace(char, " ")
    text = " ".join(text.split()).upper()
    return text[:length] if length else text
