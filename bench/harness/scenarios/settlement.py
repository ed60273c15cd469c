"""Freight settlement figures (written by bench/bench_settlement.py)."""

import json
from pathlib import Path

from ..report import NOT_RUN, fmt_num, verdict
from .result import ScenarioResult

# Written by bench/bench_settlement.py (another command), read here.
SETTLEMENT_JSON = Path(__file__).resolve().parents[2] / "results" / "settlement.json"


def scenario_settlement(_bench):
    path = SETTLEMENT_JSON
    if not path.is_file():
        return ScenarioResult(
            rows=[
                {
                    "scenario": "Settlement run, 10,000 charges",
                    "ours": "no bench/results/settlement.json",
                    "target": "< 60 s",
                    "result": NOT_RUN,
                }
            ],
            details={},
            notes=["run bench/bench_settlement.py to measure it"],
        )
    data = json.loads(path.read_text())
    seconds = data.get("settlement_seconds")
    met = seconds is not None and seconds < 60 and data.get("all_settled", True)
    return ScenarioResult(
        rows=[
            {
                "scenario": "Settlement run, %s charges" % fmt_num(data.get("charges")),
                "ours": "%s s wall, %s bills created (%s customer invoices)"
                % (seconds, data.get("vendor_bills"), data.get("customer_invoices")),
                "target": "< 60 s",
                "result": verdict(met),
            }
        ],
        details=data,
        notes=[
            "from bench/results/settlement.json (bench/bench_settlement.py, %s; "
            "mode: %s), not measured by run.py" % (data.get("date"), data.get("mode"))
        ],
    )
