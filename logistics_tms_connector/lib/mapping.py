"""Mapping templates: turn the canonical shipment document into a TMS payload.

A mapping template is configuration, not code: a JSON value stored on the TMS
endpoint, rendered against the canonical document (schema ``shipment.v1``).

Template language
-----------------
* Any JSON value is copied as-is, except what follows.
* A string equal to ``"$"`` or starting with ``"$."`` is a *path* into the
  current context: dot-separated keys, each optionally followed by list
  indexes, e.g. ``"$.consignee.name"`` or ``"$.items[0].quantity"``. ``"$$"``
  and the ``"$$."`` prefix start from the root document instead (useful inside
  ``$map``, e.g. ``"$$.reference"``). A path that leads nowhere renders as
  ``null``: missing data is never an error at render time. Other strings
  starting with ``$`` (e.g. ``"$5"``) are plain text.
* ``{"$each": "<path to a list>", "$map": <template>}`` renders ``$map`` once
  per element of the list, with the element as the context (``"$"`` inside
  ``$map`` is the element). A missing list renders as ``[]``.
* ``{"$path": "<path>", "$default": <template>}`` renders the path, or the
  default when the path gives ``null``.
* ``{"$concat": [<template>, ...], "$sep": " "}`` renders the parts and joins
  those that are neither ``null`` nor ``""`` as text; ``$sep`` defaults to one
  space; ``null`` when no part is left.
* ``{"$format": "upper" | "lower" | "iso_date" | "string" | "number",
  "$value": <template>}`` converts the rendered value (``null`` stays ``null``);
  ``iso_date`` keeps the date of an ISO 8601 date or date-time, in its own
  offset.
* ``{"$literal": <value>}`` copies the value without interpreting it, for a
  payload that needs a string such as ``"$.not-a-path"``.
* Any other key starting with ``$`` is an error, as is an operator object with
  keys that do not belong to its operator.

:func:`validate` checks a template against the canonical JSON Schema before it
is saved; :func:`render` raises :class:`MappingError` only for what the
document's data makes impossible (e.g. ``$each`` on a text) or for a template
that :func:`validate` would have refused.
"""

import copy
import json
import math
import re
from datetime import datetime
from pathlib import Path

from odoo.addons.logistics_integration_base.lib import outcome
from odoo.addons.logistics_integration_base.lib.schema import json_pointer

CONTEXT_PATH = "$"
ROOT_PATH = "$$"
CONTEXT_PREFIX = "$."
ROOT_PREFIX = "$$."
SCOPE_CONTEXT = "context"
SCOPE_ROOT = "root"
SEGMENT_RE = re.compile(r"(?P<key>[^.\[\]\s]+)(?P<indexes>(?:\[\d+\])*)")
INDEX_RE = re.compile(r"\[(\d+)\]")

EACH, MAP = "$each", "$map"
PATH, DEFAULT = "$path", "$default"
CONCAT, SEP = "$concat", "$sep"
FORMAT, VALUE = "$format", "$value"
LITERAL = "$literal"
# Operator -> (required keys, optional keys); the operator's own key first.
OPERATORS = {
    EACH: ((EACH, MAP), ()),
    PATH: ((PATH,), (DEFAULT,)),
    CONCAT: ((CONCAT,), (SEP,)),
    FORMAT: ((FORMAT, VALUE), ()),
    LITERAL: ((LITERAL,), ()),
}
DEFAULT_SEPARATOR = " "

FORMAT_UPPER = "upper"
FORMAT_LOWER = "lower"
FORMAT_ISO_DATE = "iso_date"
FORMAT_STRING = "string"
FORMAT_NUMBER = "number"
FORMATS = (FORMAT_UPPER, FORMAT_LOWER, FORMAT_ISO_DATE, FORMAT_STRING, FORMAT_NUMBER)
INTEGER_TEXT_RE = re.compile(r"[+-]?\d+")
UTC_SUFFIX_RE = re.compile(r"[Zz]$")

ROOT_LABEL = "(root)"  # how the root pointer "" is shown in messages
TYPE_ARRAY = "array"
TYPE_OBJECT = "object"
# (Python type, article, JSON type) for messages; bool before int (a subclass).
JSON_TYPES = (
    (dict, "an", TYPE_OBJECT),
    (list, "an", TYPE_ARRAY),
    (str, "a", "string"),
    (bool, "a", "boolean"),
    ((int, float), "a", "number"),
)
TEMPLATE_FOLDER = Path(__file__).resolve().parent / "templates"
PROTOCOLS = ("rest", "soap")


class MappingError(ValueError):
    """A template cannot be rendered.

    :param message: human-readable explanation
    :param details: list of ``{"pointer": str, "reason": str}``; the pointer
        locates the problem inside the template (RFC 6901)
    """

    def __init__(self, message, *, details=None):
        super().__init__(message)
        self.message = message
        self.details = list(details or [])


def _error(reason, where):
    """A :class:`MappingError` for one problem at template location ``where``."""
    return _errors([_problem(where, reason)])


def _errors(problems):
    """A :class:`MappingError` listing ``problems``, named by the first one."""
    first = problems[0]
    message = f"Mapping template error at {first['pointer'] or ROOT_LABEL}"
    return MappingError(f"{message}: {first['reason']}", details=problems)


# Paths ---------------------------------------------------------------------


def is_path(value):
    """Whether a template value is a path (``"$"``, ``"$.…"``, ``"$$"``, ``"$$.…"``)."""
    return isinstance(value, str) and (
        value in (CONTEXT_PATH, ROOT_PATH)
        or value.startswith((CONTEXT_PREFIX, ROOT_PREFIX))
    )


def parse_path(text):
    """Split a path into ``(scope, steps)``; steps are keys (str) and indexes (int).

    :raises ValueError: if ``text`` is not a syntactically valid path
    """
    if not is_path(text):
        raise ValueError(f"'{text}' is not a path: paths start with '$.' or '$$.'")
    scope = SCOPE_ROOT if text.startswith(ROOT_PATH) else SCOPE_CONTEXT
    rest = text[len(ROOT_PATH if scope == SCOPE_ROOT else CONTEXT_PATH) :]
    if not rest:
        return scope, []
    steps = []
    for segment in rest[1:].split("."):
        match = SEGMENT_RE.fullmatch(segment)
        if not match:
            raise ValueError(
                f"Invalid path '{text}': expected keys separated by dots, "
                "each optionally followed by list indexes such as [0]"
            )
        steps.append(match["key"])
        steps.extend(int(index) for index in INDEX_RE.findall(match["indexes"]))
    return scope, steps


def format_path(scope, steps):
    """The path text of ``(scope, steps)``, the inverse of :func:`parse_path`."""
    text = ROOT_PATH if scope == SCOPE_ROOT else CONTEXT_PATH
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text


def lookup(value, steps):
    """Follow ``steps`` into ``value``; ``None`` as soon as a step leads nowhere."""
    for step in steps:
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                return None
            value = value[step]
        else:
            if not isinstance(value, dict):
                return None
            value = value.get(step)
    return value


def paths(template):
    """The set of path strings a template uses (``$literal`` contents excluded)."""
    found = set()
    _collect_paths(template, found)
    return found


def _collect_paths(node, found):
    """Add the paths found in ``node`` to ``found``."""
    if is_path(node):
        found.add(node)
    elif isinstance(node, list):
        for item in node:
            _collect_paths(item, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key != LITERAL:
                _collect_paths(value, found)


# Operators -----------------------------------------------------------------


def operator_problems(node, where=()):
    """``(operator, problems)`` of a template object.

    ``operator`` is ``None`` for a plain object (no key starting with ``$``);
    ``problems`` lists the ``{"pointer", "reason"}`` of a malformed operator.
    """
    dollar_keys = [key for key in node if isinstance(key, str) and key.startswith("$")]
    if not dollar_keys:
        return None, []
    found = [key for key in OPERATORS if key in node]
    if len(found) != 1:
        return None, [_operator_shape_problem(node, found, dollar_keys, where)]
    operator = found[0]
    required, optional = OPERATORS[operator]
    problems = [
        _problem(where, f"{operator} needs a '{key}' key")
        for key in required
        if key not in node
    ]
    problems.extend(
        _problem((*where, key), _unexpected_key_reason(key, operator))
        for key in node
        if key not in required and key not in optional
    )
    return operator, problems


def _operator_shape_problem(node, found, dollar_keys, where):
    """The problem of an object with no operator, or with several."""
    if found:
        names = " and ".join(found)
        return _problem(where, f"an object can use one operator only, not {names}")
    key = dollar_keys[0]
    owner = _operator_owning(key)
    if owner:
        return _problem((*where, key), f"'{key}' is only allowed with '{owner}'")
    return _problem((*where, key), _unknown_operator_reason(key))


def _unexpected_key_reason(key, operator):
    """Why ``key`` is refused inside an object using ``operator``."""
    if key.startswith("$") and not _operator_owning(key):
        return _unknown_operator_reason(key)
    return f"unexpected key '{key}' in a {operator} operator"


def _unknown_operator_reason(key):
    """The reason given for a key starting with ``$`` that no operator uses."""
    known = ", ".join(sorted(OPERATORS))
    return f"unknown operator '{key}' (known operators: {known})"


def _operator_owning(key):
    """The operator whose object may hold ``key``, or ``None``."""
    for operator, (required, optional) in OPERATORS.items():
        if key in required or key in optional:
            return operator
    return None


def _problem(where, reason):
    """The problem at template location ``where`` (a path of keys/indexes)."""
    return outcome.problem(json_pointer(where), reason)


# Rendering -----------------------------------------------------------------


def render(template, document):
    """Render ``template`` against ``document``; returns a new JSON value.

    :raises MappingError: if the document's data does not fit the template
        (e.g. ``$each`` on a value that is not a list) or the template is
        malformed (see :func:`validate`)
    """
    return _render(template, document, document, ())


def _render(node, context, root, where):
    """Render one template node."""
    if isinstance(node, str):
        return _render_path(node, context, root, where) if is_path(node) else node
    if isinstance(node, list):
        return [
            _render(item, context, root, (*where, index))
            for index, item in enumerate(node)
        ]
    if isinstance(node, dict):
        operator, problems = operator_problems(node, where)
        if problems:
            raise _errors(problems)
        if operator is None:
            return {
                key: _render(value, context, root, (*where, key))
                for key, value in node.items()
            }
        return RENDERERS[operator](node, context, root, where)
    return node


def _render_path(text, context, root, where):
    """The value at path ``text``; ``None`` if it leads nowhere."""
    try:
        scope, steps = parse_path(text)
    except ValueError as exc:
        raise _error(str(exc), where) from exc
    value = lookup(root if scope == SCOPE_ROOT else context, steps)
    # A copy, so that changing the payload never changes the document.
    return copy.deepcopy(value) if isinstance(value, (dict, list)) else value


def _render_path_operand(node, key, context, root, where):
    """Render the path held by an operator's ``key`` (which must be a path)."""
    text = node[key]
    if not is_path(text):
        raise _error(f"{key} must be a path such as '$.items'", (*where, key))
    return _render_path(text, context, root, (*where, key))


def _render_each(node, context, root, where):
    """``$each``/``$map``: one rendering of ``$map`` per list element."""
    elements = _render_path_operand(node, EACH, context, root, where)
    if elements is None:
        return []
    if not isinstance(elements, list):
        kind = _json_type(elements)
        raise _error(f"$each needs a list, '{node[EACH]}' is {kind}", (*where, EACH))
    template = node[MAP]
    return [_render(template, element, root, (*where, MAP)) for element in elements]


def _render_path_default(node, context, root, where):
    """``$path``/``$default``: the path's value, or the default when null."""
    value = _render_path_operand(node, PATH, context, root, where)
    if value is None and DEFAULT in node:
        return _render(node[DEFAULT], context, root, (*where, DEFAULT))
    return value


def _render_concat(node, context, root, where):
    """``$concat``/``$sep``: non-empty parts joined as text."""
    parts = node[CONCAT]
    if not isinstance(parts, list):
        raise _error("$concat must be a list of templates", (*where, CONCAT))
    separator = node.get(SEP, DEFAULT_SEPARATOR)
    if not isinstance(separator, str):
        raise _error("$sep must be a string", (*where, SEP))
    texts = []
    for index, part in enumerate(parts):
        part_where = (*where, CONCAT, index)
        value = _render(part, context, root, part_where)
        if value is not None and value != "":
            texts.append(_to_text(value, part_where))
    return separator.join(texts) if texts else None


def _render_format(node, context, root, where):
    """``$format``/``$value``: the rendered value converted."""
    name = node[FORMAT]
    if name not in FORMATS:
        raise _error(_unknown_format_reason(name), (*where, FORMAT))
    value = _render(node[VALUE], context, root, (*where, VALUE))
    if value is None:
        return None
    return FORMATTERS[name](value, (*where, VALUE))


def _render_literal(node, context, root, where):
    """``$literal``: the value as written."""
    return copy.deepcopy(node[LITERAL])


def _unknown_format_reason(name):
    """The reason given for a ``$format`` name that does not exist."""
    return f"unknown format {name!r} (known formats: {', '.join(FORMATS)})"


RENDERERS = {
    EACH: _render_each,
    PATH: _render_path_default,
    CONCAT: _render_concat,
    FORMAT: _render_format,
    LITERAL: _render_literal,
}


# Formats -------------------------------------------------------------------


def _to_text(value, where):
    """A scalar as text (JSON spelling for booleans, no ``.0`` on whole floats)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    raise _error(f"cannot turn {_json_type(value)} into text", where)


def _to_upper(value, where):
    """``upper`` format."""
    return _to_text(value, where).upper()


def _to_lower(value, where):
    """``lower`` format."""
    return _to_text(value, where).lower()


def _to_number(value, where):
    """``number`` format: numbers unchanged, numeric text parsed."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if INTEGER_TEXT_RE.fullmatch(text):
            return int(text)
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            return number
        raise _error(f"{value!r} is not a number", where)
    raise _error(f"cannot turn {_json_type(value)} into a number", where)


def _to_iso_date(value, where):
    """``iso_date`` format: ``YYYY-MM-DD`` of an ISO 8601 date or date-time."""
    if not isinstance(value, str):
        raise _error(f"iso_date needs an ISO 8601 text, not {_json_type(value)}", where)
    try:
        # Python 3.10 (still supported by Odoo 18) does not read a "Z" suffix.
        moment = datetime.fromisoformat(UTC_SUFFIX_RE.sub("+00:00", value.strip()))
    except ValueError as exc:
        raise _error(f"{value!r} is not an ISO 8601 date or date-time", where) from exc
    return moment.date().isoformat()


def _json_type(value):
    """JSON type of a Python value with its article, for messages ("an object")."""
    for kind, article, name in JSON_TYPES:
        if isinstance(value, kind):
            return f"{article} {name}"
    return f"a {type(value).__name__}"


FORMATTERS = {
    FORMAT_UPPER: _to_upper,
    FORMAT_LOWER: _to_lower,
    FORMAT_ISO_DATE: _to_iso_date,
    FORMAT_STRING: _to_text,
    FORMAT_NUMBER: _to_number,
}


# Validation ----------------------------------------------------------------


def validate(template, schema):
    """Problems of ``template`` against the canonical JSON Schema ``schema``.

    Returns a list of ``{"pointer": <JSON pointer inside the template>,
    "reason": str}``, empty when the template is fine; never raises. Checks
    that operators are well formed, paths are valid and name properties that
    exist in the schema (walking ``properties``, ``additionalProperties``
    schemas and ``items``; ``$ref`` is not followed), and that ``$each``
    points to an array. Inside ``$map`` the context is the array's ``items``
    schema; ``$$`` paths always start from the root schema.
    """
    checker = _TemplateChecker(schema)
    checker.check(template, schema, ())
    return checker.problems


class _TemplateChecker:
    """Walks a template, following the schema of the current context."""

    def __init__(self, root_schema):
        self.root_schema = root_schema
        self.problems = []

    def report(self, where, reason):
        """Record one problem."""
        self.problems.append(_problem(where, reason))

    def check(self, node, context, where):
        """Check one template node; ``context`` is ``None`` when unknown."""
        if is_path(node):
            self.check_path(node, context, where)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                self.check(item, context, (*where, index))
        elif isinstance(node, dict):
            self.check_object(node, context, where)

    def check_object(self, node, context, where):
        """Check a plain object or an operator."""
        operator, problems = operator_problems(node, where)
        self.problems.extend(problems)
        if operator is None:
            if not problems:
                for key, value in node.items():
                    self.check(value, context, (*where, key))
            return
        getattr(self, OPERATOR_CHECKS[operator])(node, context, where)

    def check_path(self, text, context, where):
        """Check a path; returns the schema it leads to, or ``None``."""
        try:
            scope, steps = parse_path(text)
        except ValueError as exc:
            self.report(where, str(exc))
            return None
        start = self.root_schema if scope == SCOPE_ROOT else context
        if not isinstance(start, dict):
            return None
        schema, reason = schema_at(start, scope, steps)
        if reason:
            self.report(where, reason)
        return schema

    def check_path_operand(self, node, key, context, where):
        """Check the path held by an operator's ``key``."""
        if key not in node:
            return None
        if not is_path(node[key]):
            self.report((*where, key), f"{key} must be a path such as '$.items'")
            return None
        return self.check_path(node[key], context, (*where, key))

    def check_each(self, node, context, where):
        """``$each`` must name an array; ``$map`` is checked against its items."""
        schema = self.check_path_operand(node, EACH, context, where)
        item_schema = None
        if schema is not None:
            if TYPE_ARRAY in schema_types(schema):
                item_schema = _dict_or_none(schema.get("items"))
            else:
                self.report(
                    (*where, EACH), f"$each needs a list: '{node[EACH]}' is not"
                )
        if MAP in node:
            self.check(node[MAP], item_schema, (*where, MAP))

    def check_path_default(self, node, context, where):
        """``$path`` must be a valid path; ``$default`` is a template."""
        self.check_path_operand(node, PATH, context, where)
        if DEFAULT in node:
            self.check(node[DEFAULT], context, (*where, DEFAULT))

    def check_concat(self, node, context, where):
        """``$concat`` must be a list of templates, ``$sep`` a string."""
        parts = node[CONCAT]
        if isinstance(parts, list):
            for index, part in enumerate(parts):
                self.check(part, context, (*where, CONCAT, index))
        else:
            self.report((*where, CONCAT), "$concat must be a list of templates")
        if SEP in node and not isinstance(node[SEP], str):
            self.report((*where, SEP), "$sep must be a string")

    def check_format(self, node, context, where):
        """``$format`` must be a known format; ``$value`` is a template."""
        if node[FORMAT] not in FORMATS:
            self.report((*where, FORMAT), _unknown_format_reason(node[FORMAT]))
        if VALUE in node:
            self.check(node[VALUE], context, (*where, VALUE))

    def check_literal(self, node, context, where):
        """``$literal`` holds any JSON value: nothing to check."""


OPERATOR_CHECKS = {
    EACH: "check_each",
    PATH: "check_path_default",
    CONCAT: "check_concat",
    FORMAT: "check_format",
    LITERAL: "check_literal",
}


def schema_types(schema):
    """The set of JSON types a schema allows, inferred from its keywords if untyped."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return set(declared)
    inferred = set()
    if "properties" in schema:
        inferred.add(TYPE_OBJECT)
    if "items" in schema:
        inferred.add(TYPE_ARRAY)
    return inferred


def schema_at(schema, scope, steps):
    """``(schema, None)`` of the property at ``steps``, or ``(None, reason)``."""
    for depth, step in enumerate(steps):
        here = format_path(scope, steps[:depth])
        if "$ref" in schema:
            return None, f"the schema of '{here}' uses $ref, which is not followed"
        if isinstance(step, int):
            schema, reason = _schema_item(schema, here)
        else:
            schema, reason = _schema_property(schema, here, step)
        if reason:
            return None, reason
    return schema, None


def _schema_item(schema, here):
    """The ``items`` schema of an array schema."""
    items = _dict_or_none(schema.get("items"))
    if TYPE_ARRAY not in schema_types(schema) or items is None:
        return None, f"'{here}' is not a list"
    return items, None


def _schema_property(schema, here, key):
    """The schema of property ``key`` of an object schema."""
    properties = schema.get("properties")
    if isinstance(properties, dict) and isinstance(properties.get(key), dict):
        return properties[key], None
    extra = _dict_or_none(schema.get("additionalProperties"))
    if extra is not None:
        return extra, None
    if TYPE_ARRAY in schema_types(schema):
        return None, (f"'{here}' is a list: use an index such as '{here}[0]' or $each")
    return None, f"'{here}' has no property '{key}' in the schema"


def _dict_or_none(value):
    """``value`` if it is a dict (a schema object), else ``None``."""
    return value if isinstance(value, dict) else None


# Default templates ---------------------------------------------------------


def default_template(protocol):
    """A fresh copy of the ready-made template of ``protocol`` (``rest``/``soap``).

    :raises ValueError: for any other protocol
    """
    if protocol not in PROTOCOLS:
        raise ValueError(
            f"No default mapping template for protocol {protocol!r}; "
            f"expected one of {', '.join(PROTOCOLS)}"
        )
    path = TEMPLATE_FOLDER / f"{protocol}_default.json"
    return json.loads(path.read_text(encoding="utf-8"))
