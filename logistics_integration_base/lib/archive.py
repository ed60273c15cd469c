"""Archiving to history: the pure parts (cut-off, chunks, digests, audit details).

Rows past their retention leave the hot tables in chunks, one transaction per
chunk. Each chunk is recorded by one audit entry whose details (covered by the
audit chain's hash) name what moved and a digest of the archived rows: the
chain stays verifiable (no audit entry is changed), and the archived rows can be
checked against the digest the chain holds.
"""

import hashlib
import json
from datetime import date, datetime, timedelta

from .audit_chain import canonical_json

DEFAULT_CHUNK_SIZE = 500
MAX_CHUNK_SIZE = 10000
DETAILS_KIND = "archive"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def cutoff(now, days):
    """The moment before which rows are archived, or None (0 days: never).

    :raises ValueError: for a negative number of days
    """
    days = int(days or 0)
    if days < 0:
        raise ValueError("A retention period cannot be negative (0: never archive)")
    if not days:
        return None
    return now - timedelta(days=days)


def chunk_size(requested, default=DEFAULT_CHUNK_SIZE):
    """A usable chunk size: the requested one within 1..MAX_CHUNK_SIZE."""
    try:
        size = int(requested or default)
    except (TypeError, ValueError):
        size = default
    return max(1, min(size, MAX_CHUNK_SIZE))


def remaining_after(moved, size, eligible_left):
    """What is left to archive after a chunk, for the cron's progress.

    A short chunk means nothing eligible was left when it was taken; a full
    one leaves what the count says (at least one more run to make sure).
    """
    if moved < size:
        return 0
    return max(1, eligible_left)


def plain(value):
    """A value as it is archived in JSON: datetimes as UTC text, dates ISO."""
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def digest(rows, key="id"):
    """SHA-256 (hex) of archived rows, in the order of ``key``.

    :param rows: mappings of column to value (one per archived row); the same
        rows read back later give the same digest, whatever order they come in
    """
    ordered = sorted(rows, key=lambda row: row[key])
    hasher = hashlib.sha256()
    for row in ordered:
        hasher.update(canonical_json(plain(dict(row))).encode("utf-8"))
        hasher.update(b"\n")
    return hasher.hexdigest()


def audit_details(model, ids, rows_digest, **extra):
    """The details of a chunk's audit entry (canonical JSON text).

    :param model: the archive model the rows went to
    :param ids: ids of the archived rows
    """
    ids = sorted(ids)
    if not ids:
        raise ValueError("An archive chunk holds at least one row")
    return canonical_json(
        {
            "kind": DETAILS_KIND,
            "model": model,
            "count": len(ids),
            "first_id": ids[0],
            "last_id": ids[-1],
            "digest": rows_digest,
            **extra,
        }
    )


def parse_details(text):
    """The details of an archive audit entry as a dict, or None if they are not."""
    try:
        details = json.loads(text or "")
    except ValueError:
        return None
    if not isinstance(details, dict) or details.get("kind") != DETAILS_KIND:
        return None
    if not all(
        key in details for key in ("model", "count", "first_id", "last_id", "digest")
    ):
        return None
    return details


def check_chunk(details, rows, key="id"):
    """Problems of archived rows against their audit entry's details (empty: ok)."""
    problems = []
    ids = sorted(row[key] for row in rows)
    if len(ids) != details["count"]:
        problems.append(f"{len(ids)} rows archived, {details['count']} recorded")
    if ids and (ids[0], ids[-1]) != (details["first_id"], details["last_id"]):
        problems.append(
            f"ids {ids[0]}..{ids[-1]}, recorded "
            f"{details['first_id']}..{details['last_id']}"
        )
    if digest(rows, key) != details["digest"]:
        problems.append("the digest of the archived rows differs from the recorded one")
    return problems
