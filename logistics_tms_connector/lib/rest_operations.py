"""REST operations as configuration: method, path template, answer paths.

An operation is a dict ``{"method", "path", "id", "status", "error"}``
(:data:`shipped_mappings.REST_OPERATIONS` holds the simulator protocol's):
``path`` is relative to the endpoint's base URL, with ``{reference}`` the only
placeholder (the TMS's id of the shipment, URL-encoded); ``id``, ``status``
and ``error`` are JSONata expressions read on the JSON answer (``None``: not
read). An ``error`` found in a successful answer (some APIs answer 200 with
an error object) fails the call for good.
"""

import string
from urllib.parse import quote

from . import jsonata_mapping

METHODS = ("POST", "PUT", "PATCH", "DELETE", "GET")
PLACEHOLDERS = ("reference",)
ANSWER_KEYS = ("id", "status", "error")


class OperationError(ValueError):
    """An operation's configuration is invalid (reason in the message)."""


def path_problems(template):
    """Why ``template`` is not a valid path template (``[]`` when it is)."""
    if not isinstance(template, str) or not template.strip():
        return ["the path is empty"]
    problems = []
    if "://" in template or template.startswith("//"):
        problems.append("the path is relative to the endpoint's URL: no host")
    if ".." in template.split("/"):
        problems.append("the path may not climb out of the endpoint's URL (..)")
    try:
        fields = [
            name for _text, name, _spec, _conv in string.Formatter().parse(template)
        ]
    except ValueError as err:
        return [*problems, f"malformed placeholder: {err}"]
    problems.extend(
        f"unknown placeholder {{{name}}} (known: {{reference}})"
        for name in fields
        if name is not None and name not in PLACEHOLDERS
    )
    return problems


def render_path(template, reference=None):
    """The path of an operation, ``{reference}`` URL-encoded (``/`` too).

    :raises OperationError: if the template is invalid or needs a reference
        that is missing
    """
    problems = path_problems(template)
    if problems:
        raise OperationError("; ".join(problems))
    if "{reference}" in template and not reference:
        raise OperationError("the path needs the TMS's reference of the shipment")
    return template.format(reference=quote(str(reference or ""), safe=""))


def read_answer(operation, body):
    """``{"id", "status", "error"}`` read from a JSON answer by the operation's
    expressions (``None`` where none is set or nothing is found).

    :raises jsonata_mapping.MappingError: if an expression fails
    """
    found = {}
    for key in ANSWER_KEYS:
        expression = operation.get(key)
        found[key] = jsonata_mapping.evaluate(expression, body) if expression else None
    return found
