"""Partner templates: a whole connection as data, shipped in ``lib/partners/``.

One folder per partner dialect: ``template.json`` (the endpoint's settings,
the secrets to ask for, its mappings, its status code table) beside the
JSONata files its mappings name. Connecting a partner of that dialect is
then a form (``logistics.endpoint.template.wizard``): no Python of its own.

``template.json``::

    {"name": "...", "description": "...",
     "endpoint": {"system": "tms", "protocol": "rest", "auth_method": "oauth2",
                  "oauth_token_path": "oauth/token", ...},
     "secrets": ["client_secret"],
     "mappings": [{"name", "direction", "operation", "expression_file",
                   REST operation and event feed fields ...}],
     "status_codes": {"partner code": "canonical code", ...}}

``oauth_token_path`` is relative to the base URL the user gives; the other
endpoint keys are the endpoint's own fields.
"""

import functools
import json
from pathlib import Path

from . import event_feed, jsonata_mapping, milestones, rest_operations

FOLDER = Path(__file__).resolve().parent / "partners"
ENDPOINT_KEYS = frozenset(
    {
        "system",
        "protocol",
        "auth_method",
        "api_key_header",
        "oauth_token_path",
        "oauth_scope",
        "tms_poll_enabled",
        "tms_poll_page_size",
        "connect_timeout",
        "read_timeout",
        "max_attempts",
        "backoff_schedule",
    }
)
SECRET_KINDS = frozenset({"api_key", "password", "client_secret", "hmac"})
MAPPING_KEYS = frozenset(
    {
        "name",
        "direction",
        "operation",
        "expression_file",
        "http_method",
        "path_template",
        "answer_id_path",
        "answer_status_path",
        "answer_error_path",
        "feed_path",
        "feed_pagination",
        "feed_position_param",
        "feed_size_param",
        "feed_next_path",
    }
)
ANSWER_PATH_KEYS = ("answer_id_path", "answer_status_path", "answer_error_path")


class TemplateError(ValueError):
    """A shipped template is invalid (reason in the message)."""


def available():
    """``[(key, name)]`` of the shipped templates, by name."""
    found = [
        (folder.name, load(folder.name)["name"])
        for folder in sorted(FOLDER.iterdir())
        if (folder / "template.json").is_file()
    ]
    return sorted(found, key=lambda item: item[1])


@functools.cache
def load(key):
    """The template ``key`` with its mappings' expressions read and checked.

    :raises TemplateError: if the template is missing or invalid
    """
    folder = FOLDER / key
    if not key.isidentifier() or not (folder / "template.json").is_file():
        raise TemplateError("no partner template %r" % key)
    template = json.loads((folder / "template.json").read_text(encoding="utf-8"))
    problems = template_problems(template)
    mappings = []
    for position, mapping in enumerate(template.get("mappings") or []):
        where = "mappings[%d]" % position
        name = mapping.get("expression_file") or ""
        path = folder / name
        if not name or path.parent != folder or not path.is_file():
            problems.append("%s: no expression file %r" % (where, name))
            continue
        expression = path.read_text(encoding="utf-8")
        problems += [
            "%s: %s" % (name, p["reason"]) for p in jsonata_mapping.check(expression)
        ]
        values = {k: v for k, v in mapping.items() if k != "expression_file"}
        mappings.append(dict(values, expression=expression))
    if problems:
        raise TemplateError("template %s: %s" % (key, "; ".join(problems)))
    return dict(template, mappings=mappings)


def template_problems(template):
    """Why a template's settings (expressions aside) are invalid."""
    problems = []
    if not isinstance(template.get("name"), str) or not template["name"]:
        problems.append("it has no name")
    endpoint = template.get("endpoint") or {}
    problems += [
        "unknown endpoint key %r" % k for k in endpoint if k not in ENDPOINT_KEYS
    ]
    problems += [
        "unknown secret kind %r" % kind
        for kind in template.get("secrets") or []
        if kind not in SECRET_KINDS
    ]
    for position, mapping in enumerate(template.get("mappings") or []):
        problems += [
            "mappings[%d]: %s" % (position, problem)
            for problem in mapping_problems(mapping)
        ]
    problems += [
        "status code %s: unknown canonical code %r" % (code, canonical)
        for code, canonical in (template.get("status_codes") or {}).items()
        if canonical not in milestones.CANONICAL
    ]
    return problems


def mapping_problems(mapping):
    """Why one mapping of a template is invalid (its expression aside)."""
    problems = ["unknown key %r" % k for k in mapping if k not in MAPPING_KEYS]
    if mapping.get("path_template"):
        problems += rest_operations.path_problems(mapping["path_template"])
    if mapping.get("http_method") and (
        mapping["http_method"] not in rest_operations.METHODS
    ):
        problems.append("unknown HTTP method %r" % mapping["http_method"])
    for key in ANSWER_PATH_KEYS:
        if mapping.get(key):
            problems += [p["reason"] for p in jsonata_mapping.check(mapping[key])]
    if mapping.get("feed_path"):
        feed = {
            "path": mapping["feed_path"],
            "pagination": mapping.get("feed_pagination"),
            "position_param": mapping.get("feed_position_param"),
            "size_param": mapping.get("feed_size_param"),
            "next": mapping.get("feed_next_path"),
        }
        problems += event_feed.problems(feed)
    return problems
