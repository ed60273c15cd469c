"""Context switches that only server code can turn on.

A JSON-RPC caller chooses the whole context of its call: any plain value in it
(string, number, boolean, list, object) may come from outside. Server code that
must tell a write "this comes from the TMS", "the ownership guard does not
apply" or "reserve later" puts an instance of a class of this module in the
context instead. JSON cannot produce one, so an ``isinstance`` check proves
that server code set it; a plain value under the same key is ignored.
"""

from dataclasses import dataclass

# The context key of a write's source (a :class:`TrustedSource`).
SOURCE_KEY = "logistics_source"


@dataclass(frozen=True)
class TrustedSource:
    """The system a write comes from, vouched for by server code.

    :param system: the system code (``odoo``, ``tms``, ``portal``)
    :param bypass_ownership: apply every field whatever the ownership matrix
        says (for server code such as data migrations; never reachable from a
        client)
    """

    system: str
    bypass_ownership: bool = False


@dataclass(frozen=True)
class ServerFlag:
    """A named on-switch; compare with ``is`` against the module's constant."""

    name: str


def trusted(context, key, kind):
    """The value under ``key`` if server code set it (an instance of ``kind``).

    :returns: the value, or None when it is missing or a plain (client) value
    """
    value = (context or {}).get(key)
    return value if isinstance(value, kind) else None


def source(context, default):
    """The trusted source of a write: ``(system, bypass_ownership)``.

    A source given as a plain value (e.g. ``{"logistics_source": "tms"}`` in a
    JSON-RPC context) is ignored: the write is then one of ``default``.
    """
    vouched = trusted(context, SOURCE_KEY, TrustedSource)
    if vouched is None:
        return default, False
    return vouched.system, vouched.bypass_ownership


def flag_set(context, key, flag):
    """True only if ``context[key]`` is the very ``flag`` object."""
    return (context or {}).get(key) is flag
