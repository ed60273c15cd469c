"""External freight charge codes (TMS, carrier invoices) and the suite's types.

Carriers and TMSs name charges with ANSI X12 codes: in a 210 *Motor Carrier
Freight Details and Invoice*, segment ``L1`` element 08 carries a *Special
Charge or Allowance Code* (X12 data element 150), and bills of lading use the
*Bill of Lading Charge Code* (element 1602). The default table below maps the
codes the suite meets most to its charge types; each TMS endpoint or carrier may
add or override codes in *Freight > Configuration > Charge Codes*.

====  ============================  ===================  ======================
code  meaning                       list                 charge type
====  ============================  ===================  ======================
400   Freight                       element 150          ``BASE`` base freight
FUE   Fuel charge                   element 150          ``FUEL`` fuel surcharge
FSC   Fuel surcharge                element 1602         ``FUEL``
LFT   Lift gate (truck) service     element 150          ``TAIL_LIFT`` tail-lift
DET   Detention of trailer          element 1602         ``DETENTION``
DEP   Detention of power unit       element 1602         ``DETENTION``
RES   Residential delivery          element 1602 / 150   ``RESIDENTIAL``
RDL   Redelivery                    carriers' 210 guides ``REDELIVERY``
WTT   Waiting time                  suite code (no X12   ``WAITING``
                                    code of its own)
====  ============================  ===================  ======================

Carriers' 210 implementation guides differ: check a carrier's guide and add
its codes to the table rather than editing these defaults.
"""

import re

CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9_.-]{0,15}")

BASE = "BASE"
FUEL = "FUEL"
TAIL_LIFT = "TAIL_LIFT"
DETENTION = "DETENTION"
RESIDENTIAL = "RESIDENTIAL"
REDELIVERY = "REDELIVERY"
WAITING = "WAITING"

DEFAULT_CODES = {
    "400": BASE,
    "FUE": FUEL,
    "FSC": FUEL,
    "LFT": TAIL_LIFT,
    "DET": DETENTION,
    "DEP": DETENTION,
    "RES": RESIDENTIAL,
    "RDL": REDELIVERY,
    "WTT": WAITING,
}


class UnknownChargeCode(ValueError):
    """Codes that no table maps; ``details`` locates each one."""

    def __init__(self, message, details):
        super().__init__(message)
        self.details = details


def normalize(code):
    """A code as stored and looked up: trimmed, upper case."""
    return (code or "").strip().upper()


def is_valid(code):
    """Whether ``code`` (normalized) has the shape of a charge code."""
    return bool(CODE_RE.fullmatch(normalize(code)))


def specificity(row, endpoint, carrier):
    """How specific a mapping row ``(endpoint, carrier)`` is; None if it does not
    apply. Endpoint and carrier (3) > endpoint (2) > carrier (1) > global (0)."""
    row_endpoint, row_carrier = row
    if row_endpoint is not None and row_endpoint != endpoint:
        return None
    if row_carrier is not None and row_carrier != carrier:
        return None
    return (2 if row_endpoint is not None else 0) + (
        1 if row_carrier is not None else 0
    )


def resolve(codes, rows, endpoint=None, carrier=None, where="/charges/%s/code"):
    """``{code: charge type}`` for every code, or raise :class:`UnknownChargeCode`.

    ``codes`` are the codes in payload order; ``rows`` maps a normalized code
    to ``[(endpoint, carrier, charge type), ...]``. ``where`` formats the JSON
    pointer of the code at a position, for the error's details.
    """
    found, details, unknown = {}, [], []
    for position, code in enumerate(codes):
        key = normalize(code)
        best = None
        for row_endpoint, row_carrier, charge_type in rows.get(key, ()):
            score = specificity((row_endpoint, row_carrier), endpoint, carrier)
            if score is not None and (best is None or score > best[0]):
                best = (score, charge_type)
        if best is None:
            details.append(
                {"pointer": where % position, "reason": "unknown charge code %r" % code}
            )
            unknown.append(repr(code))
        else:
            found[key] = best[1]
    if details:
        raise UnknownChargeCode(
            "Unknown charge code(s) %s: map them to a charge type first."
            % ", ".join(dict.fromkeys(unknown)),
            details,
        )
    return found


def line_keys(codes):
    """A stable key per charge line: its code, numbered when it repeats.

    ``["400", "FUE", "400"]`` gives ``["400", "FUE", "400#2"]``: a resent list
    updates the same charges instead of adding new ones.
    """
    seen, keys = {}, []
    for code in codes:
        key = normalize(code)
        seen[key] = seen.get(key, 0) + 1
        keys.append(key if seen[key] == 1 else "%s#%s" % (key, seen[key]))
    return keys
