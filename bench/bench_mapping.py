"""Benchmark: the cost of an inbound JSONata mapping per TMS event.

Pure Python, no database (the mapping and the schema validation are what the
webhook adds per event before the message log)::

    .venv/bin/python bench/bench_mapping.py [--events 2000] [--batch 50]

Two paths over the same events, ``--batch`` events per webhook document:

* ``canonical``: the body is parsed (``json_text.loads``) and every event is
  validated by the ``tms.event.v1`` JSON Schema, as the webhook does with no
  inbound mapping;
* ``mapped``: the partner's native document (nested, epoch timestamps,
  numeric status codes; ``lib/mappings/example_inbound_nested.jsonata``) is
  parsed, mapped by JSONata into canonical envelopes, then validated the same.

Prints microseconds per event of each path and the mapping's own share, and
writes ``bench/results/mapping.json`` (git-ignored).
"""

import argparse
import json
import platform
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def _import_pure_modules():
    """The addons' lib modules as plain packages (as the unit tests do)."""
    for addon in ("logistics_integration_base", "logistics_tms_connector"):
        package = types.ModuleType(addon)
        package.__path__ = [str(ROOT / addon)]
        sys.modules.setdefault(addon, package)
        sys.modules.setdefault("odoo.addons." + addon, package)
    from logistics_integration_base.lib import json_text, schema  # noqa: PLC0415
    from logistics_tms_connector.lib import (  # noqa: PLC0415
        jsonata_mapping,
        shipped_mappings,
    )

    return json_text, schema, jsonata_mapping, shipped_mappings


def native_document(number, batch):
    """A partner's document: one shipment, ``batch`` history entries."""
    return {
        "shipment": {"id": "TMS-%06d" % number, "ref": "WH/OUT/%05d" % number},
        "history": [
            {
                "uid": "%s-%s" % (number, index),
                "code": (5, 10, 20, 25, 30)[index % 5],
                "ts": 1772353800 + 60 * index,
                "seq": index,
                "place": {"town": "Lyon", "cc": "FR", "tz": "Europe/Paris"},
                "eta_local": "2026-03-02 17:00",
            }
            for index in range(batch)
        ],
    }


def measure(function, documents):
    """Seconds to run ``function`` over every document (best of three)."""
    best = None
    for _round in range(3):
        start = time.perf_counter()
        for document in documents:
            function(document)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args(argv)
    json_text, schema, jsonata_mapping, shipped = _import_pure_modules()
    registry = schema.SchemaRegistry(ROOT / "logistics_tms_connector" / "schemas")
    expression = shipped.example("inbound_nested_epoch")
    count = max(1, args.events // args.batch)
    natives = [
        json.dumps(native_document(n, args.batch)).encode() for n in range(count)
    ]
    canonical = [
        json.dumps(
            {"events": jsonata_mapping.evaluate_list(expression, json.loads(raw))}
        ).encode()
        for raw in natives
    ]

    def canonical_path(raw):
        for event in json_text.loads(raw)["events"]:
            registry.validate("tms.event", 1, event)

    def mapped_path(raw):
        for event in jsonata_mapping.evaluate_list(expression, json_text.loads(raw)):
            registry.validate("tms.event", 1, event)

    def mapping_only(raw):
        jsonata_mapping.evaluate_list(expression, json_text.loads(raw))

    events = count * args.batch
    canonical_path(canonical[0])  # compile, load the schema
    mapped_path(natives[0])
    results = {
        "events": events,
        "batch": args.batch,
        "python": platform.python_version(),
        "canonical_us_per_event": 1e6 * measure(canonical_path, canonical) / events,
        "mapped_us_per_event": 1e6 * measure(mapped_path, natives) / events,
        "mapping_only_us_per_event": 1e6 * measure(mapping_only, natives) / events,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "mapping.json").write_text(json.dumps(results, indent=2) + "\n")
    print("| path | µs per event |\n|---|---|")
    for key in ("canonical", "mapped", "mapping_only"):
        print("| %s | %.0f |" % (key, results[key + "_us_per_event"]))
    return results


if __name__ == "__main__":
    main()
