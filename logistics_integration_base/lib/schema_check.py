"""A JSON Schema compiled into one check: is a payload valid, yes or no.

`jsonschema` walks the schema for every payload: a validator object per level,
an error generator per keyword. Most payloads a system sends are valid, and
all that is needed of them is "yes". `compile_check` turns a schema into
nested closures once, with the keyword semantics of `jsonschema` (its type
checker, its format checker, its equality and uniqueness helpers, Python's
`re.search` for patterns), for the keywords below. A schema using any other
keyword (`$ref`, `patternProperties`, `if`, `unevaluatedProperties`...) gets no
check (None): its payloads go to the validator as before.

The check only ever answers "valid" on its own: a payload it finds invalid is
handed to the validator, whose errors make the report (`schema.py`).
"""

import functools
import re

# `equal` and `uniq` are what jsonschema's own enum/const/uniqueItems keywords
# call (jsonschema is pinned): the check compares exactly as they do.
from jsonschema._utils import equal, uniq
from jsonschema.exceptions import UndefinedTypeCheck

# Keywords that never make a payload invalid.
ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentEncoding",
        "contentMediaType",
    }
)


class Unsupported(Exception):
    """The schema uses a keyword the check does not compile."""


def compile_check(schema, type_checker, format_checker=None):
    """One function `payload -> bool` for `schema`, or None (see the module).

    :param type_checker: the validator class's `TYPE_CHECKER`
    :param format_checker: the validator's format checker (None: formats are
        annotations, as for a validator built without one)
    """
    try:
        return _Compiler(type_checker, format_checker).compile(schema)
    except Unsupported:
        return None


def _valid(_instance):
    return True


def _invalid(_instance):
    return False


class _Compiler:
    def __init__(self, type_checker, format_checker):
        self.type_checker = type_checker
        self.format_checker = format_checker

    def is_type(self, name):
        """`instance -> bool` for the JSON type `name`, as the validator types it:
        the checker's own function (what its `is_type` looks up on every call)."""
        try:
            self.type_checker.is_type(None, name)
        except UndefinedTypeCheck as exc:
            raise Unsupported(name) from exc
        return functools.partial(
            self.type_checker._type_checkers[name],  # pylint: disable=protected-access
            self.type_checker,
        )

    def compile(self, schema):
        if schema is True:
            return _valid
        if schema is False:
            return _invalid
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema))
        checks = []
        for keyword, value in schema.items():
            if keyword in ANNOTATIONS:
                continue
            build = getattr(self, "kw_" + keyword.lstrip("$"), None)
            if build is None:
                raise Unsupported(keyword)
            check = build(value, schema)
            if check is not _valid:
                checks.append(check)
        if not checks:
            return _valid
        if len(checks) == 1:
            return checks[0]
        checks = tuple(checks)

        return lambda instance: all(check(instance) for check in checks)

    # -- keywords (named kw_<keyword>); each returns `instance -> bool` ------

    def kw_type(self, value, _schema):
        tests = tuple(self.is_type(name) for name in _as_list(value))
        if len(tests) == 1:
            return tests[0]
        return lambda instance: any(test(instance) for test in tests)

    def kw_enum(self, value, _schema):
        return lambda instance: any(equal(each, instance) for each in value)

    def kw_const(self, value, _schema):
        return lambda instance: equal(instance, value)

    def kw_properties(self, value, _schema):
        is_object = self.is_type("object")
        subs = tuple((name, self.compile(sub)) for name, sub in value.items())

        def check(instance):
            if not is_object(instance):
                return True
            for name, sub in subs:
                if name in instance and not sub(instance[name]):
                    return False
            return True

        return check

    def kw_required(self, value, _schema):
        is_object = self.is_type("object")
        return lambda instance: (
            not is_object(instance) or all(name in instance for name in value)
        )

    def kw_additionalProperties(self, value, schema):
        if "patternProperties" in schema:
            raise Unsupported("patternProperties")
        is_object = self.is_type("object")
        known = frozenset(schema.get("properties", {}))
        if isinstance(value, dict):
            sub = self.compile(value)
            return lambda instance: (
                not is_object(instance)
                or all(sub(instance[name]) for name in instance if name not in known)
            )
        if value:
            return _valid
        return lambda instance: (
            not is_object(instance) or all(name in known for name in instance)
        )

    def kw_minProperties(self, value, _schema):
        is_object = self.is_type("object")
        return lambda instance: not is_object(instance) or len(instance) >= value

    def kw_maxProperties(self, value, _schema):
        is_object = self.is_type("object")
        return lambda instance: not is_object(instance) or len(instance) <= value

    def kw_items(self, value, schema):
        if "prefixItems" in schema:
            raise Unsupported("prefixItems")
        is_array = self.is_type("array")
        sub = self.compile(value)
        return lambda instance: (
            not is_array(instance) or all(sub(item) for item in instance)
        )

    def kw_minItems(self, value, _schema):
        is_array = self.is_type("array")
        return lambda instance: not is_array(instance) or len(instance) >= value

    def kw_maxItems(self, value, _schema):
        is_array = self.is_type("array")
        return lambda instance: not is_array(instance) or len(instance) <= value

    def kw_uniqueItems(self, value, _schema):
        if not value:
            return _valid
        is_array = self.is_type("array")
        return lambda instance: not is_array(instance) or uniq(instance)

    def kw_minLength(self, value, _schema):
        is_string = self.is_type("string")
        return lambda instance: not is_string(instance) or len(instance) >= value

    def kw_maxLength(self, value, _schema):
        is_string = self.is_type("string")
        return lambda instance: not is_string(instance) or len(instance) <= value

    def kw_pattern(self, value, _schema):
        is_string = self.is_type("string")
        search = re.compile(value).search  # jsonschema: re.search(value, instance)
        return lambda instance: not is_string(instance) or bool(search(instance))

    def kw_format(self, value, _schema):
        if self.format_checker is None:
            return _valid
        conforms = self.format_checker.conforms
        return lambda instance: conforms(instance, value)

    def kw_minimum(self, value, _schema):
        is_number = self.is_type("number")
        return lambda instance: not is_number(instance) or not instance < value

    def kw_maximum(self, value, _schema):
        is_number = self.is_type("number")
        return lambda instance: not is_number(instance) or not instance > value

    def kw_exclusiveMinimum(self, value, _schema):
        is_number = self.is_type("number")
        return lambda instance: not is_number(instance) or not instance <= value

    def kw_exclusiveMaximum(self, value, _schema):
        is_number = self.is_type("number")
        return lambda instance: not is_number(instance) or not instance >= value

    def kw_anyOf(self, value, _schema):
        subs = tuple(self.compile(sub) for sub in value)
        return lambda instance: any(sub(instance) for sub in subs)

    def kw_allOf(self, value, _schema):
        subs = tuple(self.compile(sub) for sub in value)
        return lambda instance: all(sub(instance) for sub in subs)

    def kw_oneOf(self, value, _schema):
        subs = tuple(self.compile(sub) for sub in value)
        return lambda instance: sum(1 for sub in subs if sub(instance)) == 1


def _as_list(value):
    """jsonschema's `ensure_list`: a single type name is a list of one."""
    return [value] if isinstance(value, str) else value
