"""The bad day: a roads file where most segments have 1–3 problems (not part of the suite).

    PYTHONPATH=. .venv/bin/python -m benchmarks.dirty [--roads 100000] [--data DIR]

Prints the seconds of a bare ``pyogrio.read_dataframe``, of the topology rules alone (the
network built once, then every topology rule), and of ``validate`` + the JSON report.
"""

from __future__ import annotations

import argparse
import io
import time
from collections import Counter
from pathlib import Path


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--roads", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=Path("benchmarks/data/dirty"))
    args = parser.parse_args(argv)

    import pyogrio

    from benchmarks.synth import generate_dirty_roads
    from kimson_geo.io.read import read_layer
    from kimson_geo.registry import ROADS_LAYER
    from kimson_geo.validation import validate
    from kimson_geo.validation.rules import RULES, Context, check, load_rule_modules

    folder = args.data / str(args.roads)
    path = folder / "geojson" / f"{ROADS_LAYER}.geojson"
    if not path.exists():
        generate_dirty_roads(folder, roads=args.roads)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    pyogrio.read_dataframe(path)
    seconds["bare read"] = time.perf_counter() - started

    load_rule_modules()
    topology = [r.id for r in RULES.values() if r.family == "topology" and r.func]
    ctx = Context({ROADS_LAYER: read_layer(path, ROADS_LAYER)})
    ctx.metric(ROADS_LAYER)  # the transformation is every rule's, not topology's
    started = time.perf_counter()
    found = check(ctx, only=topology)
    seconds["topology rules"] = time.perf_counter() - started

    started = time.perf_counter()
    report = validate(path, layer=ROADS_LAYER)
    report.write_json(io.BytesIO())
    seconds["validate + JSON"] = time.perf_counter() - started
    for name, value in seconds.items():
        print(f"{name:>16}: {value:6.2f} s")
    print("topology:", dict(Counter(found.table["rule"])))
    print("all:", dict(Counter(report.table["rule"])))
    return seconds


if __name__ == "__main__":
    main()
