"""Payload fingerprints to tell a harmless retry from a reused idempotency key."""

import hashlib
import hmac

from .audit_chain import canonical_json

SAME = "same"
CONFLICT = "conflict"


def fingerprint(payload):
    """SHA-256 hex digest of the canonical JSON of ``payload`` (key order ignored)."""
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def compare(stored_fingerprint, payload):
    """``"same"`` if ``payload`` matches the stored fingerprint, else ``"conflict"``."""
    if not stored_fingerprint:
        raise ValueError("No stored fingerprint to compare the payload with")
    if hmac.compare_digest(stored_fingerprint, fingerprint(payload)):
        return SAME
    return CONFLICT
