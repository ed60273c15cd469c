"""Tamper-evident hash chain for the immutable audit log.

Each row stores the hash of the previous row and its own hash, computed over
the previous hash and a canonical JSON form of its fields. Changing, removing
or reordering any row breaks the chain from that row on.
"""

import hashlib
import json

GENESIS = "0" * 64


def canonical_json(data):
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept, str() fallback."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def row_hash(previous_hash, fields):
    """SHA-256 hex digest of ``previous_hash + "\\n" + canonical_json(fields)``."""
    content = f"{previous_hash}\n{canonical_json(fields)}"
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def verify_chain(rows, first_previous_hash=GENESIS):
    """Index of the first broken link, or None if the chain is intact.

    :param rows: iterable of ``(fields, previous_hash, stored_hash)`` in chain
        order
    :param first_previous_hash: expected ``previous_hash`` of the first row
        (:data:`GENESIS`); pass None to verify a segment starting mid-chain
    """
    expected_previous = first_previous_hash
    for index, (fields, previous_hash, stored_hash) in enumerate(rows):
        if expected_previous is not None and previous_hash != expected_previous:
            return index
        if row_hash(previous_hash, fields) != stored_hash:
            return index
        expected_previous = stored_hash
    return None
