import pytest

from logistics_portal_api.lib import api_keys


def test_generated_key_parses_back_and_verifies():
    key_id, secret, full = api_keys.generate()
    assert full.startswith("lsk_")
    assert api_keys.parse(full) == (key_id, secret)
    stored = api_keys.hash_secret(secret)
    assert secret not in stored
    assert api_keys.verify(secret, stored)
    assert not api_keys.verify(secret + "x", stored)
    assert not api_keys.verify(secret, None)


def test_two_keys_differ():
    assert api_keys.generate()[2] != api_keys.generate()[2]


@pytest.mark.parametrize(
    "presented",
    [
        "",
        None,
        "Bearer abc",
        "lsk_short_secret",
        "lsk_0123456789ab_",
        "xyz_0123456789ab_" + "a" * 43,
    ],
)
def test_garbage_is_not_a_key(presented):
    with pytest.raises(ValueError, match="not an API key"):
        api_keys.parse(presented)


def test_scopes_are_checked():
    assert api_keys.parse_scopes("orders:read, shipments:read orders:read") == [
        "orders:read",
        "shipments:read",
    ]
    with pytest.raises(ValueError, match="orders:delete"):
        api_keys.parse_scopes("orders:read orders:delete")
    assert api_keys.parse_scopes("") == []


def test_tokens_are_long_and_random():
    first, second = api_keys.new_token(), api_keys.new_token()
    assert first != second
    assert len(first) >= 40


def test_invoices_have_their_own_scope():
    assert "invoices:read" in api_keys.SCOPES
    assert api_keys.parse_scopes("invoices:read") == ["invoices:read"]


def test_webhook_events_need_the_read_scope_of_their_family():
    assert api_keys.event_scopes(
        ["order.accepted", "order.held", "shipment.delivered", "invoice.posted"]
    ) == ["invoices:read", "orders:read", "shipments:read"]
    assert api_keys.event_scopes([]) == []
    with pytest.raises(ValueError, match="nope"):
        api_keys.event_scopes(["nope.x"])


def test_a_token_keeps_only_what_its_key_still_grants():
    token = ["orders:read", "shipments:read"]
    assert api_keys.effective_scopes(token, ["orders:read", "orders:write"]) == [
        "orders:read"
    ]
    assert api_keys.effective_scopes(token, []) == []
