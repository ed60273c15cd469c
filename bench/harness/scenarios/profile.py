"""Profiles of the hot paths (read in bench/PROFILE.md)."""

from pathlib import Path

from ..events import reference
from .result import ScenarioResult


def scenario_profile(bench):
    out = bench.results_dir / "profile"
    sizes = bench.sizes
    figures = bench.stack.shell(
        Path(__file__).resolve().parents[1] / "shell_profile.py",
        {
            "output": str(out),
            "batch": sizes.profile_batch,
            "references": [reference(n) for n in range(1, 51)],
            "portal_shipment": bench.ids["portal_shipment"],
            "reads": sizes.profile_reads,
            "orders": sizes.profile_orders,
            "customer_id": bench.ids["customer_id"],
            "product_code": bench.ids["product_code"],
        },
        "profile",
    )
    return ScenarioResult(
        details=dict(figures, files=str(out)),
    )
