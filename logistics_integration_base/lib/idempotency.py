"""Payload fingerprints to tell a harmless retry from a reused idempotency key."""

import hashlib

from .audit_chain import canonical_json


def fingerprint(payload):
    """SHA-256 hex digest of the canonical JSON of ``payload`` (key order ignored)."""
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
