"""Request bodies in: JSON parsed with bounds, and checks JSON Schema cannot say.

Pure Python, no ORM: tested in `tests/unit/test_json_input.py`. Each check
returns problems as `{"pointer": <RFC 6901 pointer>, "reason": <text>}`.
"""

import json

from odoo.addons.logistics_integration_base.lib import timestamps

MAX_DEPTH = 32  # our schemas nest 4 levels; anything far deeper is an attack


class MalformedJson(ValueError):
    """The body is not JSON we accept (syntax, NaN/Infinity, depth)."""


def _refuse_constant(name):
    raise MalformedJson("%s is not a JSON number" % name)


def _parse_float(text):
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise MalformedJson("number %s... is out of range" % text[:20])
    return value


def loads(data, max_depth=MAX_DEPTH):
    """Parse `data` (bytes or str) as strict JSON nested at most `max_depth` deep.

    :raises MalformedJson: on a syntax error, NaN, Infinity, a number out of
        the float range or one too long to be an integer, or deeper nesting
    """
    try:
        value = json.loads(
            data, parse_constant=_refuse_constant, parse_float=_parse_float
        )
    except MalformedJson:
        raise
    except RecursionError as err:  # the parser recurses once per level
        raise MalformedJson("nested too deep, at most %s levels" % max_depth) from err
    except ValueError as err:  # incl. UnicodeDecodeError, too long integers
        raise MalformedJson(str(err)) from err
    if nesting_depth(value) > max_depth:
        raise MalformedJson("nested too deep, at most %s levels" % max_depth)
    return value


def nesting_depth(value):
    """How deep arrays and objects nest in a parsed value (iteratively)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def window_problems(body, field="requested_delivery"):
    """Problems of the delivery window of `body`: real moments, start <= end.

    Only checks what the JSON Schema cannot (it checks shape and syntax): a
    window that is not an object of two strings is left to the schema.
    """
    window = body.get(field) if isinstance(body, dict) else None
    if not isinstance(window, dict):
        return []
    problems, moments = [], {}
    for bound in ("start", "end"):
        text = window.get(bound)
        if not isinstance(text, str):
            continue
        try:
            moments[bound] = timestamps.parse(text)
        except (ValueError, OverflowError):
            problems.append(
                {
                    "pointer": "/%s/%s" % (field, bound),
                    "reason": "%r is not a date and time (RFC 3339)" % text[:64],
                }
            )
    if len(moments) == 2 and moments["start"] > moments["end"]:
        problems.extend(
            {
                "pointer": "/%s/%s" % (field, bound),
                "reason": "the window starts after it ends",
            }
            for bound in ("start", "end")
        )
    return problems
