"""Freight settlement figures (written by bench/bench_settlement.py)."""

import json
from pathlib import Path

from .result import ScenarioResult

# Written by bench/bench_settlement.py (another command), read here.
SETTLEMENT_JSON = Path(__file__).resolve().parents[2] / "results" / "settlement.json"


def scenario_settlement(_bench):
    path = SETTLEMENT_JSON
    if not path.is_file():
        return ScenarioResult(
            details={},
            notes=["run bench/bench_settlement.py to measure it"],
        )
    data = json.loads(path.read_text())
    return ScenarioResult(
        details=data,
        notes=[
            "from bench/results/settlement.json (bench/bench_settlement.py, %s; "
            "mode: %s), not measured by run.py" % (data.get("date"), data.get("mode"))
        ],
    )
