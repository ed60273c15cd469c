"""EDI files of a carrier endpoint, X12 or EDIFACT: the tender file Odoo
writes for a shipment, and what a file from the carrier holds, one item per
transaction set, in the suite's canonical shapes:

* a 990 (or an accepted/declined IFTSTA-less tender) becomes a
  ``tms.event.v1`` ``tender.accepted`` / ``tender.declined`` event that also
  carries the carrier's reference;
* a 214 / IFTSTA becomes its status events;
* a 210 / INVOIC a freight invoice;
* a 997 / CONTRL an acknowledgement of what Odoo sent.

Every item has a key that is the same for the same set sent twice (the
sender, the interchange and group control numbers, the set's own): the
message log refuses a duplicate by it. Pure Python: tested in
``tests/unit/test_edi.py``.
"""

from dataclasses import dataclass

from . import edifact, x12, x12_sets

X12, EDIFACT = "x12", "edifact"
STANDARDS = (X12, EDIFACT)
EVENTS, INVOICE, ACKNOWLEDGEMENT = "events", "invoice", "acknowledgement"
TENDER_PURPOSES = {"release": "00", "cancel": "01", "amend": "04"}


class EdiError(ValueError):
    """A file that cannot be read; ``segment`` names where."""

    def __init__(self, message, segment=None):
        super().__init__(message)
        self.segment = segment


@dataclass(frozen=True)
class Parties:
    """Who trades: our interchange id, the carrier's, and its SCAC."""

    ours: str
    theirs: str
    scac: str = ""
    qualifier: str = "ZZ"


@dataclass(frozen=True)
class Item:
    """One transaction set of a carrier's file, read."""

    kind: str
    key: str
    content: object  # events (list), invoice (dict) or acknowledgement (dict)


def tender_file(standard, document, parties, control, when, *, operation="release"):
    """``(file name, text)`` of the tender of a canonical shipment document."""
    reference = document["reference"]
    if standard == X12:
        transaction = x12_sets.load_tender(
            document, parties.scac, 1, purpose=TENDER_PURPOSES[operation]
        )
        text = _x12_text(parties, control, when, "SM", [transaction])
        return f"204-{reference}-{control:09d}.x12", text
    if standard == EDIFACT:
        segments = edifact.transport_instruction(document, when)
        text = edifact.serialize(
            parties.ours, parties.theirs, control, [("IFTMIN", "1", segments)], when
        )
        return f"IFTMIN-{reference}-{control:09d}.edifact", text
    raise EdiError(f"unknown EDI standard {standard!r}")


def _x12_text(parties, control, when, functional_code, transactions):
    """One interchange from us to the partner holding one functional group;
    the interchange and the group share the control number."""
    group = x12.Group(
        functional_code,
        parties.ours,
        parties.theirs,
        control,
        date=when.strftime("%Y%m%d"),
        time=when.strftime("%H%M"),
        transactions=transactions,
    )
    interchange = x12.Interchange(
        parties.qualifier,
        parties.ours,
        parties.qualifier,
        parties.theirs,
        control,
        date=when.strftime("%y%m%d"),
        time=when.strftime("%H%M"),
        groups=[group],
    )
    return x12.serialize(interchange)


def read_file(standard, text, local_zone=None):
    """The :class:`Item` of each transaction set of a carrier's file."""
    try:
        if standard == X12:
            return _read_x12(text, local_zone)
        if standard == EDIFACT:
            return _read_edifact(text)
    except x12.X12Error as err:
        raise EdiError(str(err), err.segment) from err
    except edifact.EdifactError as err:
        raise EdiError(str(err), err.segment) from err
    raise EdiError(f"unknown EDI standard {standard!r}")


def _read_x12(text, local_zone):
    interchange = x12.parse(text)
    items = []
    for group in interchange.groups:
        for transaction in group.transactions:
            key = "x12/%s/%s/%s/%s" % (
                interchange.sender,
                interchange.control_number,
                group.control_number,
                transaction.control_number,
            )
            items.append(_x12_item(transaction, key, interchange.sender, local_zone))
    return items


def _x12_item(transaction, key, sender, local_zone):
    code = transaction.code
    if code == "990":
        answer = x12_sets.tender_response(transaction)
        return Item(EVENTS, key, [tender_event(answer, key, transaction)])
    if code == "214":
        return Item(
            EVENTS, key, x12_sets.status_events(transaction, sender, local_zone)
        )
    if code == "210":
        return Item(INVOICE, key, x12_sets.freight_invoice(transaction))
    if code == "997":
        return Item(ACKNOWLEDGEMENT, key, x12_sets.acknowledged(transaction))
    raise EdiError(f"transaction set {code} is not one a carrier sends", "ST01")


def tender_event(answer, key, transaction=None):
    """The canonical event of a tender response: accepted or declined, with
    the carrier's reference (which the shipment learns from it)."""
    accepted = answer["accepted"]
    carrier_reference = answer["carrier_reference"] or answer["reference"]
    date = element_date(transaction) if transaction is not None else None
    return {
        "event_id": key,
        "event_type": "tender.accepted" if accepted else "tender.declined",
        "occurred_at": date or answer.get("occurred_at"),
        "aggregate": {"type": "shipment", "id": carrier_reference},
        "data": {
            "shipment_id": carrier_reference,
            "external_reference": answer["reference"],
            "status_code": "TA" if accepted else "TD",
            "reason": answer.get("reason"),
        },
    }


def element_date(transaction):
    """RFC 3339 midnight UTC of a 990's B1 date (the day it answered)."""
    b1 = transaction.first("B1")
    date = x12.element(b1, 3) if b1 else ""
    if len(date) != 8 or not date.isdigit():
        raise EdiError(f"B103 date {date!r} is not CCYYMMDD", "B103")
    return f"{date[:4]}-{date[4:6]}-{date[6:]}T00:00:00Z"


def _read_edifact(text):
    header, messages = edifact.parse(text)
    items = []
    for identifier, reference, segments in messages:
        key = "edifact/%s/%s/%s" % (header["sender"], header["reference"], reference)
        if identifier == "IFTSTA":
            items.append(
                Item(EVENTS, key, edifact.status_events(segments, header["sender"]))
            )
        elif identifier == "INVOIC":
            items.append(Item(INVOICE, key, edifact.freight_invoice(segments)))
        elif identifier == "CONTRL":
            items.append(Item(ACKNOWLEDGEMENT, key, edifact.acknowledged(segments)))
        else:
            raise EdiError(f"message {identifier} is not one a carrier sends", "UNH")
    return items


def invoice_payload(invoice, scac, default_currency):
    """The canonical carrier invoice (``freight.invoice.v1`` of freight
    settlement) of a 210 / INVOIC: every line on the shipment it names."""
    reference = invoice["reference"] or invoice.get("carrier_reference")
    if not reference:
        raise EdiError("the invoice names no shipment (N9 / RFF)", "N9")
    return {
        "invoice_number": invoice["number"],
        "invoice_date": invoice["date"],
        "carrier": {"scac": scac or None},
        "currency": invoice["currency"] or default_currency,
        "total_amount": invoice["total"],
        "lines": [
            {
                "shipment_reference": reference,
                "code": line["code"],
                "description": line["description"],
                "amount": line["amount"],
            }
            for line in invoice["lines"]
        ],
    }


def acknowledgement_payload(standard, acknowledgement):
    """What an acknowledgement says, the same shape for 997 and CONTRL: the
    control number of what it acknowledges and whether it was accepted."""
    if standard == X12:
        control = acknowledgement["group"]
    else:
        control = int(acknowledgement["reference"])
    return {
        "standard": standard,
        "control_number": control,
        "accepted": acknowledgement["accepted"],
    }


def receipt_summary(standard, text):
    """What an acknowledgement of a carrier's file answers (JSON-able): its
    groups and sets (X12) or its interchange and messages (EDIFACT), the
    acknowledgements themselves left out. None: nothing to acknowledge."""
    if standard == X12:
        interchange = x12.parse(text)
        groups = [
            {
                "code": group.functional_code,
                "control": group.control_number,
                "sets": [[t.code, t.control_number] for t in group.transactions],
            }
            for group in interchange.groups
            if group.functional_code != x12_sets.FUNCTIONAL_CODES["997"]
        ]
        return {"standard": X12, "groups": groups} if groups else None
    header, messages = edifact.parse(text)
    answered = [[i, r] for i, r, _segments in messages if i != "CONTRL"]
    if not answered:
        return None
    return {"standard": EDIFACT, "interchange": header, "messages": answered}


def acknowledgement_file(summary, parties, control, when):
    """``(file name, text)`` of the 997 / CONTRL answering a received file."""
    if summary["standard"] == X12:
        transactions = []
        for index, group in enumerate(summary["groups"], start=1):
            received = x12.Group(
                group["code"],
                parties.theirs,
                parties.ours,
                group["control"],
                transactions=[x12.Transaction(c, n) for c, n in group["sets"]],
            )
            ack = x12_sets.acknowledgement(received)
            ack.control_number = "%04d" % index
            transactions.append(ack)
        text = _x12_text(parties, control, when, "FA", transactions)
        return f"997-{control:09d}.x12", text
    messages = [(i, r, []) for i, r in summary["messages"]]
    segments = edifact.acknowledgement(summary["interchange"], messages)
    text = edifact.serialize(
        parties.ours, parties.theirs, control, [("CONTRL", "1", segments)], when
    )
    return f"CONTRL-{control:09d}.edifact", text
