"""The integration dashboard's tile colours (lib/dashboard.py)."""

import pytest

from logistics_integration_base.lib import dashboard as d

CALM = {
    "failed": 0,
    "dead": 0,
    "backlog": 0,
    "oldest_pending_s": 0,
    "error_rate_1h": 0.0,
}


@pytest.mark.parametrize(
    ("change", "level"),
    [
        ({}, d.OK),
        ({"backlog": 999, "oldest_pending_s": 299}, d.OK),
        ({"failed": 1}, d.WARNING),
        ({"backlog": 1_000}, d.WARNING),
        ({"oldest_pending_s": 300}, d.WARNING),
        ({"error_rate_1h": 4.9}, d.OK),
        ({"error_rate_1h": 5.0}, d.DANGER),
        ({"dead": 1}, d.DANGER),
        ({"oldest_pending_s": 1_800, "failed": 2}, d.DANGER),
    ],
)
def test_flow_health(change, level):
    assert d.flow_health(**dict(CALM, **change)) == level


def test_metric_line_escapes_label_values():
    line = d.metric_line(
        "logistics_flow_backlog",
        {"flow": "tms.event", "company": 'Dupont "BE"\\Lux\nB'},
        3,
    )
    assert line == (
        'logistics_flow_backlog{flow="tms.event",'
        'company="Dupont \\"BE\\"\\\\Lux\\nB"} 3'
    )
