"""Run the benchmarks: ``.venv/bin/python -m benchmarks.run [--size full|small|tiny]``.

Every ratio is measured in the same run, on the same files, against a baseline measured in
that run; every timing is the best of a few repeats (the machine is shared and noisy).
Writes ``benchmarks/results/<size>.json`` and ``<size>.md`` (the table README.md quotes)
and prints the table.

Stages (``--only`` / ``--skip`` take their names):

generate
    synthetic inventories at each size of the preset (:mod:`benchmarks.synth`), reused when
    ``manifest.json`` already describes the same arguments.
speed
    bare ``pyogrio.read_dataframe``, ``kimson_geo.load`` and ``kimson_geo.validate(path,
    layer="roads")`` on each size's roads file: the load and validation ratios and the
    time per feature (growth).
defects
    ``kimson_geo.validation`` of the whole largest inventory: issues found per rule against
    the generator's manifest (exact), and the roads-only check of the speed stage.
compare
    on the compare size: the naive per-feature script (:mod:`benchmarks.naive`) and
    geojson-validator (:mod:`benchmarks.gv`) against kimson_geo on the same file.
memory
    peak RSS of a bare read, a load and a validation in fresh processes
    (:mod:`benchmarks.memory`) against the loaded GeoDataFrame.
map
    a roads map of the map size: HTML of :func:`kimson_geo.render.map.render_map` against
    a naive ``folium.GeoJson(gdf)`` map, and the first render of each in headless Chromium.
dask
    :func:`kimson_geo.scale.validate_dask` on 2 local worker processes (GeoParquet) against
    the single-machine engine, with the issues compared.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STAGES = ("generate", "speed", "defects", "compare", "memory", "map", "dask")


@dataclass(frozen=True)
class Preset:
    sizes: tuple[int, ...]       # roads per inventory (growth)
    compare: int                 # roads of the file the naive script and gv run on
    map_size: int                # roads drawn in the map benchmark
    points: int
    polygons: int
    repeats_small: int
    stages: tuple[str, ...]


PRESETS = {
    "full": Preset((10_000, 100_000, 1_000_000), 100_000, 100_000, 20_000, 5_000, 3, STAGES),
    "small": Preset((10_000, 30_000, 100_000), 30_000, 30_000, 6_000, 1_500, 3, STAGES),
    "tiny": Preset((600, 1_200), 600, 600, 300, 80, 1,
                   ("generate", "speed", "defects", "compare")),
}


# ------------------------------------------------------------------------ helpers

def best_of(func: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Best wall time of ``repeats`` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(max(1, repeats)):
        gc.collect()
        started = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - started)
    return best, result


def _keys(issues: Any) -> Counter[tuple[str, str, int]]:
    return Counter((i.rule, str(i.layer), -1 if i.feature is None else int(i.feature))
                   for i in issues)


def compare_defects(issues: Any, manifest: Any, layers: Any = None) -> dict[str, Any]:
    """Found against seeded, per rule; exact when nothing is missing or extra."""
    found = _keys(issues)
    if layers is not None:
        found = Counter({k: v for k, v in found.items() if k[1] in set(layers)})
    seeded = Counter(manifest.expected_keys(layers))
    rules = sorted({k[0] for k in found} | {k[0] for k in seeded})
    per_rule = {r: {"seeded": sum(v for k, v in seeded.items() if k[0] == r),
                    "found": sum(v for k, v in found.items() if k[0] == r)} for r in rules}
    missing = sorted((seeded - found).elements())
    extra = sorted((found - seeded).elements())
    return {"exact": not missing and not extra, "per_rule": per_rule,
            "missing": [list(k) for k in missing[:20]], "extra": [list(k) for k in extra[:20]],
            "seeded_total": sum(seeded.values()), "found_total": sum(found.values())}


def sizes_of(preset: Preset, size: int) -> dict[str, int]:
    return {"roads": size, "drainage": max(40, size // 5), "points": preset.points,
            "polygons": preset.polygons}


def ensure_inventory(data: Path, preset: Preset, size: int, log: Callable[[str], None]) -> Any:
    from benchmarks.synth import SynthManifest, generate

    folder = data / f"roads-{size}"
    wanted = sizes_of(preset, size)
    manifest_file = folder / "manifest.json"
    if manifest_file.exists():
        manifest = SynthManifest.read(manifest_file)
        if (manifest.counts.get("roads") == size and manifest.seed == 0
                and set(manifest.files) == {"geojson", "parquet"}
                and all(Path(folder / p).exists() for f in manifest.files.values()
                        for p in f.values())):
            return manifest, False
    log(f"generating {folder} ({wanted})")
    return generate(folder, seed=0, **wanted), True


# -------------------------------------------------------------------------- stages

def stage_speed(manifests: dict[int, Any], preset: Preset, log: Callable[[str], None]
                ) -> dict[str, Any]:
    import pyogrio

    import kimson_geo
    from kimson_geo.registry import ROADS_LAYER
    from kimson_geo.validation import validate

    out: dict[str, Any] = {}
    for size, manifest in manifests.items():
        path = manifest.layer_path(ROADS_LAYER)
        repeats = preset.repeats_small if size <= 100_000 else 1
        read_s, frame = best_of(lambda p=path: pyogrio.read_dataframe(p), repeats)
        del frame
        load_s, inv = best_of(lambda p=path: kimson_geo.load(p, layer=ROADS_LAYER), repeats)
        del inv
        validate_s, report = best_of(
            lambda p=path: validate(p, layer=ROADS_LAYER), repeats)
        roads_check = compare_defects(report.issues, manifest, [ROADS_LAYER])
        out[str(size)] = {
            "features": size, "file_mb": path.stat().st_size / 1e6, "repeats": repeats,
            "read_s": read_s, "load_s": load_s, "validate_s": validate_s,
            "load_ratio": load_s / read_s, "validate_ratio": validate_s / read_s,
            "read_us_per_feature": read_s / size * 1e6,
            "load_us_per_feature": load_s / size * 1e6,
            "validate_us_per_feature": validate_s / size * 1e6,
            "roads_defects_exact": roads_check["exact"],
            "roads_defects": roads_check,
        }
        log(f"speed {size:,}: read {read_s:.2f}s load {load_s:.2f}s "
            f"validate {validate_s:.2f}s ({validate_s / read_s:.2f}x)")
    return out


def stage_defects(manifest: Any, log: Callable[[str], None]) -> tuple[dict[str, Any], Any]:
    from kimson_geo.validation import validate

    started = time.perf_counter()
    report = validate(manifest.folder("geojson"))
    seconds = time.perf_counter() - started
    result = compare_defects(report.issues, manifest)
    result.update(seconds=seconds, features=sum(manifest.counts.values()),
                  unreadable=report.unreadable)
    log(f"defects: whole inventory validated in {seconds:.1f}s, exact={result['exact']}")
    return result, report


def stage_compare(manifest: Any, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    import kimson_geo
    from kimson_geo.registry import ROADS_LAYER
    from kimson_geo.validation import validate
    from kimson_geo.validation.rules import Context, run_rules

    from . import gv, naive

    path = manifest.layer_path(ROADS_LAYER)
    size = manifest.counts[ROADS_LAYER]
    out: dict[str, Any] = {"features": size}
    validate_s, _ = best_of(lambda: validate(path, layer=ROADS_LAYER), repeats)
    inv = kimson_geo.load(path, layer=ROADS_LAYER)

    def rules_only() -> list[Any]:
        return list(run_rules(Context(inv, files={ROADS_LAYER: path})))

    checks_s, issues = best_of(rules_only, repeats)
    naive_result = naive.naive_validate(path, ROADS_LAYER)
    kimson_counts = Counter(i.rule for i in issues)
    out["naive"] = {
        **naive_result,
        "kimson_validate_s": validate_s, "kimson_checks_s": checks_s,
        "checks_speedup": naive_result["check_s"] / checks_s,
        "end_to_end_speedup": naive_result["total_s"] / validate_s,
        "same_counts": {r: (n, kimson_counts.get(r, 0))
                        for r, n in naive_result["by_rule"].items()},
    }
    log(f"naive: checks {naive_result['check_s']:.2f}s vs {checks_s:.2f}s "
        f"({out['naive']['checks_speedup']:.1f}x); end to end "
        f"{out['naive']['end_to_end_speedup']:.1f}x")
    if gv.available():
        gv_result = gv.gv_validate(path)
        # kimson_geo on the checks both make: a file checked for structure and geometry
        shared_s, _ = best_of(lambda: validate(path), repeats)
        out["geojson_validator"] = {**gv_result, "kimson_s": shared_s,
                                    "speedup": gv_result["total_s"] / shared_s}
        log(f"geojson-validator: {gv_result['total_s']:.2f}s vs {shared_s:.2f}s "
            f"({gv_result['total_s'] / shared_s:.1f}x)")
    else:
        out["geojson_validator"] = {"skipped": "pip install geojson-validator"}
    return out


def stage_memory(manifest: Any, log: Callable[[str], None]) -> dict[str, Any]:
    from kimson_geo.registry import ROADS_LAYER

    path = manifest.layer_path(ROADS_LAYER)
    out: dict[str, Any] = {"features": manifest.counts[ROADS_LAYER]}
    for op in ("read", "load", "validate"):
        done = subprocess.run([sys.executable, "-m", "benchmarks.memory", op, str(path)],
                              cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode:
            out[op] = {"error": done.stderr.strip().splitlines()[-1:]}
            continue
        out[op] = json.loads(done.stdout.strip().splitlines()[-1])
    frame = (out.get("load") or {}).get("frame_bytes") or (out.get("read") or {}).get(
        "frame_bytes")
    resident = (out.get("load") or {}).get("resident_frame_bytes")
    for op in ("read", "load", "validate"):
        if frame and "growth" in out.get(op, {}):
            out[op]["ratio"] = out[op]["growth"] / frame
            if resident:
                out[op]["ratio_resident"] = out[op]["growth"] / resident
    log("memory: " + ", ".join(f"{op} {out[op].get('ratio', float('nan')):.2f}x"
                               for op in ("read", "load", "validate") if op in out))
    return out


def stage_map(manifest: Any, work: Path, log: Callable[[str], None]) -> dict[str, Any]:
    import folium

    import kimson_geo
    from kimson_geo.registry import ROADS_LAYER
    from kimson_geo.render.map import render_map

    from . import browser

    path = manifest.layer_path(ROADS_LAYER)
    inv = kimson_geo.load(path, layer=ROADS_LAYER)
    roads = inv[ROADS_LAYER]
    work.mkdir(parents=True, exist_ok=True)
    ours = work / "map_kimson.html"
    naive_page = work / "map_naive.html"
    started = time.perf_counter()
    render_map(inv, ours)
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    minx, miny, maxx, maxy = roads.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=9)
    folium.GeoJson(roads).add_to(m)
    m.save(str(naive_page))
    naive_s = time.perf_counter() - started
    out: dict[str, Any] = {
        "features": len(roads), "kimson_bytes": ours.stat().st_size,
        "naive_bytes": naive_page.stat().st_size, "kimson_write_s": ours_s,
        "naive_write_s": naive_s,
    }
    out["html_ratio"] = out["kimson_bytes"] / out["naive_bytes"]
    log(f"map: {out['kimson_bytes'] / 1e6:.1f} MB vs naive {out['naive_bytes'] / 1e6:.1f} MB "
        f"({out['html_ratio']:.0%})")
    lacking = browser.missing()
    if lacking:
        out["browser"] = {"skipped": "; ".join(lacking)}
        return out
    out["browser"] = browser.first_render({
        "kimson": (ours, "() => window.ksGeo && window.ksGeo.map"),
        "naive": (naive_page, "() => document.readyState === 'complete'"),
    })
    log("map first render: " + ", ".join(f"{k} {v['wall_s']:.2f}s"
                                         for k, v in out["browser"].items()))
    return out


def single_on_parquet(folder: Path) -> list[Any]:
    """The single-machine engine on the GeoParquet layers (every rule, no claims)."""
    import geopandas as gpd

    from kimson_geo.inventory import from_frames
    from kimson_geo.validation.rules import Context, run_rules

    frames = {p.stem: gpd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}
    inv = from_frames(frames, source=folder)
    return list(run_rules(Context(inv)))


def stage_dask(manifest: Any, single: Any, log: Callable[[str], None]) -> dict[str, Any]:
    from kimson_geo.scale import validate_dask
    from kimson_geo.validation import validate

    out: dict[str, Any] = {"features": sum(manifest.counts.values())}
    if single is None:
        started = time.perf_counter()
        report = validate(manifest.folder("geojson"))
        single = (time.perf_counter() - started, report)
    single_s, single_report = single
    parquet_s, parquet_issues = best_of(lambda: single_on_parquet(manifest.folder("parquet")),
                                        1)
    started = time.perf_counter()
    report = validate_dask(manifest.folder("parquet"))
    dask_s = time.perf_counter() - started
    out.update(single_geojson_s=single_s, single_parquet_s=parquet_s, dask_parquet_s=dask_s,
               speedup=parquet_s / dask_s, speedup_vs_geojson=single_s / dask_s,
               identical=_same_issues(single_report.issues, report.issues),
               identical_parquet=_same_issues(parquet_issues, report.issues))
    check = compare_defects(report.issues, manifest)
    out["defects_exact"] = check["exact"]
    log(f"dask: {dask_s:.1f}s vs single {parquet_s:.1f}s on the same GeoParquet "
        f"({parquet_s / dask_s:.2f}x) and {single_s:.1f}s from GeoJSON with claims; "
        f"identical={out['identical']}, defects exact={check['exact']}")
    return out


def _same_issues(a: Any, b: Any) -> bool:
    def key(i: Any) -> tuple[Any, ...]:
        return (i.rule, i.layer or "", -1 if i.feature is None else i.feature, i.field or "",
                i.message, i.feature_id or "", i.location or (), i.line or 0)

    return sorted(map(key, a)) == sorted(map(key, b))


# --------------------------------------------------------------------------- goals

def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal of the issue with the value measured and whether it is met."""
    rows: list[dict[str, Any]] = []

    def add(name: str, goal: str, value: float | None, met: bool | None, note: str = "") -> None:
        rows.append({"name": name, "goal": goal, "value": value, "met": met, "note": note})

    speed = results.get("speed") or {}
    if speed:
        largest = speed[max(speed, key=int)]
        n = f"{largest['features']:,} roads"
        add("load vs bare pyogrio read", "<= 1.2x", largest["load_ratio"],
            largest["load_ratio"] <= 1.2, n)
        add("validate vs bare pyogrio read", "<= 1.3x", largest["validate_ratio"],
            largest["validate_ratio"] <= 1.3, n)
        per = [speed[k]["validate_us_per_feature"] for k in sorted(speed, key=int)]
        growth = per[-1] / per[0]
        add("growth: validate time per feature, largest / smallest", "close to 1 (linear)",
            growth, growth <= 1.5,
            " → ".join(f"{speed[k]['features']:,}: {speed[k]['validate_us_per_feature']:.1f} µs"
                       for k in sorted(speed, key=int)))
    compare = results.get("compare") or {}
    if "naive" in compare:
        c = compare["naive"]
        add("vs naive per-feature script (checks)", ">= 15x", c["checks_speedup"],
            c["checks_speedup"] >= 15, f"{compare['features']:,} roads, after parsing")
        add("vs naive per-feature script (end to end)", "(info)", c["end_to_end_speedup"],
            None, "parse included on both sides")
    gvr = compare.get("geojson_validator") or {}
    if "speedup" in gvr:
        add("vs geojson-validator, parse included", ">= 3x", gvr["speedup"],
            gvr["speedup"] >= 3, f"{compare['features']:,} roads")
    defects = results.get("defects") or {}
    if defects:
        add("defects found = defects seeded (whole inventory)", "exact", None,
            defects["exact"], f"{defects['seeded_total']:,} seeded, "
                              f"{defects['found_total']:,} found")
    if speed:
        exact = all(v["roads_defects_exact"] for v in speed.values())
        add("defects found = defects seeded (roads file, every size)", "exact", None, exact)
    memory = results.get("memory") or {}
    if "validate" in memory and "ratio" in memory["validate"]:
        for op in ("load", "validate"):
            if "ratio" in memory.get(op, {}):
                resident = memory[op].get("ratio_resident")
                add(f"peak memory of {op} / loaded GeoDataFrame", "<= 2.5x",
                    memory[op]["ratio"], memory[op]["ratio"] <= 2.5,
                    f"{memory['features']:,} roads; bare pyogrio read "
                    f"{memory.get('read', {}).get('ratio', float('nan')):.2f}x; against the "
                    f"frame's resident size: {resident or float('nan'):.2f}x")
    mapr = results.get("map") or {}
    if mapr:
        add("map HTML vs naive folium.GeoJson", "<= 35%", mapr["html_ratio"],
            mapr["html_ratio"] <= 0.35, f"{mapr['features']:,} segments")
        b = (mapr.get("browser") or {}).get("kimson")
        if b:
            add("map first render in headless Chromium", "<= 5 s", b["wall_s"],
                b["wall_s"] <= 5, f"naive folium: {mapr['browser']['naive']['wall_s']:.2f} s")
    dask = results.get("dask") or {}
    if "speedup" in dask:
        add("dask on 2 local workers vs single machine, same GeoParquet", "(report)",
            dask["speedup"], None,
            f"{dask['dask_parquet_s']:.1f} s vs {dask['single_parquet_s']:.1f} s; from GeoJSON "
            f"with claims {dask['single_geojson_s']:.1f} s ({dask['speedup_vs_geojson']:.2f}x)")
        add("dask issues identical to the single-machine engine", "identical", None,
            dask["identical"] and dask["identical_parquet"],
            f"defects exact: {dask['defects_exact']}")
    return rows


def table(results: dict[str, Any]) -> str:
    lines = ["| goal | target | measured | met | notes |", "| --- | --- | ---: | :---: | --- |"]
    for row in results["goals"]:
        value = row["value"]
        if value is None:
            shown = "–"
        elif "%" in row["goal"]:
            shown = f"{value:.0%}"
        elif "s" in row["goal"].split()[-1]:
            shown = f"{value:.2f} s"
        else:
            shown = f"{value:.2f}x"
        met = {True: "yes", False: "**no**", None: "–"}[row["met"]]
        lines.append(f"| {row['name']} | {row['goal']} | {shown} | {met} | {row['note']} |")
    speed = results.get("speed") or {}
    if speed:
        lines += ["", "| roads | file MB | pyogrio read s | load s | validate s | load / read "
                      "| validate / read | validate µs / feature |",
                  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for k in sorted(speed, key=int):
            s = speed[k]
            lines.append(f"| {s['features']:,} | {s['file_mb']:.0f} | {s['read_s']:.2f} | "
                         f"{s['load_s']:.2f} | {s['validate_s']:.2f} | {s['load_ratio']:.2f} | "
                         f"{s['validate_ratio']:.2f} | {s['validate_us_per_feature']:.1f} |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- main

def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(PRESETS), default="full")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get(
        "KIMSON_BENCH_DATA", "/tmp/kimson_geo_bench")), help="where the inventories go")
    parser.add_argument("--out", type=Path, default=HERE / "results",
                        help="where <size>.json and <size>.md go")
    parser.add_argument("--only", default=None, help="comma-separated stages to run")
    parser.add_argument("--skip", default="", help="comma-separated stages to skip")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    preset = PRESETS[args.size]
    stages = [s for s in (args.only.split(",") if args.only else preset.stages)
              if s and s not in args.skip.split(",")]
    unknown = set(stages) - set(STAGES)
    if unknown:
        parser.error(f"unknown stage(s): {', '.join(sorted(unknown))}")

    def log(text: str) -> None:
        if not args.quiet:
            print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL's "could not parse column" and friends
        return _run_stages(args, preset, stages, log)


def _run_stages(args: argparse.Namespace, preset: Preset, stages: list[str],
                log: Callable[[str], None]) -> dict[str, Any]:
    started = time.perf_counter()
    import geopandas  # noqa: F401 - imports are not what is measured
    import pandera.pandas  # noqa: F401
    import pyogrio  # noqa: F401

    import kimson_geo.validation  # noqa: F401
    from kimson_geo.validation.rules import load_rule_modules

    load_rule_modules()
    results: dict[str, Any] = {
        "size": args.size, "stages": stages,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    manifests: dict[int, Any] = {}
    generated: dict[str, float] = {}
    for size in preset.sizes:
        manifest, fresh = ensure_inventory(args.data, preset, size, log)
        manifests[size] = manifest
        if fresh:
            generated[str(size)] = manifest.seconds
    results["generate"] = {"seconds": generated,
                           "manifest_seconds": {str(k): m.seconds for k, m in manifests.items()},
                           "counts": {str(k): dict(m.counts) for k, m in manifests.items()}}
    largest = manifests[max(manifests)]
    if "speed" in stages:
        results["speed"] = stage_speed(manifests, preset, log)
    single = None
    if "defects" in stages:
        results["defects"], report = stage_defects(largest, log)
        single = (results["defects"]["seconds"], report)
    if "compare" in stages:
        compare = manifests.get(preset.compare) or ensure_inventory(
            args.data, preset, preset.compare, log)[0]
        results["compare"] = stage_compare(compare, preset.repeats_small, log)
    if "memory" in stages:
        results["memory"] = stage_memory(largest, log)
    if "map" in stages:
        mapm = manifests.get(preset.map_size) or ensure_inventory(
            args.data, preset, preset.map_size, log)[0]
        results["map"] = stage_map(mapm, args.data / "maps", log)
    if "dask" in stages:
        results["dask"] = stage_dask(largest, single, log)
    results["goals"] = goals(results)
    results["seconds"] = time.perf_counter() - started
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.size}.json").write_text(json.dumps(results, indent=1, default=str),
                                                encoding="utf-8")
    text = table(results)
    (args.out / f"{args.size}.md").write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"\n{args.size} run: {results['seconds']:.0f} s; results in "
          f"{args.out / (args.size + '.json')}")
    return results


def main() -> None:
    run()


if __name__ == "__main__":
    main()
