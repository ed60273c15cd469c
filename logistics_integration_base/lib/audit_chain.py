"""Tamper-evident hash chain for the immutable audit log.

Each row stores the hash of the previous row and its own hash, computed over
the previous hash and a canonical JSON form of its fields. Changing, removing
or reordering any row breaks the chain from that row on.

Rows are keyed (version 2): their hash is an HMAC-SHA256 under a key kept
outside the database, so that whoever can write the database but does not hold
the key cannot recompute a chain over changed rows. Rows written before the
key existed (version 1) keep their plain SHA-256 and are still verified; a plain
row after a keyed one is a break (a rewrite that dropped the key).
"""

import hashlib
import hmac
import json
import secrets

GENESIS = "0" * 64
PLAIN = 1  # SHA-256 of the content: anyone can recompute it
KEYED = 2  # HMAC-SHA256 of the content under the audit key
MIN_KEY_LENGTH = 32
GENERATED_KEY_BYTES = 32


def canonical_json(data):
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept, str() fallback."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def generate_key():
    """A new random audit key (url-safe text)."""
    return secrets.token_urlsafe(GENERATED_KEY_BYTES)


def parse_key(text):
    """The audit key as bytes, or None when none is configured.

    :raises ValueError: if the key is shorter than :data:`MIN_KEY_LENGTH`
        characters (the message never shows the key)
    """
    text = (text or "").strip()
    if not text:
        return None
    if len(text) < MIN_KEY_LENGTH:
        raise ValueError(
            f"The audit key must be at least {MIN_KEY_LENGTH} characters long "
            "(see generate_key())"
        )
    return text.encode("utf-8")


def row_hash(previous_hash, fields, key=None):
    """Hex digest of ``previous_hash + "\\n" + canonical_json(fields)``.

    SHA-256 without ``key`` (version :data:`PLAIN`), HMAC-SHA256 under ``key``
    (version :data:`KEYED`).
    """
    content = f"{previous_hash}\n{canonical_json(fields)}".encode()
    if key is None:
        return hashlib.sha256(content).hexdigest()
    return hmac.new(key, content, hashlib.sha256).hexdigest()


def row_version(key):
    """The version of the rows written with ``key`` (None: unkeyed)."""
    return PLAIN if key is None else KEYED


def check_row(previous_hash, fields, stored_hash, version, key):
    """True if ``stored_hash`` is the row's hash under its version.

    :raises LookupError: for a keyed row when no key is given
    """
    if version == KEYED:
        if key is None:
            raise LookupError("A keyed audit row cannot be verified without the key")
        expected = row_hash(previous_hash, fields, key)
    else:
        expected = row_hash(previous_hash, fields)
    return hmac.compare_digest(expected, stored_hash or "")


def verify_chain(rows, first_previous_hash=GENESIS, key=None):
    """Index of the first broken link, or None if the chain is intact.

    :param rows: iterable of ``(fields, previous_hash, stored_hash)`` or
        ``(fields, previous_hash, stored_hash, version)`` in chain order
        (version :data:`PLAIN` when left out)
    :param first_previous_hash: expected ``previous_hash`` of the first row
        (:data:`GENESIS`); pass None to verify a segment starting mid-chain
    :param key: the audit key (bytes), needed for keyed rows
    """
    expected_previous = first_previous_hash
    keyed_seen = False
    for index, row in enumerate(rows):
        fields, previous_hash, stored_hash = row[:3]
        version = row[3] if len(row) > 3 else PLAIN
        if expected_previous is not None and previous_hash != expected_previous:
            return index
        if keyed_seen and version != KEYED:
            return index
        if not check_row(previous_hash, fields, stored_hash, version, key):
            return index
        keyed_seen = keyed_seen or version == KEYED
        expected_previous = stored_hash
    return None


def anchor_record(database, sequence, head_hash, at):
    """One line of the external anchor file (JSON), for the chain's head."""
    return canonical_json(
        {"at": at, "database": database, "sequence": sequence, "hash": head_hash}
    )


def parse_anchor(line):
    """``(database, sequence, hash)`` of an anchor line, or None if unusable."""
    try:
        record = json.loads(line)
        return str(record["database"]), int(record["sequence"]), str(record["hash"])
    except (ValueError, KeyError, TypeError):
        return None
