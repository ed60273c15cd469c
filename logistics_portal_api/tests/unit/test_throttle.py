from datetime import datetime

from logistics_portal_api.lib import throttle


def test_window_start_floors_to_the_window():
    now = datetime(2026, 11, 27, 10, 15, 42)
    assert throttle.window_start(now) == datetime(2026, 11, 27, 10, 15, 0)
    assert throttle.window_start(now, 300) == datetime(2026, 11, 27, 10, 15, 0)
    assert throttle.window_start(now, 3600) == datetime(2026, 11, 27, 10, 0, 0)


def test_retry_after_counts_the_rest_of_the_window():
    start = datetime(2026, 11, 27, 10, 15, 0)
    assert throttle.retry_after(datetime(2026, 11, 27, 10, 15, 42), start) == 18
    assert throttle.retry_after(datetime(2026, 11, 27, 10, 15, 59, 500000), start) == 1
    assert throttle.retry_after(datetime(2026, 11, 27, 10, 16, 30), start) == 1


def test_buckets_name_kind_and_subject():
    assert throttle.bucket(throttle.KEY, 42) == "key:42"
    assert (
        throttle.bucket(throttle.FAILED_ADDRESS, "192.0.2.7")
        == "failed:address:192.0.2.7"
    )


def test_unsafe_or_long_subjects_are_hashed():
    long_name = throttle.bucket(throttle.TOKEN_CLIENT, "x" * 500)
    assert long_name.startswith("token:client:sha256-")
    assert len(long_name) < 100
    odd = throttle.bucket(throttle.FAILED_CLIENT, "é\n\x00")
    assert odd.startswith("failed:client:sha256-")
    assert odd != throttle.bucket(throttle.FAILED_CLIENT, "é\n")
    assert throttle.bucket(throttle.TOKEN_CLIENT, "x" * 500) == long_name


def test_every_kind_has_a_default_limit():
    for kind in (
        throttle.FAILED_CLIENT,
        throttle.FAILED_ADDRESS,
        throttle.TOKEN_CLIENT,
        throttle.TOKEN_ADDRESS,
    ):
        assert throttle.DEFAULT_LIMITS[kind] >= 1
