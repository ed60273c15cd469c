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
