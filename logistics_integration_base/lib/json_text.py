"""NUL characters in JSON text: found with their pointers, and replaced.

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
