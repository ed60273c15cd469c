"""JSONata mappings: partner payloads to and from the suite's canonical documents.

A mapping is a JSONata expression (https://jsonata.org, evaluated by the pure
Python ``jsonata-python``) stored as configuration. Outbound, it turns the
canonical shipment document into the partner's payload; inbound, it turns the
partner's native payload into one canonical ``tms.event.v1`` envelope or a list
of them (several events per document).

* :func:`compile_expression` parses an expression once per process (a bounded
  cache keyed by its text) and registers the suite's helper functions.
* :func:`evaluate` runs it with a time and a recursion bound, and refuses a
  result larger than :data:`MAX_RESULT_CHARS` once serialized.
* Every failure is a :class:`MappingError` naming the JSONata error code and
  the position (line, column) in the expression.

Helper functions, beside JSONata's own library (``$lookup``, ``$map``...):

``$orNull(value)``
    ``value``, or JSON ``null`` where the path leads nowhere (JSONata drops a
    key whose value is undefined; a payload with every key uses this).
``$epochToIso(number, unit)``
    An epoch timestamp (``unit`` ``"s"``, the default, or ``"ms"``) as
    RFC 3339 UTC text, e.g. ``2026-03-01T08:30:00Z``.
``$localToUtc(text, zone)``
    A local date-time without offset (``2026-03-01T09:30:00`` or
    ``2026-03-01 09:30``) in IANA zone ``zone``, as RFC 3339 UTC text; a text
    with its own offset is converted to UTC.
``$mapCode(table, code, fallback)``
    ``table[code]``; ``fallback`` when the table has no such code, or the code
    itself without a fallback (a partner's status codes to the suite's).
"""

import json
import threading
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonata
from jsonata import jexception, timebox, utils

MAX_EXPRESSION_CHARS = 100_000
MAX_RESULT_CHARS = 5 * 1024 * 1024
DEFAULT_TIMEOUT_MS = 2000
DEFAULT_MAX_DEPTH = 500
CACHE_SIZE = 256
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
EPOCH_UNITS = {"s": 1, "ms": 1000}
LOCAL_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M")
LOCAL_FORMATS += ("%Y-%m-%d %H:%M",)

_cache = OrderedDict()  # expression text -> compiled Jsonata
_cache_lock = threading.Lock()


class MappingError(ValueError):
    """A mapping cannot be compiled or evaluated.

    :param message: human-readable explanation (code and position included)
    :param code: the JSONata error code (``S0201``...) or the suite's own
    :param position: offset (characters) in the expression, as JSONata gives
        it (just after the offending token), or ``None``
    """

    def __init__(self, message, *, code=None, position=None, details=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.position = position
        self.details = list(details or [])


class _HelperError(ValueError):
    """A helper refused its arguments (reported as a MappingError)."""


# Helpers -------------------------------------------------------------------


def or_null(value=None):
    """``$orNull``: undefined becomes JSON null."""
    return utils.Utils.NULL_VALUE if value is None else value


def epoch_to_iso(value=None, unit=None):
    """``$epochToIso``: epoch seconds (or milliseconds) as RFC 3339 UTC."""
    if value is None or value is utils.Utils.NULL_VALUE:
        return None
    unit = unit or "s"
    if unit not in EPOCH_UNITS:
        raise _HelperError(f"$epochToIso: unit must be 's' or 'ms', not {unit!r}")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _HelperError(f"$epochToIso: {value!r} is not an epoch number")
    moment = EPOCH + timedelta(seconds=value / EPOCH_UNITS[unit])
    return _utc_text(moment)


def local_to_utc(value=None, zone=None):
    """``$localToUtc``: a local date-time in IANA ``zone`` as RFC 3339 UTC."""
    if value is None or value is utils.Utils.NULL_VALUE:
        return None
    if not isinstance(value, str):
        raise _HelperError(f"$localToUtc: {value!r} is not a date-time text")
    moment = _parse_local(value.strip())
    if moment.tzinfo is None:
        if not isinstance(zone, str) or not zone:
            raise _HelperError(f"$localToUtc: {value!r} has no offset: name a zone")
        try:
            moment = moment.replace(tzinfo=ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise _HelperError(f"$localToUtc: unknown time zone {zone!r}") from err
    return _utc_text(moment)


def _parse_local(text):
    """A datetime from ISO 8601 text (offset kept) or one of LOCAL_FORMATS."""
    # Python 3.10 (still supported by Odoo 18) does not read a "Z" suffix.
    normalized = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
    for parse in (datetime.fromisoformat, *map(_strptime, LOCAL_FORMATS)):
        try:
            return parse(normalized)
        except ValueError:
            continue
    raise _HelperError(f"$localToUtc: {text!r} is not a date-time")


def _strptime(pattern):
    """A parser of ``pattern`` (datetime.strptime with the pattern bound)."""
    return lambda text: datetime.strptime(text, pattern)


def _utc_text(moment):
    """RFC 3339 in UTC with a ``Z``; milliseconds only when there are some."""
    moment = moment.astimezone(timezone.utc)
    if moment.microsecond:
        milliseconds = moment.microsecond // 1000
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{milliseconds:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def map_code(table=None, code=None, *fallback):
    """``$mapCode``: ``table[code]``, else the fallback, else the code."""
    if code is None or code is utils.Utils.NULL_VALUE:
        return None
    if not isinstance(table, dict):
        raise _HelperError("$mapCode: the table must be an object")
    key = _code_text(code)
    if key in table:
        return table[key]
    return fallback[0] if fallback else code


def _code_text(code):
    """An object key for a code (numbers as their JSON text: 10, not 10.0)."""
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return code if isinstance(code, str) else json.dumps(code)


HELPERS = {
    "orNull": or_null,
    "epochToIso": epoch_to_iso,
    "localToUtc": local_to_utc,
    "mapCode": map_code,
}


# Compile and evaluate ------------------------------------------------------


def compile_expression(expression):
    """The compiled expression (cached by its text), helpers registered.

    :raises MappingError: if the expression is empty, too long or malformed
    """
    if not isinstance(expression, str) or not expression.strip():
        raise MappingError("The mapping expression is empty.", code="empty")
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise MappingError(
            f"The mapping expression is longer than {MAX_EXPRESSION_CHARS} characters.",
            code="too_long",
        )
    compiled = _cache.get(expression)
    if compiled is not None:
        return compiled
    try:
        compiled = jsonata.Jsonata(expression)
    except jexception.JException as err:
        raise _jsonata_error(err, expression, "compile") from err
    except RecursionError as err:
        raise MappingError(
            "The mapping expression is nested too deeply.", code="too_deep"
        ) from err
    for name, function in HELPERS.items():
        compiled.register_lambda(name, function)
    with _cache_lock:
        _cache[expression] = compiled
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def check(expression):
    """Problems of an expression (``[]`` when it compiles); never raises."""
    try:
        compile_expression(expression)
    except MappingError as err:
        return [problem(err)]
    return []


def problem(err):
    """A MappingError as ``{"pointer", "reason", "position"}`` (pointer: root)."""
    return {"pointer": "", "reason": err.message, "position": err.position}


def evaluate(
    expression,
    data,
    bindings=None,
    *,
    timeout_ms=DEFAULT_TIMEOUT_MS,
    max_depth=DEFAULT_MAX_DEPTH,
):
    """Evaluate ``expression`` on ``data``; the result as plain JSON values.

    Undefined (no match) is returned as ``None``. ``bindings`` are extra
    ``$variables`` (e.g. ``{"reason": ...}``).

    :raises MappingError: on a malformed expression, an evaluation error, a
        helper refusing its arguments, a timeout, or a result too large
    """
    compiled = compile_expression(expression)
    frame = compiled.create_frame()
    for name, value in (bindings or {}).items():
        frame.bind(name, value)
    # A fresh time box per evaluation (the constructor's would count from
    # compile time); the callbacks live in this evaluation's frame only.
    timebox.Timebox(frame, timeout_ms, max_depth)
    # Higher-order functions ($map...) run in the thread's current instance.
    jsonata.Jsonata.CURRENT.jsonata = compiled
    try:
        result = compiled.evaluate(data, frame)
    except jexception.JException as err:
        raise _jsonata_error(err, expression, "evaluate") from err
    except _HelperError as err:
        raise MappingError(str(err), code="helper") from err
    except RecursionError as err:
        raise MappingError("The mapping recursed too deeply.", code="too_deep") from err
    _check_size(result)
    return result


def evaluate_list(expression, data, bindings=None, **bounds):
    """Evaluate an inbound mapping: always a list (one document, several events).

    Undefined gives ``[]``; one object gives ``[object]``.
    """
    result = evaluate(expression, data, bindings, **bounds)
    if result is None:
        return []
    return result if isinstance(result, list) else [result]


def _check_size(result):
    """Refuse a result larger than MAX_RESULT_CHARS once serialized."""
    if result is None or isinstance(result, (bool, int, float)):
        return
    try:
        size = len(json.dumps(result, separators=(",", ":"), default=str))
    except (TypeError, ValueError) as err:
        raise MappingError(
            f"The mapping's result is not JSON: {err}", code="not_json"
        ) from err
    if size > MAX_RESULT_CHARS:
        raise MappingError(
            f"The mapping's result is larger than {MAX_RESULT_CHARS} characters.",
            code="too_large",
        )


def _jsonata_error(err, expression, stage):
    """A MappingError from a JException, with line and column of its position."""
    position = err.location if isinstance(err.location, int) else None
    where = ""
    if position is not None and position >= 0:
        line, column = line_column(expression, position)
        where = f" at position {position} (line {line}, column {column})"
    else:
        position = None
    verb = "does not compile" if stage == "compile" else "failed"
    message = f"The mapping {verb}: JSONata {err.error}{where}: {err}"
    return MappingError(message, code=err.error, position=position)


def line_column(expression, position):
    """1-based ``(line, column)`` of a character offset in ``expression``."""
    before = expression[: max(0, min(position, len(expression)))]
    line = before.count("\n") + 1
    return line, len(before) - (before.rfind("\n") + 1) + 1
