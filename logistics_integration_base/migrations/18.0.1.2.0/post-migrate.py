"""Audit entries written so far are plain SHA-256 (version 1).

Entries written from now on are keyed (HMAC-SHA256, version 2) once the audit
key is configured; the old ones keep being verified as they are.
"""


def migrate(cr, version):
    cr.execute(
        "UPDATE logistics_audit_log SET hash_version = 1 WHERE hash_version IS NULL"
    )
