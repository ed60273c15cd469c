"""Options of the control API: webhooks, scenario and injected faults."""

from dataclasses import dataclass

from .protocol import HTTP_STATUS_RANGE, MAX_CHARGE_CODE_LENGTH, _invalid
from .timelines import (
    APPOINTMENT_OUTCOMES,
    DEFAULT_APPOINTMENT_OUTCOME,
    DEFAULT_OUTCOME,
    DEFAULT_REDELIVERY_OUTCOME,
    DEFAULT_SEED,
    DEFAULT_STEP_DELAY,
    OUTCOMES,
    REDELIVERY_OUTCOMES,
)


@dataclass
class WebhookOptions:
    """Where and how events are pushed."""

    url: str | None = None
    secret: str | None = None
    duplicate: bool = False
    shuffle: bool = False
    batch_size: int = 1
    tamper: bool = False
    stale_timestamp: bool = False


@dataclass
class ScenarioOptions:
    """How the timelines of new shipments unfold."""

    outcome: str = DEFAULT_OUTCOME
    step_delay: float = DEFAULT_STEP_DELAY
    auto_advance: bool = True
    seed: int = DEFAULT_SEED
    charges_event: bool = False
    charges: list | None = None
    pickup_ratio: float | None = None
    # How a redelivery after an attempted delivery ends.
    redelivery_outcome: str = DEFAULT_REDELIVERY_OUTCOME
    damage_on_delivery: bool = False
    # How delivery appointment requests are answered.
    appointment_outcome: str = DEFAULT_APPOINTMENT_OUTCOME


@dataclass
class Fault:
    """An injected misbehaviour for the next ``remaining`` protocol calls."""

    remaining: int = 1
    status: int | None = None
    body: object = None
    retry_after: str | None = None
    latency: float = 0.0
    drop: bool = False
    # Apply the call, then close the connection without answering: the
    # caller never learns that it was applied (a lost answer).
    drop_response: bool = False


def _as_bool(key, value):
    if not isinstance(value, bool):
        raise _invalid(f"{key} must be a boolean")
    return value


def _as_optional_text(key, value):
    if value is not None and not isinstance(value, str):
        raise _invalid(f"{key} must be a string or null")
    return value or None


def _as_int(key, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(f"{key} must be an integer")
    return value


def _as_positive_int(key, value):
    if _as_int(key, value) < 1:
        raise _invalid(f"{key} must be a positive integer")
    return value


def _as_non_negative_number(key, value):
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _invalid(f"{key} must be a non-negative number")
    return float(value)


def _as_outcome(key, value):
    if value not in OUTCOMES:
        raise _invalid(f"{key} must be one of {', '.join(OUTCOMES)}")
    return value


def _as_redelivery_outcome(key, value):
    if value not in REDELIVERY_OUTCOMES:
        raise _invalid(f"{key} must be one of {', '.join(REDELIVERY_OUTCOMES)}")
    return value


def _as_appointment_outcome(key, value):
    if value not in APPOINTMENT_OUTCOMES:
        raise _invalid(f"{key} must be one of {', '.join(APPOINTMENT_OUTCOMES)}")
    return value


def _as_status(key, value):
    if _as_int(key, value) not in HTTP_STATUS_RANGE:
        raise _invalid(f"{key} must be an HTTP status code")
    return value


def _as_any(_key, value):
    return value


def _as_number(key, value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(f"{key} must be a number")
    return value


def _as_charge(key, charge):
    if not isinstance(charge, dict):
        raise _invalid(f"{key} must be an object")
    code = charge.get("code")
    if not isinstance(code, str) or not code.strip():
        raise _invalid(f"{key}.code must be a non-empty string")
    if len(code) > MAX_CHARGE_CODE_LENGTH:
        raise _invalid(f"{key}.code is longer than {MAX_CHARGE_CODE_LENGTH}")
    _as_number(f"{key}.amount", charge.get("amount"))
    for name in ("quantity", "expected_amount"):
        if charge.get(name) is not None:
            _as_number(f"{key}.{name}", charge[name])
    if charge.get("description") is not None:
        _as_optional_text(f"{key}.description", charge["description"])
    return dict(charge)


def _as_charges(key, value):
    """A list of charges to send instead of the computed ones (None: computed)."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise _invalid(f"{key} must be a list or null")
    return [_as_charge(f"{key}[{index}]", charge) for index, charge in enumerate(value)]


def _as_pickup_ratio(key, value):
    """The share of each item picked up (0 < ratio < 1); None: everything."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value < 1
    ):
        raise _invalid(f"{key} must be a number between 0 and 1 (exclusive) or null")
    return float(value)


def _as_header_value(key, value):
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _invalid(f"{key} must be a number or a string")
    return str(value)


WEBHOOK_FIELDS = {
    "url": _as_optional_text,
    "secret": _as_optional_text,
    "duplicate": _as_bool,
    "shuffle": _as_bool,
    "batch_size": _as_positive_int,
    "tamper": _as_bool,
    "stale_timestamp": _as_bool,
}
SCENARIO_FIELDS = {
    "outcome": _as_outcome,
    "step_delay": _as_non_negative_number,
    "auto_advance": _as_bool,
    "seed": _as_int,
    "charges_event": _as_bool,
    "charges": _as_charges,
    "pickup_ratio": _as_pickup_ratio,
    "redelivery_outcome": _as_redelivery_outcome,
    "damage_on_delivery": _as_bool,
    "appointment_outcome": _as_appointment_outcome,
}
FAULT_FIELDS = {
    "count": _as_positive_int,
    "status": _as_status,
    "body": _as_any,
    "retry_after": _as_header_value,
    "latency": _as_non_negative_number,
    "drop": _as_bool,
    "drop_response": _as_bool,
}
FAULT_ATTRIBUTES = {"count": "remaining"}


def parse_changes(body, fields):
    """Validated ``{key: value}`` of a control request body."""
    if not isinstance(body, dict):
        raise _invalid("body must be a JSON object")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise _invalid(f"unknown option {unknown[0]}")
    return {key: fields[key](key, value) for key, value in body.items()}


def parse_fault(body):
    """A :class:`Fault` from a ``POST /_control/faults`` body."""
    changes = parse_changes(body, FAULT_FIELDS)
    fault = Fault(**{FAULT_ATTRIBUTES.get(k, k): v for k, v in changes.items()})
    if (
        fault.status is None
        and not fault.drop
        and not fault.drop_response
        and not fault.latency
    ):
        raise _invalid("a fault needs a status, a latency, drop or drop_response")
    return fault
