"""Master data for partners: customers' delivery locations and products, sent
to a TMS, carrier or 3PL when they change, in batches.

A record is sent when its content differs from what the endpoint was sent
last (a digest per endpoint, kind and record): a write that changes nothing
the partner sees sends nothing, and a record sent twice is the same record.

Pure Python: tested in ``tests/unit/test_master_data.py``.
"""

import hashlib

from odoo.addons.logistics_integration_base.lib.audit_chain import canonical_json

LOCATIONS = "locations"
PRODUCTS = "products"
KINDS = (LOCATIONS, PRODUCTS)
MAX_BATCH = 1000  # what one call may carry


def digest(record):
    """A record's fingerprint: equal records, equal digests, key order aside."""
    return hashlib.sha256(canonical_json(record).encode()).hexdigest()


def changed(records, sent):
    """``(record, digest)`` of the records whose content differs from what
    ``sent`` (record id -> digest) says the partner has."""
    result = []
    for record in records:
        fingerprint = digest(record)
        if sent.get(record["id"]) != fingerprint:
            result.append((record, fingerprint))
    return result


def batches(items, size):
    """``items`` in lists of at most ``size`` (1 to :data:`MAX_BATCH`)."""
    if not 1 <= size <= MAX_BATCH:
        raise ValueError(f"batch size must be 1 to {MAX_BATCH}, not {size}")
    return [items[start : start + size] for start in range(0, len(items), size)]


def location_record(key, customer_ref, party):
    """A delivery location: the customer it belongs to and its address."""
    return {"id": key, "customer": customer_ref, **party}


def product_record(key, **values):
    """A product as transport sees it: code, name, unit, size, hazard."""
    return {
        "id": key,
        "sku": values.get("sku") or None,
        "name": values["name"],
        "uom": values.get("uom") or None,
        "weight_kg": values.get("weight_kg") or 0.0,
        "volume_m3": values.get("volume_m3") or 0.0,
        "hazardous": bool(values.get("hazardous")),
        "un_number": values.get("un_number") or None,
    }
