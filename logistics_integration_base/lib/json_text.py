"""JSON text in: parsed strictly within bounds, and NUL characters found
with their pointers, and replaced.

Every inbound JSON body (the customer API, the TMS webhooks) is parsed by
`loads`: no NaN or Infinity, no number out of range, nesting bounded; a body
that is not such JSON is a 400, never a stored message.

PostgreSQL stores no NUL (U+0000) in text or JSON, so a message holding one
could not even be logged. Every inbound path finds them here: the customer API
refuses the request (422), the message log records such a message as rejected
with the characters replaced (U+FFFD), never an error of the server.
Pure Python: tested in `tests/unit/test_json_text.py`.
"""

import json

from .schema import json_pointer

NUL = "\x00"
REPLACEMENT = "\ufffd"
# How json.dumps writes a NUL (control characters are always escaped).
ESCAPED_NUL = "\\u0000"


def nul_problems(value):
    """A problem for every string (or object key) that holds a NUL character.

    :returns: ``[{"pointer", "reason"}]`` sorted by pointer, empty when clean
    """
    # Every inbound message passes here: the walk only when the C encoder saw one.
    if ESCAPED_NUL not in json.dumps(value, default=str):
        return []
    problems = []
    stack = [("", value)]
    while stack:
        pointer, item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                problems.append(
                    {"pointer": pointer, "reason": "NUL characters are not allowed"}
                )
        elif isinstance(item, dict):
            for key, child in item.items():
                child_pointer = pointer + json_pointer([key])
                if isinstance(key, str) and NUL in key:
                    problems.append(
                        {
                            "pointer": child_pointer,
                            "reason": "NUL characters are not allowed in names",
                        }
                    )
                stack.append((child_pointer, child))
        elif isinstance(item, (list, tuple)):
            stack.extend(
                (pointer + json_pointer([index]), child)
                for index, child in enumerate(item)
            )
    return sorted(problems, key=lambda problem: problem["pointer"])


def without_nul(value):
    """A copy of `value` with every NUL of its strings and keys replaced."""
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT)
    if isinstance(value, dict):
        return {without_nul(key): without_nul(child) for key, child in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_nul(child) for child in value]
    return value


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
