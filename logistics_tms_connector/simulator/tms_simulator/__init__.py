"""TMS simulator: a real peer process speaking the suite's TMS protocol.

It plays the Transportation Management System that ``logistics_tms_connector``
talks to, in tests and demos:

* a JSON REST API under ``/api/v1`` to release, amend, cancel and read
  shipments and to poll the event feed;
* a SOAP 1.1 document/literal endpoint ``POST /soap`` described by
  ``../../data/tms.wsdl`` (served at ``GET /soap/tms.wsdl`` with this URL);
* HMAC-SHA256 signed webhooks, posted by a background worker with retries;
* idempotency keys (``Idempotency-Key`` header, or a SOAP header element): a
  repeated call is answered with its first answer, never applied twice;
* a control API under ``/_control`` for tests: fault injection (also a lost
  answer: ``drop_response`` applies the call, then drops the connection), webhook
  options, scenarios, manual advance, request log and reset;
* optionally, a ``freight.charges`` event after the delivery (scenario option
  ``charges_event``) and a settlement endpoint that records the invoice
  references Odoo sends back.

Every released shipment runs a timeline of events (tender accepted, carrier
assigned, milestones, delivered with a proof of delivery) emitted one by one,
``--step-delay`` seconds apart. PROTOCOL.md next to this package documents the
wire protocol. Only the Python standard library is used::

    PYTHONPATH=logistics_tms_connector/simulator python -m tms_simulator --port 8765

The package: ``protocol`` (paths, headers, errors, validation), ``timelines``
(the events of a shipment), ``options`` (control API options), ``soap``,
``webhooks``, ``state`` (the :class:`Simulator`), ``app`` (HTTP application
and server) and ``cli`` (``__main__``).
"""

from .app import Application, SimulatorServer
from .cli import build_simulator, loopback_host, main, parse_args
from .options import Fault, ScenarioOptions, WebhookOptions
from .protocol import ApiError, validate_settlement, validate_shipment
from .state import Simulator
from .timelines import build_pod_pdf, default_charges
from .webhooks import compute_signature, webhook_headers

__all__ = [
    "ApiError",
    "Application",
    "Fault",
    "ScenarioOptions",
    "Simulator",
    "SimulatorServer",
    "WebhookOptions",
    "build_pod_pdf",
    "build_simulator",
    "compute_signature",
    "default_charges",
    "loopback_host",
    "main",
    "parse_args",
    "validate_settlement",
    "validate_shipment",
    "webhook_headers",
]
