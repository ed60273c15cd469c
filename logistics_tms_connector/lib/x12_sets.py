"""The X12 transportation sets a carrier exchanges with the suite, version
004010: 204 load tender (out), 990 tender response, 214 shipment status and
210 freight invoice (in), 997 functional acknowledgement (both ways).

Writers take the suite's canonical shipment document (``schemas/
shipment.v1.json``); readers give canonical values: a 214 becomes
``tms.event.v1`` envelopes whose status code (AT7-01) goes through the same
milestone mapping as REST events, a 210 the lines of a carrier invoice for
freight settlement's charge-code mapping. Envelopes are in ``lib/x12.py``.
Pure Python: tested in ``tests/unit/test_x12_sets.py``.
"""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .x12 import Transaction, X12Error, clean, element

# X12 time codes (AT7-07, G62-05) and their offsets from UTC, in hours.
TIME_CODES = {
    "UT": 0,
    "GM": 0,
    "ET": -5,
    "ED": -4,
    "CT": -6,
    "CD": -5,
    "MT": -7,
    "MD": -6,
    "PT": -8,
    "PD": -7,
    "LT": None,  # local time: the shipment's own zone
}
FUNCTIONAL_CODES = {"204": "SM", "990": "GF", "214": "QM", "210": "IM", "997": "FA"}
TENDER_ACCEPTED = "A"
TENDER_DECLINED = "D"
EVENT_TYPES = {
    "D1": "shipment.delivered",
    "CA": "shipment.cancelled",
    "SD": "shipment.exception",
    "A7": "shipment.exception",
    "AH": "shipment.exception",
    "A3": "shipment.exception",
    "AG": "shipment.eta_changed",
    "CR": "carrier.assigned",
}


def _date(moment):
    return moment.strftime("%Y%m%d")


def _time(moment):
    return moment.strftime("%H%M")


def _window_segments(qualifiers, window):
    """G62 date/time segments of a window (``{"start", "end"}``, ISO 8601)."""
    if not window:
        return []
    segments = []
    for qualifier, key in zip(qualifiers, ("start", "end"), strict=True):
        moment = datetime.fromisoformat(window[key]).astimezone(timezone.utc)
        segments.append(["G62", qualifier, _date(moment), "1", _time(moment), "UT"])
    return segments


def _party_segments(code, party):
    return [
        ["N1", code, clean(party.get("name"), 60)],
        ["N3", clean(party.get("street"), 55) or "-"],
        [
            "N4",
            clean(party.get("city"), 30),
            clean(party.get("state"), 2),
            clean(party.get("zip"), 15),
            clean(party.get("country_code"), 3),
        ],
    ]


def load_tender(document, scac, control_number, purpose="00"):
    """The 204 of a canonical shipment document; ``purpose`` 00 original,
    01 cancellation, 04 change."""
    totals = document.get("totals") or {}
    segments = [
        ["B2", "", clean(scac, 4), "", clean(document["reference"], 30), "", "PP"],
        ["B2A", purpose],
        ["L11", clean(document.get("order_reference"), 30), "PO"],
    ]
    if document.get("customer_po"):
        segments.append(["L11", clean(document["customer_po"], 30), "CR"])
    segments.append(["S5", "1", "CL"])
    segments += _window_segments(("37", "38"), document.get("requested_pickup_window"))
    segments += _party_segments("SH", document["shipper"])
    segments.append(["S5", "2", "CU"])
    segments += _window_segments(
        ("53", "54"), document.get("requested_delivery_window")
    )
    segments += _party_segments("CN", document["consignee"])
    for index, item in enumerate(document.get("items") or [], start=1):
        segments.append(["LX", str(index)])
        segments.append(["L5", str(index), clean(item.get("description"), 50)])
        if item.get("hazardous") and item.get("un_number"):
            segments.append(["LH1", "EA", "1", clean(item["un_number"], 6)])
    segments.append(
        [
            "L3",
            "%.1f" % (totals.get("weight_kg") or 0.0),
            "G",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            str(totals.get("package_count") or 0),
        ]
    )
    return Transaction("204", "%04d" % control_number, segments)


def tender_response(transaction):
    """``{"reference", "carrier_reference", "accepted", "reason"}`` of a 990."""
    _expect(transaction, "990")
    b1 = transaction.first("B1")
    if not b1:
        raise X12Error("a 990 needs its B1 segment", "B1")
    action = element(b1, 4)
    if action not in (TENDER_ACCEPTED, TENDER_DECLINED):
        raise X12Error(f"reservation action {action!r} is neither A nor D", "B104")
    k1 = transaction.first("K1")
    return {
        "reference": element(b1, 2),
        "carrier_reference": element(transaction.first("N9") or [], 2) or None,
        "accepted": action == TENDER_ACCEPTED,
        "reason": element(k1, 1) if k1 else None,
    }


def status_events(transaction, sender, local_zone=None):
    """The canonical ``tms.event.v1`` envelopes of a 214: one per AT7."""
    _expect(transaction, "214")
    b10 = transaction.first("B10")
    if not b10:
        raise X12Error("a 214 needs its B10 segment", "B10")
    reference, carrier_reference = element(b10, 1), element(b10, 2)
    events, location = [], None
    for segment in transaction.segments:
        if segment[0] == "MS1":
            location = {
                "city": element(segment, 1) or None,
                "state": element(segment, 2) or None,
                "country_code": element(segment, 3) or None,
            }
        if segment[0] != "AT7":
            continue
        code = element(segment, 1) or element(segment, 3)
        if not code:
            raise X12Error("AT7 has no status code", "AT701")
        occurred = _moment(
            element(segment, 5), element(segment, 6), element(segment, 7), local_zone
        )
        data = {
            "shipment_id": carrier_reference or reference,
            "external_reference": reference or None,
            "status_code": code,
            "reason_code": element(segment, 2) or element(segment, 4) or None,
        }
        if element(segment, 7) == "LT" and local_zone:
            data["timezone"] = local_zone
        if location:
            data["location"] = location
        events.append(
            {
                "event_id": "x12-214-%s-%s-%s-%s"
                % (clean(sender), carrier_reference or reference, code, occurred),
                "event_type": EVENT_TYPES.get(code, "shipment.milestone"),
                "occurred_at": occurred,
                "aggregate": {"type": "shipment", "id": carrier_reference or reference},
                "data": data,
            }
        )
    if not events:
        raise X12Error("a 214 without any AT7 status", "AT7")
    return events


def _moment(date, time, code, local_zone=None):
    """RFC 3339 of an X12 date (CCYYMMDD), time (HHMM[SS]) and time code;
    local time (LT) is in ``local_zone`` (IANA), else UTC."""
    try:
        naive = datetime.strptime(date + (time or "0000")[:4], "%Y%m%d%H%M")
    except ValueError:
        raise X12Error(
            f"date {date!r} time {time!r} is not CCYYMMDD HHMM", "AT705"
        ) from None
    if code not in TIME_CODES:
        raise X12Error(f"unknown time code {code!r}", "AT707")
    offset = TIME_CODES[code]
    if offset is not None:
        zone = timezone(timedelta(hours=offset))
    else:
        try:
            zone = ZoneInfo(local_zone) if local_zone else timezone.utc
        except (ZoneInfoNotFoundError, ValueError):
            raise X12Error(f"unknown time zone {local_zone!r}", "AT707") from None
    return naive.replace(tzinfo=zone).isoformat()


def freight_invoice(transaction):
    """``{"number", "reference", "carrier_reference", "date", "currency",
    "total", "lines": [{"code", "description", "amount"}]}`` of a 210."""
    _expect(transaction, "210")
    b3 = transaction.first("B3")
    if not b3:
        raise X12Error("a 210 needs its B3 segment", "B3")
    lines = []
    for l1 in transaction.find("L1"):
        amount = _amount(element(l1, 4), "L104")
        lines.append(
            {
                "code": element(l1, 8) or "400",
                "description": element(l1, 12) or None,
                "amount": amount,
            }
        )
    total = _amount(element(b3, 7), "B307")
    if round(sum(line["amount"] for line in lines), 2) != total:
        raise X12Error(
            f"lines add up to {sum(line['amount'] for line in lines):.2f}, "
            f"not the invoice's {total:.2f}",
            "B307",
        )
    c3 = transaction.first("C3")
    n9 = transaction.first("N9")
    return {
        "number": element(b3, 2),
        "reference": element(n9, 2) if n9 else None,
        "carrier_reference": element(b3, 3) or None,
        "date": datetime.strptime(element(b3, 6), "%Y%m%d").date().isoformat(),
        "currency": element(c3, 1) if c3 else None,
        "total": total,
        "lines": lines,
    }


def _amount(value, where):
    """X12 amounts (N2) are in cents without a decimal point."""
    try:
        return round(int(value) / 100, 2)
    except (TypeError, ValueError):
        raise X12Error(
            f"amount {value!r} is not a whole number of cents", where
        ) from None


def acknowledgement(group, accepted=True, errors=None):
    """The 997 acknowledging a received functional group; ``errors`` maps a
    set's control number to the reason it is rejected."""
    errors = errors or {}
    segments = [["AK1", group.functional_code, str(group.control_number)]]
    for transaction in group.transactions:
        rejected = transaction.control_number in errors
        segments.append(["AK2", transaction.code, transaction.control_number])
        segments.append(["AK5", "R" if rejected else "A"])
    received = len(group.transactions)
    accepted_sets = received - len(
        [t for t in group.transactions if t.control_number in errors]
    )
    if not accepted or (accepted_sets == 0 and received):
        code = "R"
    elif accepted_sets < received:
        code = "P"
    else:
        code = "A"
    segments.append(["AK9", code, str(received), str(received), str(accepted_sets)])
    return Transaction("997", "0001", segments)


def acknowledged(transaction):
    """``{"group", "code", "accepted", "sets": {control: "A"|"R"}}`` of a 997."""
    _expect(transaction, "997")
    ak1, ak9 = transaction.first("AK1"), transaction.first("AK9")
    if not (ak1 and ak9):
        raise X12Error("a 997 needs AK1 and AK9", "AK1")
    sets, current = {}, None
    for segment in transaction.segments:
        if segment[0] == "AK2":
            current = element(segment, 2)
        elif segment[0] == "AK5" and current:
            sets[current] = element(segment, 1)
    return {
        "group": int(element(ak1, 2)),
        "code": element(ak1, 1),
        "accepted": element(ak9, 1) in ("A", "E", "P"),
        "sets": sets,
    }


def _expect(transaction, code):
    if transaction.code != code:
        raise X12Error(f"expected a {code}, got a {transaction.code}", "ST01")
