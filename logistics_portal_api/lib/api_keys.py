"""API keys: `lsk_<key id>_<secret>`; only a hash of the secret is stored.

The key id is public (it finds the key); the secret is 32 random bytes, so a
plain SHA-256 is enough to store it (no dictionary to guess from).
"""

import hashlib
import hmac
import re
import secrets

PREFIX = "lsk"
KEY_ID_BYTES = 6
SECRET_BYTES = 32
KEY_PATTERN = re.compile(
    r"^lsk_(?P<key_id>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{40,})$"
)

SCOPES = (
    "orders:write",
    "orders:read",
    "shipments:read",
    "documents:read",
    "invoices:read",
    "webhooks:manage",
)
# A webhook subscription may only receive what its caller may read: the
# events of a family need that family's read scope.
EVENT_SCOPES = {
    "order": "orders:read",
    "shipment": "shipments:read",
    "invoice": "invoices:read",
    "service_request": "orders:read",
    "return": "orders:read",  # returns are read with their orders
    "appointment": "shipments:read",  # delivery appointments of shipments
}


def generate():
    """A new key: (key id, secret, the full key to hand over once)."""
    key_id = secrets.token_hex(KEY_ID_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return key_id, secret, "%s_%s_%s" % (PREFIX, key_id, secret)


def parse(full_key):
    """(key id, secret) of a presented key; ValueError if it is not one."""
    match = KEY_PATTERN.match((full_key or "").strip())
    if not match:
        raise ValueError("This is not an API key of this service.")
    return match["key_id"], match["secret"]


def hash_secret(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def verify(secret, stored_hash):
    return hmac.compare_digest(hash_secret(secret), stored_hash or "")


def parse_scopes(text):
    """The scopes of a space or comma separated text; ValueError on unknown ones."""
    scopes = [s for s in re.split(r"[\s,]+", text or "") if s]
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(
            "Unknown scope(s): %s. Known: %s." % (", ".join(unknown), ", ".join(SCOPES))
        )
    return sorted(set(scopes))


def event_scopes(events):
    """The read scopes a subscription to `events` needs, sorted."""
    needed = set()
    for event in events:
        family = str(event).partition(".")[0]
        if family not in EVENT_SCOPES:
            raise ValueError("Unknown event family of %s." % event)
        needed.add(EVENT_SCOPES[family])
    return sorted(needed)


def effective_scopes(token_scopes, key_scopes):
    """What a bearer token may do now: its scopes its key still holds."""
    return sorted(set(token_scopes) & set(key_scopes))


def new_token():
    """A bearer token for the OAuth2 client-credentials grant."""
    return secrets.token_urlsafe(SECRET_BYTES)
