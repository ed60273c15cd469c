"""Versioned JSON Schemas (draft 2020-12) loaded from a folder.

Schema files are named ``<name>.v<major>.json``, e.g. ``tms.event.v1.json``
holds schema ``tms.event`` version ``1``. Validators are built once per
registry and cached, and so is each schema's compiled validity check
(`schema_check.py`): a valid payload is answered by the check, an invalid one
is reported by the validator.
"""

import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from . import errors, schema_check

SCHEMA_FILE_RE = re.compile(r"(?P<name>[A-Za-z0-9_.-]+)\.v(?P<version>[1-9]\d*)\.json")
SCHEMA_NAME_RE = re.compile(r"[A-Za-z0-9_.-]+")
ROOT_LABEL = "(root)"  # how the root pointer "" is shown in messages


def json_pointer(path):
    """RFC 6901 JSON pointer for a sequence of keys/indexes ("" for the root)."""
    return "".join(
        "/" + str(part).replace("~", "~0").replace("/", "~1") for part in path
    )


class SchemaRegistry:
    """The JSON Schemas of one folder, with cached validators."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self._validators = {}
        self._checks = {}
        self._available = None

    def __repr__(self):
        return f"SchemaRegistry({str(self.folder)!r})"

    def available(self):
        """Sorted list of ``(name, version)`` of the schema files in the folder.

        Listed once per registry: schema files ship with the code.
        """
        if self._available is None:
            self._available = self._list_folder()
        return list(self._available)

    def _list_folder(self):
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.iterdir():
            match = SCHEMA_FILE_RE.fullmatch(path.name)
            if match and path.is_file():
                found.append((match["name"], int(match["version"])))
        return sorted(found)

    def validator(self, name, version):
        """The cached ``Draft202012Validator`` of schema ``name`` v``version``.

        :raises errors.PermanentError: if the schema does not exist, is not
            valid JSON or is not a valid JSON Schema
        """
        key = (name, _normalize_version(name, version))
        if key not in self._validators:
            self._validators[key] = self._load(*key)
        return self._validators[key]

    def is_valid(self, name, version, payload):
        """Whether ``payload`` matches the schema, by its compiled check (or
        by the validator when the schema has none: see `schema_check.py`)."""
        key = (name, _normalize_version(name, version))
        if key not in self._checks:
            validator = self.validator(*key)
            self._checks[key] = (
                schema_check.compile_check(
                    validator.schema, validator.TYPE_CHECKER, validator.format_checker
                )
                or validator.is_valid
            )
        return self._checks[key](payload)

    def validate(self, name, version, payload):
        """Validate ``payload``; raise :class:`errors.SchemaViolation` if invalid.

        The error's ``details`` lists every problem as
        ``{"pointer": "/lines/0/quantity", "reason": "..."}``, sorted by pointer.
        """
        version = _normalize_version(name, version)
        # Most payloads are valid: the compiled check says so, building nothing.
        # The report of the others is made by the validator, as ever.
        if self.is_valid(name, version, payload):
            return
        validator = self.validator(name, version)
        details = sorted(
            (
                {"pointer": json_pointer(error.absolute_path), "reason": error.message}
                for error in validator.iter_errors(payload)
            ),
            key=lambda detail: (detail["pointer"], detail["reason"]),
        )
        if details:
            raise errors.SchemaViolation(
                _violation_message(name, version, details), details=details
            )

    def _load(self, name, version):
        """Read, check and compile one schema file."""
        path = self.folder / f"{name}.v{version}.json"
        if not path.is_file():
            raise errors.PermanentError(f"Unknown schema {name} v{version}")
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise errors.PermanentError(
                f"Schema file {path.name} is not valid JSON: {exc}"
            ) from exc
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise errors.PermanentError(
                f"Schema file {path.name} is not a valid JSON Schema: {exc.message}"
            ) from exc
        return Draft202012Validator(
            schema, format_checker=Draft202012Validator.FORMAT_CHECKER
        )


def _normalize_version(name, version):
    """Check the schema name and return the version as an int.

    Names are restricted to safe file-name characters so that a name coming
    from a request can never point outside the schema folder.
    """
    text = str(version).strip()
    if (
        not isinstance(name, str)
        or not SCHEMA_NAME_RE.fullmatch(name)
        or isinstance(version, bool)
        or not text.isdigit()
        or not text.isascii()
        or int(text) < 1
    ):
        raise errors.PermanentError(f"Unknown schema {name} v{version}")
    return int(text)


def _violation_message(name, version, details):
    """Summary message naming the first problem and how many others there are."""
    first = details[0]
    pointer = first["pointer"] or ROOT_LABEL
    message = (
        f"Payload does not match schema {name} v{version}: {pointer}: {first['reason']}"
    )
    others = len(details) - 1
    if others:
        message += f" (and {others} more)"
    return message
