"""Freight settlement figures (written by bench/bench_settlement.py)."""

import json
from pathlib import Path

from .result import ScenarioResult

# Written by bench/bench_settlement.py (another command), read here.
SETTLEMENT_JSON = Path(__file__).resolve().parents[2] / "results" / "settlement.json"


def scenario_settlement(_bench):
    path = SETTLEMENT_JSON
    if not path.is_file():
        return ScenarioResult(details={})
    data = json.loads(path.read_text())
    return ScenarioResult(
        details=data,
    )
