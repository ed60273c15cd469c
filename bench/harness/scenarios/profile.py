"""Profiles of the hot paths (read in bench/PROFILE.md)."""

from pathlib import Path

from ..events import reference
from ..report import INFO
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
        rows=[
            {
                "scenario": "Profile (cProfile, in-process, rolled back)",
                "ours": "; ".join(
                    "%s %s ms/item, %s queries/item"
                    % (name, f["ms_per_item"], f["queries_per_item"])
                    for name, f in figures.items()
                ),
                "target": INFO,
                "result": INFO,
            }
        ],
        details=dict(figures, files=str(out)),
        notes=["tables in %s, read in bench/PROFILE.md" % out.name],
    )
