"""Import speed: ``python -m benchmarks.bench_import [--features N] [--repeats R]``.

Writes a Shapefile of N road segments with Vietnamese fields and values (TEN_DUONG,
LOAI_DUONG, KET_CAU, BE_RONG with decimal commas, GHI_CHU; VN-2000 metres, no .prj) into a
temporary folder, then measures, best of R in this one run:

baseline
    a bare ``pyogrio.read_dataframe`` of the file, plus the validation of the imported
    layers (``kimson_geo.validation.validate_inventory``), as issue 10 defines the goal;
dry run
    ``kimson_geo.import_delivery(file, None, dry_run=True)``: read, map and validate;
import, GeoJSON
    ``kimson_geo.import_delivery(file, out_folder)``: read, map, validate and write a
    folder of ``LAYER.geojson`` files;
import, GeoPackage
    ``kimson_geo.import_delivery(file, "out.gpkg")``: the same, written to one GeoPackage.

The four are interleaved in each round.  Prints the times and the ratios (goal: at most
1.5 for the import).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

KINDS = ["Đường trục chính", "Đường liên khu", "Đường liên tổ", "Ngõ xóm"]
SURFACES = ["BTXM", "Bê tông xi măng", "Láng nhựa", "Cấp phối", "Đất", "BTN"]
WIDTHS = ["5,5", "6", "5.0 m", "3,5", "4", "2.5m"]
E0, N0 = 371_987.0, 2_331_199.0  # the ward's centre in EPSG:5899


def make_shapefile(folder: Path, n: int, *, seed: int = 10) -> Path:
    """A road Shapefile of ``n`` connected segments on a grid, Vietnamese attributes."""
    import pyogrio

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    x0 = E0 + (i % side) * 30.0
    y0 = N0 + (i // side) * 30.0
    coords = np.stack([np.column_stack([x0, y0]), np.column_stack([x0 + 30.0, y0])], axis=1)
    frame = gpd.GeoDataFrame({
        "MA_DUONG": [f"GT{k:06d}" for k in range(n)],
        "TEN_DUONG": [f"Đường số {k}" for k in range(n)],
        "LOAI_DUONG": np.asarray(KINDS, dtype=object)[rng.integers(0, len(KINDS), n)],
        "KET_CAU": np.asarray(SURFACES, dtype=object)[rng.integers(0, len(SURFACES), n)],
        "BE_RONG": np.asarray(WIDTHS, dtype=object)[rng.integers(0, len(WIDTHS), n)],
        "GHI_CHU": np.where(rng.random(n) < 0.1, "đo bổ sung 2023", None),
    }, geometry=shapely.linestrings(coords))
    path = folder / "giao_thong.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding="UTF-8")
    return path


def best_of(repeats: int, runs: dict[str, Callable[[], object]]
            ) -> dict[str, tuple[float, float]]:
    """Best wall-clock and best CPU time of each run over ``repeats`` rounds, the runs
    interleaved in every round (the machine is shared: a slow spell then hits every run
    alike, and CPU time, what this process itself spent, moves less than the clock)."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start, cpu = time.perf_counter(), time.process_time()
            run()
            times[name].append((time.perf_counter() - start, time.process_time() - cpu))
    return {name: (min(w for w, _ in t), min(c for _, c in t)) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import pyogrio

    import kimson_geo
    from kimson_geo.inventory import Inventory
    from kimson_geo.validation import validate_inventory

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shp = make_shapefile(folder, args.features)
        imported = kimson_geo.import_delivery(shp, None, dry_run=True).layers

        def baseline() -> None:
            pyogrio.read_dataframe(shp)
            validate_inventory(Inventory(layers=dict(imported)))

        took = best_of(args.repeats, {
            "baseline": baseline,
            "dry": lambda: kimson_geo.import_delivery(shp, None, dry_run=True),
            "geojson": lambda: kimson_geo.import_delivery(shp, folder / "out"),
            "gpkg": lambda: kimson_geo.import_delivery(shp, folder / "out.gpkg"),
        })
    base, base_cpu = took["baseline"]
    print(f"{args.features:,} road segments (Shapefile, Vietnamese fields and values)")
    print("                                          wall s  ratio   CPU s  ratio")
    print(f"  bare read + validation of the result:  {base:6.2f}         {base_cpu:6.2f}")
    for key, label in (("dry", "dry run (no write):  "), ("geojson", "written (GeoJSON):   "),
                       ("gpkg", "written (GeoPackage):")):
        wall, cpu = took[key]
        print(f"  import_delivery, {label} {wall:6.2f}  {wall / base:5.2f}  "
              f"{cpu:6.2f}  {cpu / base_cpu:5.2f}")
    print("  (goal: an import written in at most 1.5 times the baseline)")


if __name__ == "__main__":
    main()
