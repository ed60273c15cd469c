"""The simulator's state: shipments, events, faults, options, request log."""

import logging
import queue
import random
import threading
import time
from collections import deque
from dataclasses import asdict, replace

from .options import SCENARIO_FIELDS, WEBHOOK_FIELDS, parse_changes
from .protocol import (
    EVENT_ID_FORMAT,
    HTTP_CONFLICT,
    HTTP_MULTIPLE_CHOICES,
    HTTP_NOT_FOUND,
    HTTP_OK,
    HTTP_UNPROCESSABLE,
    REPLAYED_HEADER,
    REQUEST_LOG_SIZE,
    SHIPMENT_ID_FORMAT,
    ApiError,
    _conflict,
    _invalid,
    iso_z,
    utc_now,
    validate_appointment,
    validate_master_data,
    validate_settlement,
    validate_shipment,
)
from .soap import load_wsdl
from .timelines import (
    APPOINTMENT_CODES,
    APPOINTMENT_EVENT,
    APPOINTMENT_PROPOSAL_SHIFT,
    APPOINTMENT_REJECTION,
    CANCELLED,
    DELIVERED,
    DELIVERY_ATTEMPTED,
    EXTRA_DATA,
    PICKUP_DEPARTED,
    REDELIVERY_TIMELINES,
    STATUS_NEUTRAL_CODES,
    TENDER_DECLINED,
    Shipment,
    _base_data,
)
from .webhooks import IDLE_WAIT, JOIN_TIMEOUT, WebhookWorker

_logger = logging.getLogger("tms_simulator")


class Simulator:
    """Shipments, events, faults, options and request log, under one lock.

    A scheduler thread advances the timelines; a :class:`WebhookWorker`
    delivers the events it is handed through an outbox queue.
    """

    def __init__(self, webhook, scenario, api_key=None, id_prefix=""):
        self.api_key = api_key
        # Ids are unique per run of the simulator; a prefix keeps them unique
        # across runs that talk to the same Odoo database.
        self.id_prefix = id_prefix
        self.wsdl_text = None
        self._defaults = (webhook, scenario)
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._stopping = False
        self._outbox = queue.Queue()
        self.generation = 0
        self._webhook = replace(webhook)
        self._scenario = replace(scenario)
        self._shipments = {}
        self._by_reference = {}
        self._events = []
        self._faults = deque()
        self._requests = deque(maxlen=REQUEST_LOG_SIZE)
        # Idempotency-Key -> (request fingerprint, first 2xx answer); a lock per
        # key makes concurrent calls with one key wait for the first.
        self._answers = {}
        self._key_locks = {}
        self._master_data = {}
        self._reset_locked()
        self._scheduler = threading.Thread(
            target=self._run_scheduler, name="tms-timeline", daemon=True
        )
        self._worker = WebhookWorker(self, self._outbox)

    # Life cycle

    def start(self, base_url):
        self.wsdl_text = load_wsdl(base_url)
        self._scheduler.start()
        self._worker.start()

    def stop(self):
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify_all()
        self._worker.stop()
        self._scheduler.join(JOIN_TIMEOUT)
        self._worker.join(JOIN_TIMEOUT)

    def reset(self):
        with self._wakeup:
            self._reset_locked()
            self._wakeup.notify_all()
        _drain(self._outbox)
        self._worker.wake()
        _logger.info("state reset")

    def _reset_locked(self):
        self.generation += 1
        self._webhook = replace(self._defaults[0])
        self._scenario = replace(self._defaults[1])
        self._shipments.clear()
        self._by_reference.clear()
        self._events.clear()
        self._faults.clear()
        self._requests.clear()
        self._answers.clear()
        self._key_locks.clear()
        self._master_data.clear()

    # Shipments

    def release(self, payload, correlation_id):
        """Store a new shipment; return ``(created, shipment_id)``.

        A shipment whose tender was declined is tendered again under its id
        (a re-tender: a new timeline, the scenario's outcome of now).
        """
        validate_shipment(payload)
        reference = payload["externalReference"]
        with self._wakeup:
            known = self._by_reference.get(reference)
            if known and not self._declined_locked(known):
                return False, known
            previous = self._shipments.get(known)
            shipment = self._new_shipment_locked(payload, correlation_id, previous)
            self._wakeup.notify_all()
        _logger.info(
            "shipment %s %s for %s",
            shipment.shipment_id,
            "tendered again" if previous else "released",
            reference,
        )
        return True, shipment.shipment_id

    def _declined_locked(self, shipment_id):
        shipment = self._shipments[shipment_id]
        return (
            shipment.finished
            and not shipment.cancelled
            and shipment.status == TENDER_DECLINED.lower()
        )

    def _new_shipment_locked(self, payload, correlation_id, previous=None):
        if previous:
            shipment_id, tender = previous.shipment_id, previous.tender + 1
            # The new tender happens after everything the last one told.
            accepted_at = max(utc_now(), previous.last_occurred or utc_now())
        else:
            shipment_id, tender = (
                SHIPMENT_ID_FORMAT.format(self.id_prefix, len(self._shipments) + 1),
                1,
            )
            accepted_at = utc_now()
        scenario = self._scenario
        shipment = Shipment(
            shipment_id=shipment_id,
            external_reference=payload["externalReference"],
            payload=payload,
            correlation_id=correlation_id,
            outcome=scenario.outcome,
            accepted_at=accepted_at,
            rng=random.Random(
                f"{scenario.seed}:{shipment_id}" + (f":{tender}" if tender > 1 else "")
            ),
            next_due=time.monotonic() + scenario.step_delay,
            charges_event=scenario.charges_event,
            charges=scenario.charges,
            pickup_ratio=scenario.pickup_ratio,
            tender=tender,
            settlement=list(previous.settlement) if previous else [],
            damage_on_delivery=scenario.damage_on_delivery,
        )
        self._shipments[shipment_id] = shipment
        self._by_reference[shipment.external_reference] = shipment_id
        return shipment

    def amend(self, shipment_id, payload):
        validate_shipment(payload)
        with self._lock:
            shipment = self._get_locked(shipment_id)
            if shipment.cancelled:
                raise _conflict(shipment_id, "cancelled")
            if shipment.picked_up:
                raise _conflict(shipment_id, "picked up")
            if payload["externalReference"] != shipment.external_reference:
                raise _invalid(
                    f"externalReference cannot change "
                    f"(shipment {shipment_id} is {shipment.external_reference})"
                )
            shipment.payload = payload
        _logger.info("shipment %s amended", shipment_id)

    def redeliver(self, shipment_id, window, reason):
        """Plan a new delivery run after an attempted delivery (its timeline
        goes on: out for delivery, arrived, then the scenario's
        ``redelivery_outcome``)."""
        with self._wakeup:
            shipment = self._get_locked(shipment_id)
            if shipment.cancelled:
                raise _conflict(shipment_id, "cancelled")
            if not (
                shipment.finished and shipment.status == DELIVERY_ATTEMPTED.lower()
            ):
                raise ApiError(
                    HTTP_CONFLICT,
                    f"shipment {shipment_id} has no attempted delivery to redeliver",
                )
            outcome = self._scenario.redelivery_outcome
            shipment.redeliver(REDELIVERY_TIMELINES[outcome], window)
            shipment.next_due = time.monotonic() + self._scenario.step_delay
            self._wakeup.notify_all()
        _logger.info(
            "shipment %s: redelivery %s planned (%s)",
            shipment_id,
            shipment.redeliveries,
            reason or "no reason given",
        )

    def appointment(self, shipment_id, body):
        """Answer a delivery appointment request with an event, as the
        scenario's ``appointment_outcome`` says (a request for the slot last
        proposed is confirmed); refused (409) once the carrier picked the
        shipment up or it was cancelled."""
        window, details = validate_appointment(body)
        with self._wakeup:
            shipment = self._get_locked(shipment_id)
            if shipment.cancelled:
                raise _conflict(shipment_id, "cancelled")
            if shipment.picked_up:
                raise ApiError(
                    HTTP_CONFLICT,
                    f"shipment {shipment_id} already picked up: the appointment "
                    "cut-off is passed",
                )
            outcome = self._scenario.appointment_outcome
            slot = {key: iso_z(moment) for key, moment in window.items()}
            if shipment.proposal == slot:
                outcome = "confirm"
            data = _base_data(shipment, APPOINTMENT_CODES[outcome], shipment.last_stage)
            if outcome == "propose":
                slot = {
                    key: iso_z(moment + APPOINTMENT_PROPOSAL_SHIFT)
                    for key, moment in window.items()
                }
                shipment.proposal = slot
            if outcome == "reject":
                data["reason_code"], data["reason"] = APPOINTMENT_REJECTION
            else:
                data["appointment"] = {
                    **slot,
                    "dock": details["dock"],
                    "reference": details["reference"],
                }
            occurred = max(utc_now(), shipment.last_occurred or shipment.accepted_at)
            self._record_event_locked(shipment, APPOINTMENT_EVENT, occurred, data)
            self._wakeup.notify_all()
        _logger.info("shipment %s: appointment %s", shipment_id, outcome)
        return {"shipmentId": shipment_id, "status": APPOINTMENT_CODES[outcome].lower()}

    def cancel(self, shipment_id, reason):
        with self._lock:
            shipment = self._get_locked(shipment_id)
            if shipment.status == DELIVERED.lower():
                raise _conflict(shipment_id, "delivered")
            if shipment.cancelled:
                return
            shipment.cancelled = True
            shipment.status = CANCELLED.lower()
            shipment.next_due = None
            occurred = max(utc_now(), shipment.last_occurred or shipment.accepted_at)
            data = _base_data(shipment, CANCELLED, shipment.last_stage)
            data["reason"] = reason
            self._record_event_locked(shipment, "shipment.cancelled", occurred, data)
        _logger.info("shipment %s cancelled", shipment_id)

    def shipment_view(self, shipment_id):
        with self._lock:
            shipment = self._get_locked(shipment_id)
            return {
                "shipmentId": shipment.shipment_id,
                "externalReference": shipment.external_reference,
                "status": shipment.status,
                "payload": shipment.payload,
            }

    def record_settlement(self, shipment_id, body):
        """Store the invoice references Odoo sends for a shipment (by kind, number)."""
        invoices = validate_settlement(body)
        with self._lock:
            shipment = self._get_locked(shipment_id)
            known = {(i["kind"], i["number"]): i for i in shipment.settlement}
            for invoice in invoices:
                known[(invoice["kind"], invoice["number"])] = invoice
            shipment.settlement = list(known.values())
            recorded = list(shipment.settlement)
        _logger.info("shipment %s: %s invoice reference(s)", shipment_id, len(invoices))
        return {"shipmentId": shipment_id, "status": "recorded", "invoices": recorded}

    def record_master_data(self, kind, body):
        """Store (upsert by id) the locations or products Odoo sends."""
        records = validate_master_data(kind, body)
        with self._lock:
            known = self._master_data.setdefault(kind, {})
            for record in records:
                known[record["id"]] = record
            total = len(known)
        _logger.info("master data %s: %s record(s) received", kind, len(records))
        return {
            "kind": kind,
            "status": "recorded",
            "received": len(records),
            "total": total,
        }

    def master_data_view(self, kind):
        validate_master_data(kind, {"records": [{"id": "-"}]})
        with self._lock:
            return {
                "kind": kind,
                "records": list(self._master_data.get(kind, {}).values()),
            }

    def settlement_view(self, shipment_id):
        with self._lock:
            shipment = self._get_locked(shipment_id)
            return {"shipmentId": shipment_id, "invoices": list(shipment.settlement)}

    def shipments_view(self):
        with self._lock:
            return {
                shipment.shipment_id: {
                    "externalReference": shipment.external_reference,
                    "status": shipment.status,
                    "step": shipment.position,
                    "outcome": shipment.outcome,
                    "payload": shipment.payload,
                    "tender": shipment.tender,
                    "redeliveries": shipment.redeliveries,
                }
                for shipment in self._shipments.values()
            }

    def _get_locked(self, shipment_id):
        shipment = self._shipments.get(shipment_id)
        if shipment is None:
            raise ApiError(HTTP_NOT_FOUND, f"unknown shipment {shipment_id}")
        return shipment

    # Timelines

    def advance(self, shipment_id, steps):
        """Emit the next ``steps`` steps of a shipment now."""
        with self._wakeup:
            shipment = self._get_locked(shipment_id)
            emitted = []
            for _ in range(steps):
                if shipment.finished:
                    break
                emitted.append(self._emit_step_locked(shipment))
            if not shipment.finished:
                shipment.next_due = time.monotonic() + self._scenario.step_delay
            self._wakeup.notify_all()
            return {
                "shipmentId": shipment_id,
                "status": shipment.status,
                "emitted": emitted,
            }

    def _run_scheduler(self):
        with self._wakeup:
            while not self._stopping:
                self._wakeup.wait(timeout=self._run_due_steps_locked())

    def _run_due_steps_locked(self):
        """Emit the steps that are due; return how long to wait for the next."""
        if not self._scenario.auto_advance:
            return IDLE_WAIT
        now = time.monotonic()
        waits = [IDLE_WAIT]
        for shipment in self._shipments.values():
            if shipment.finished or shipment.next_due is None:
                continue
            if shipment.next_due <= now:
                self._emit_step_locked(shipment)
                shipment.next_due = now + self._scenario.step_delay
            if not shipment.finished:
                waits.append(shipment.next_due - now)
        return max(0.0, min(waits))

    def _emit_step_locked(self, shipment):
        step = shipment.timeline[shipment.position]
        occurred = shipment.step_time(shipment.position)
        data = _base_data(shipment, step.status_code, step.stage)
        builder = EXTRA_DATA.get(step.status_code)
        if builder:
            data.update(builder(shipment, step, occurred))
        shipment.position += 1
        if step.status_code not in STATUS_NEUTRAL_CODES:
            shipment.status = step.status_code.lower()
        shipment.picked_up = shipment.picked_up or step.status_code == PICKUP_DEPARTED
        shipment.last_stage = step.stage
        return self._record_event_locked(shipment, step.event_type, occurred, data)

    def _record_event_locked(self, shipment, event_type, occurred, data):
        sequence = len(self._events) + 1
        event = {
            "event_id": EVENT_ID_FORMAT.format(self.id_prefix, sequence),
            "event_type": event_type,
            "occurred_at": iso_z(occurred),
            "sequence": sequence,
            "aggregate": {"type": "shipment", "id": shipment.shipment_id},
        }
        if shipment.correlation_id:
            event["correlation_id"] = shipment.correlation_id
        event["data"] = data
        shipment.last_occurred = occurred
        self._events.append(event)
        _logger.info(
            "event %s %s %s", event["event_id"], event_type, data["status_code"]
        )
        self._publish_locked(shipment, event)
        return event

    def _publish_locked(self, shipment, event):
        options = self._webhook
        if options.url:
            copies = [event, event] if options.duplicate else [event]
            if options.shuffle:
                shipment.held.extend(copies)
            else:
                self._enqueue_locked(copies)
        if shipment.finished and shipment.held:
            held = list(shipment.held)
            shipment.held.clear()
            random.Random(f"{self._scenario.seed}:{shipment.shipment_id}").shuffle(held)
            self._enqueue_locked(held)

    def _enqueue_locked(self, events):
        for event in events:
            self._outbox.put((self.generation, event))

    # Event feed

    def events_after(self, after, limit):
        with self._lock:
            events = self._events[after : after + limit]
        cursor = str(events[-1]["sequence"]) if events else str(after)
        return {"events": events, "cursor": cursor}

    # Idempotency

    def once(self, key, fingerprint, apply):
        """Answer a call carrying an ``Idempotency-Key``: applied the first
        time (``apply()``), answered with that first answer afterwards.

        Only successful (2xx) answers are kept: a call that failed is applied
        again when retried. The key with another request (method, path, body)
        is refused with 422 and applies nothing.
        """
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                known = self._answers.get(key)
            if known:
                known_fingerprint, answer = known
                if known_fingerprint != fingerprint:
                    raise ApiError(
                        HTTP_UNPROCESSABLE,
                        f"Idempotency-Key {key} was already used for another request",
                    )
                _logger.info("Idempotency-Key %s: the first answer again", key)
                return replace(
                    answer, headers={**answer.headers, REPLAYED_HEADER: "true"}
                )
            answer = apply()
            if HTTP_OK <= answer.status < HTTP_MULTIPLE_CHOICES:
                with self._lock:
                    self._answers[key] = (fingerprint, answer)
            return answer

    # Options, faults and request log

    def configure_webhooks(self, body):
        changes = parse_changes(body, WEBHOOK_FIELDS)
        with self._lock:
            self._webhook = replace(self._webhook, **changes)
            return asdict(self._webhook)

    def configure_scenario(self, body):
        changes = parse_changes(body, SCENARIO_FIELDS)
        with self._wakeup:
            resumed = changes.get("auto_advance") and not self._scenario.auto_advance
            self._scenario = replace(self._scenario, **changes)
            if resumed:
                self._reschedule_locked()
            self._wakeup.notify_all()
            return asdict(self._scenario)

    def _reschedule_locked(self):
        due = time.monotonic() + self._scenario.step_delay
        for shipment in self._shipments.values():
            if not shipment.finished:
                shipment.next_due = due

    def webhook_settings(self):
        """A copy of the webhook options and the current state generation."""
        with self._lock:
            return replace(self._webhook), self.generation

    def add_fault(self, fault):
        with self._lock:
            self._faults.append(fault)
            return len(self._faults)

    def take_fault(self):
        """The fault that applies to the current call, if any (FIFO)."""
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.popleft()
            return replace(fault)

    def record_request(self, request):
        entry = {
            "method": request.method,
            "path": request.target,
            "headers": dict(request.headers.items()),
            "body": request.body.decode("utf-8", "replace"),
        }
        with self._lock:
            self._requests.append(entry)

    def requests(self):
        with self._lock:
            return list(self._requests)


def _drain(pending):
    while True:
        try:
            pending.get_nowait()
        except queue.Empty:
            return
