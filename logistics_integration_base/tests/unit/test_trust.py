"""Context switches only server code can turn on."""

import json

from logistics_integration_base.lib import trust

FLAG = trust.ServerFlag("logistics_defer_reservation")


def _from_json(context):
    """A context as a JSON-RPC client delivers it."""
    return json.loads(json.dumps(context))


def test_plain_source_from_a_client_is_ignored():
    for value in ("tms", "portal", {"system": "tms", "bypass_ownership": True}, True):
        context = _from_json({"logistics_source": value})
        assert trust.source(context, "odoo") == ("odoo", False)


def test_trusted_source_is_used():
    context = {"logistics_source": trust.TrustedSource("tms")}
    assert trust.source(context, "odoo") == ("tms", False)
    context = {"logistics_source": trust.TrustedSource("odoo", bypass_ownership=True)}
    assert trust.source(context, "odoo") == ("odoo", True)


def test_missing_context_means_default():
    assert trust.source(None, "odoo") == ("odoo", False)
    assert trust.source({}, "odoo") == ("odoo", False)


def test_trusted_source_is_hashable_and_compares_by_value():
    # Odoo may put a context's values in sets or cache keys.
    assert hash(trust.TrustedSource("tms")) == hash(trust.TrustedSource("tms"))
    assert trust.TrustedSource("tms") != trust.TrustedSource("tms", True)


def test_flag_must_be_the_very_object():
    assert trust.flag_set({"logistics_defer_reservation": FLAG}, FLAG.name, FLAG)
    for value in (True, 1, "logistics_defer_reservation", {"name": FLAG.name}):
        context = _from_json({"logistics_defer_reservation": value})
        assert not trust.flag_set(context, FLAG.name, FLAG)
    assert not trust.flag_set(None, FLAG.name, FLAG)
