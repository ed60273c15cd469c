"""TMS events in the canonical envelope (schemas/tms.event.v1.json), signed.

Each shipment walks the simulator's timeline (tender accepted ... arrived at
delivery), then keeps receiving ETA updates; every event carries an ETA, so
each one adds a milestone, sets the ETA and, while the timeline moves, the
status. Sequences and event times only grow per shipment, across scenarios,
so no event is stale unless a sender delivers it late.
"""

import collections
import importlib
import importlib.util
import itertools
import json
import sys
import threading
from datetime import datetime, timedelta, timezone

from .stack import REPO

TIMELINE = [
    ("tender.accepted", "TENDER_ACCEPTED"),
    ("carrier.assigned", "CARRIER_ASSIGNED"),
    ("shipment.milestone", "PICKUP_ARRIVED"),
    ("shipment.milestone", "PICKUP_DEPARTED"),
    ("shipment.milestone", "IN_TRANSIT"),
    ("shipment.eta_changed", "ETA_UPDATED"),
    ("shipment.milestone", "OUT_FOR_DELIVERY"),
    ("shipment.milestone", "DELIVERY_ARRIVED"),
]
AFTER_TIMELINE = ("shipment.eta_changed", "ETA_UPDATED")
STEP = timedelta(minutes=1)
ETA_AHEAD = timedelta(days=2)
HISTORY_START = timedelta(days=7)
LOCATION = {"name": "Bench hub", "city": "Antwerp", "country": "BE"}
# What an external client writing the same changes itself (the JSON-RPC
# baseline) must work out: the canonical milestone code of each simulator
# code (lib/milestones.py DEFAULT_TMS_CODES) and the status each step leads to.
CANONICAL_CODE = {
    "TENDER_ACCEPTED": "TA",
    "CARRIER_ASSIGNED": "CR",
    "PICKUP_ARRIVED": "X3",
    "PICKUP_DEPARTED": "AF",
    "IN_TRANSIT": "X6",
    "ETA_UPDATED": "AG",
    "OUT_FOR_DELIVERY": "OD",
    "DELIVERY_ARRIVED": "X1",
}
TIMELINE_STATUS = [
    "accepted",
    "carrier_assigned",
    "carrier_assigned",
    "picked_up",
    "in_transit",
    "in_transit",
    "out_for_delivery",
    "out_for_delivery",
]


def load_signature():
    """The suite's own signing helper (logistics_integration_base/lib/signature.py).

    Its package is loaded under a private name, without Odoo: the library is
    plain Python.
    """
    name = "_bench_logistics_lib"
    if name not in sys.modules:
        folder = REPO / "logistics_integration_base" / "lib"
        spec = importlib.util.spec_from_file_location(
            name, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return importlib.import_module(name + ".signature")


def rfc3339(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def reference(number):
    """The TMS reference of bulk shipment ``number`` (see seed.py)."""
    return "BENCH-%07d" % number


def shipment_name(tms_reference):
    """Odoo's reference of a bulk shipment: BENCH-0000042 -> BSH-0000042.

    (No slash: the reference is a path segment of GET /shipments/{ref}.)
    """
    return "BSH-" + tms_reference.rsplit("-", 1)[1]


class EventFactory:
    """Events for shipments BENCH-<n>, round robin, with per-shipment order.

    Thread-safe: senders may build their batches concurrently.
    """

    def __init__(self, references, run_tag):
        self.references = list(references)
        self.run_tag = run_tag
        self.steps = collections.Counter()
        self.base = datetime.now(timezone.utc).replace(microsecond=0) - HISTORY_START
        self._cursor = itertools.cycle(range(len(self.references)))
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    def event(self, reference, scenario):
        with self._lock:
            step = self.steps[reference]
            self.steps[reference] = step + 1
            serial = next(self._serial)
        event_type, status_code = (
            TIMELINE[step] if step < len(TIMELINE) else AFTER_TIMELINE
        )
        occurred = self.base + step * STEP
        return {
            "event_id": "%s-%s-%08d" % (self.run_tag, scenario, serial),
            "event_type": event_type,
            "occurred_at": rfc3339(occurred),
            "sequence": step,
            "aggregate": {"type": "shipment", "id": reference},
            "data": {
                "shipment_id": reference,
                "status_code": status_code,
                "timezone": "Europe/Brussels",
                "location": LOCATION,
                "eta": rfc3339(occurred + ETA_AHEAD + step * STEP),
            },
        }

    def batch(self, count, scenario):
        """The next ``count`` events, each for the next shipment in the cycle."""
        with self._lock:
            chosen = [self.references[next(self._cursor)] for _n in range(count)]
        return [self.event(ref, scenario) for ref in chosen]

    def for_references(self, references, scenario):
        """One event for each of ``references`` (continuing their timelines)."""
        return [self.event(ref, scenario) for ref in references]


def client_changes(event):
    """The writes an external client makes for ``event`` itself (baseline (a)).

    The status only when the event's step moves it, as the connector decides.
    """
    step = event["sequence"]
    data = event["data"]
    vals = {"eta": data["eta"].replace("T", " ").rstrip("Z")}
    if step < len(TIMELINE_STATUS):
        previous = TIMELINE_STATUS[step - 1] if step else "released"
        if TIMELINE_STATUS[step] != previous:
            vals["status"] = TIMELINE_STATUS[step]
    milestone = {
        "code": CANONICAL_CODE[data["status_code"]],
        "tms_code": data["status_code"],
        "event_time": event["occurred_at"].replace("T", " ").rstrip("Z"),
        "timezone": data["timezone"],
        "location": ", ".join(LOCATION.values()),
    }
    return vals, milestone


class Signer:
    """Body bytes and the two webhook headers, signed with the endpoint's secret."""

    def __init__(self, secret):
        self.secret = secret
        self._signature = load_signature()

    def request(self, payload):
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        headers.update(self._signature.signed_headers(self.secret, body))
        return body, headers
