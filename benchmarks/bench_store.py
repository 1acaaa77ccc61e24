"""Store benchmarks (issue 11): accept vs validate, diff vs load.

    python -m benchmarks.bench_store --roads 100000 [--work DIR] [--store LOCATION]

1. accept of a delivery that changes 1% of the roads of a store holding ``--roads`` roads,
   against validating that delivery alone (accept validates it, then writes only changes);
2. ``diff`` of two inventories of that size (load both + compare), against loading both.

The synthetic inventory comes from the benchmarks' generator without seeded defects (the
store refuses values its typed columns cannot hold); ``allow_errors`` covers rule findings.
Prints one JSON object with the timings and the two ratios.  ``--store`` measures another
store than ``DIR/ward.gpkg``: a ``postgresql://host/db#schema`` URL (the schema is dropped
first, so give a schema of its own).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path


def _timed(func, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roads", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--store", default=None,
                        help="a postgresql:// URL with #schema (dropped first), or a .gpkg")
    args = parser.parse_args(argv)

    import geopandas as gpd
    import pyogrio

    import kimson_geo
    from benchmarks.synth import generate
    from kimson_geo.diff import diff_inventories
    from kimson_geo.registry import ROADS_LAYER, WIDTH
    from kimson_geo.store import init_store

    work = args.work or Path(tempfile.mkdtemp(prefix="kimson-bench-store-"))
    base = work / "base"
    if not (base / "geojson").is_dir():
        generate(base, roads=args.roads, drainage=max(40, args.roads // 5), points=2_000,
                 polygons=500, seed=0, formats=("geojson",), defect_rate=0.0)
    first = base / "geojson"
    _numbers_only(first)
    delivery = work / "delivery"
    if delivery.exists():
        shutil.rmtree(delivery)
    shutil.copytree(first, delivery)
    roads = gpd.read_file(delivery / f"{ROADS_LAYER}.geojson", engine="pyogrio")
    import pandas as pd

    step = 100  # 1% of the roads change width (numeric widths only: some are seeded defects)
    width = pd.to_numeric(roads[WIDTH].astype(object), errors="coerce")
    chosen = roads.index[::step][width.iloc[::step].notna().to_numpy()]
    roads[WIDTH] = roads[WIDTH].astype(object)
    roads.loc[chosen, WIDTH] = width.loc[chosen] + 0.5
    pyogrio.write_dataframe(roads, delivery / f"{ROADS_LAYER}.geojson", driver="GeoJSON")

    store_path = args.store or work / "ward.gpkg"
    _drop(store_path)
    store, t_init = _timed(init_store, store_path, source=first, message="base",
                           allow_errors=True)
    _, t_validate = _timed(kimson_geo.validate, delivery)
    revision, t_accept = _timed(store.accept, delivery, message="1%", allow_errors=True)
    assert revision is not None and revision.counts[ROADS_LAYER]["modified"] == len(chosen)

    (old, new), t_load = _timed(lambda: (kimson_geo.load(first), kimson_geo.load(delivery)))
    _, t_compare = _timed(diff_inventories, old, new)
    out = {
        "roads": args.roads, "store": "postgis" if str(store_path).startswith("postgres")
        else "gpkg", "init_s": round(t_init, 2),
        "validate_delivery_s": round(t_validate, 2), "accept_s": round(t_accept, 2),
        "accept_over_validate": round(t_accept / t_validate, 2),
        "load_both_s": round(t_load, 2), "diff_s": round(t_load + t_compare, 2),
        "diff_over_load_both": round((t_load + t_compare) / t_load, 2),
    }
    print(json.dumps(out))
    return out


def _drop(location: str | Path) -> None:
    """Remove the store a previous run left at ``location``."""
    text = str(location)
    if not text.startswith(("postgresql://", "postgres://")):
        Path(text).unlink(missing_ok=True)
        return
    import psycopg

    conninfo, _, schema = text.partition("#")
    if not schema.isidentifier() or schema.lower() != schema:
        raise SystemExit(f"{text}: give a lower-case #schema of the benchmark's own")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _numbers_only(folder: Path) -> None:
    """Blank the generator's always-seeded text-in-number values ('3,5'): a store's typed
    columns refuse them, and this benchmark measures accepting, not refusing."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    from kimson_geo.registry import LAYERS

    for path in folder.glob("*.geojson"):
        spec = LAYERS.get(path.stem)
        if spec is None:
            continue
        frame = gpd.read_file(path, engine="pyogrio")
        numeric = [f.name for f in spec.fields if f.type in ("int", "float")
                   and f.name in frame.columns
                   and not pd.api.types.is_numeric_dtype(frame[f.name])]
        if numeric:
            for name in numeric:
                frame[name] = pd.to_numeric(frame[name].astype(object), errors="coerce")
            pyogrio.write_dataframe(frame, path, driver="GeoJSON")


if __name__ == "__main__":
    main()
