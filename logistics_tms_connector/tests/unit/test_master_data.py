import pytest

from odoo.addons.logistics_tms_connector.lib import master_data


def _keg(**changes):
    return master_data.product_record(
        "product.product/7",
        **{"sku": "KEG30", "name": "Keg 30 l", "weight_kg": 36.5, **changes},
    )


def test_a_records_digest_ignores_key_order():
    record = {"id": "a", "name": "x", "zip": "1000"}
    assert master_data.digest(record) == master_data.digest(
        dict(reversed(record.items()))
    )
    assert master_data.digest(record) != master_data.digest(dict(record, zip="1001"))


def test_only_records_that_differ_from_what_was_sent_are_changed():
    keg, cask = _keg(), master_data.product_record("product.product/8", name="Cask")
    sent = {keg["id"]: master_data.digest(keg)}
    assert master_data.changed([keg, cask], sent) == [(cask, master_data.digest(cask))]
    heavier = _keg(weight_kg=37.0)
    assert [r for r, _d in master_data.changed([heavier], sent)] == [heavier]


def test_batches_split_in_order_and_check_the_size():
    assert master_data.batches(list(range(5)), 2) == [[0, 1], [2, 3], [4]]
    assert master_data.batches([], 2) == []
    with pytest.raises(ValueError):
        master_data.batches([1], 0)
    with pytest.raises(ValueError):
        master_data.batches([1], master_data.MAX_BATCH + 1)


def test_product_record_defaults():
    record = master_data.product_record("p/1", name="Crate")
    assert record == {
        "id": "p/1",
        "sku": None,
        "name": "Crate",
        "uom": None,
        "weight_kg": 0.0,
        "volume_m3": 0.0,
        "hazardous": False,
        "un_number": None,
    }


def test_location_record_carries_its_customer():
    party = {"name": "Dock 2", "city": "Leuze"}
    assert master_data.location_record("res.partner/3", "res.partner/1", party) == {
        "id": "res.partner/3",
        "customer": "res.partner/1",
        "name": "Dock 2",
        "city": "Leuze",
    }
