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


def load_lib(addon, module):
    """A plain-Python module of an addon's ``lib`` package, loaded without Odoo.

    The package is loaded under a private name (``_bench_<addon>_lib``): the
    suite's libraries import nothing from Odoo.
    """
    name = "_bench_%s_lib" % addon
    if name not in sys.modules:
        folder = REPO / addon / "lib"
        spec = importlib.util.spec_from_file_location(
            name, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules[name] = package
        spec.loader.exec_module(package)
    return importlib.import_module("%s.%s" % (name, module))


# What an external client writing the same changes itself (the JSON-RPC
# baseline) must work out, with the connector's own rules: the canonical
# milestone code of each simulator code and the status each step leads to.
MILESTONES = load_lib("logistics_tms_connector", "milestones")


def timeline_statuses():
    """The shipment status after each step of TIMELINE, from a released one."""
    status, statuses = MILESTONES.STATUS_RELEASED, []
    for _event_type, tms_code in TIMELINE:
        code = MILESTONES.DEFAULT_TMS_CODES[tms_code]
        status = MILESTONES.next_status(status, code) or status
        statuses.append(status)
    return statuses


TIMELINE_STATUS = timeline_statuses()


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
        "code": MILESTONES.DEFAULT_TMS_CODES[data["status_code"]],
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
        self._signature = load_lib("logistics_integration_base", "signature")

    def request(self, payload):
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        headers.update(self._signature.signed_headers(self.secret, body))
        return body, headers
