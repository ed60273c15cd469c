"""Request bodies in: checks JSON Schema cannot say (the JSON text itself is
parsed by the base's `lib/json_text.loads`, strict and bounded).

Pure Python, no ORM: tested in `tests/unit/test_json_input.py`. Each check
returns problems as `{"pointer": <RFC 6901 pointer>, "reason": <text>}`.
"""

from odoo.addons.logistics_integration_base.lib import timestamps


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
