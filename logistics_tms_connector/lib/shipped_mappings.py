"""The JSONata mappings shipped with the connector: the simulator protocol.

One file per (protocol, operation) in ``lib/mappings/``; an endpoint without
a mapping of its own for an operation uses these. Release and amendment send
the same shipment payload.
"""

import functools
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "mappings"
OUTBOUND_OPERATIONS = ("release", "amend", "cancel", "redeliver")
FILES = {
    ("rest", "release"): "shipment_rest.jsonata",
    ("rest", "amend"): "shipment_rest.jsonata",
    ("rest", "cancel"): "cancel_rest.jsonata",
    ("rest", "redeliver"): "redeliver_rest.jsonata",
    ("soap", "release"): "shipment_soap.jsonata",
    ("soap", "amend"): "shipment_soap.jsonata",
}
# The simulator protocol's REST operations: HTTP method, path template (under
# the endpoint's base URL; {reference} is the TMS's id of the shipment) and
# where the answer holds the TMS's id, status and error (JSONata on its body).
REST_OPERATIONS = {
    "release": {
        "method": "POST",
        "path": "shipments",
        "id": "shipmentId",
        "status": "status",
        "error": None,
    },
    "amend": {
        "method": "PUT",
        "path": "shipments/{reference}",
        "id": None,
        "status": "status",
        "error": None,
    },
    "cancel": {
        "method": "POST",
        "path": "shipments/{reference}/cancel",
        "id": None,
        "status": "status",
        "error": None,
    },
    "redeliver": {
        "method": "POST",
        "path": "shipments/{reference}/redelivery",
        "id": None,
        "status": "status",
        "error": None,
    },
}
# Inbound examples (not applied unless an endpoint uses them).
EXAMPLES = {"inbound_nested_epoch": "example_inbound_nested.jsonata"}


@functools.cache
def _read(name):
    return (FOLDER / name).read_text(encoding="utf-8")


def has(protocol, operation):
    """Whether the connector ships a mapping for ``operation`` on ``protocol``."""
    return (protocol, operation) in FILES


def expression(protocol, operation):
    """The shipped JSONata expression of ``operation`` on ``protocol``.

    :raises KeyError: if none is shipped (e.g. SOAP cancel: no body)
    """
    return _read(FILES[(protocol, operation)])


def example(name):
    """A shipped example mapping, by its name in EXAMPLES."""
    return _read(EXAMPLES[name])
