"""Run the benchmarks: ``.venv/bin/python -m benchmarks.run [--size full|small|tiny]``.

Every goal is a ratio against a bare ``pyogrio.read_dataframe`` of the same file, measured
in the same run, whole process against whole process: ``kimson-geo validate FILE --layer
roads --format json > /dev/null`` in a subprocess against a subprocess doing only the bare
read, each under ``/usr/bin/time`` (wall time, CPU time, peak RSS), best of a few runs,
interleaved.  The speed goals are judged on wall time, the time a user waits (validate
reads with GDAL in a second thread while it parses the raw GeoJSON); CPU time, which
moves less on a shared machine, is reported beside it.  Writes
``benchmarks/results/<size>.json`` and ``<size>.md`` (the table README.md quotes) and
prints the table.

Stages (``--only`` / ``--skip`` take their names):

generate
    clean synthetic inventories (:func:`benchmarks.synth.generate`, 0.1 % defects) and
    dirty roads files (:func:`benchmarks.synth.generate_dirty_roads`, most segments with
    one to three problems) at each size of the preset, reused when their manifest matches;
    the clean roads also as GeoPackage and Shapefile (written by pyogrio).
process
    validate against the bare read of each dirty roads file and of each clean roads file in
    every format, best of N; the issues of one more run (written to a file) against the
    generator's manifest, per rule and per feature.
memory
    the largest dirty roads file once: peak RSS of validate against the bare read's.
defects
    ``kimson_geo.validate`` of the whole largest clean inventory (every layer and rule)
    against its manifest.
compare
    on the compare size: the naive per-feature script (:mod:`benchmarks.naive`) and
    geojson-validator (:mod:`benchmarks.gv`) against ``kimson_geo.validate`` in-process.
map
    a roads map: HTML of :func:`kimson_geo.render.map.render_map` against a naive
    ``folium.GeoJson(gdf)`` map, and the first render of each in headless Chromium.
dask
    :func:`kimson_geo.validation.dask_engine.validate_dask` on 2 local worker processes
    (GeoParquet) against ``kimson_geo.validate`` of the same inventory (GeoJSON), issues
    compared.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STAGES = ("generate", "process", "memory", "defects", "compare", "map", "dask")
#: the bare read every goal is measured against
BARE_READ = ("import sys, warnings, pyogrio; warnings.simplefilter('ignore'); "
             "pyogrio.read_dataframe(sys.argv[1])")
FORMATS = {"geojson": (".geojson", "GeoJSON"), "gpkg": (".gpkg", "GPKG"),
           "shp": (".shp", "ESRI Shapefile")}


@dataclass(frozen=True)
class Preset:
    clean: tuple[int, ...]       # roads of the clean inventories
    formats: tuple[str, ...]     # the clean roads are measured in these formats
    dirty: tuple[int, ...]       # roads of the dirty files; the largest is the memory file
    compare: int                 # roads of the file the naive script and gv run on
    map_size: int
    points: int
    polygons: int
    repeats: int
    stages: tuple[str, ...]


PRESETS = {
    "full": Preset((10_000, 100_000), tuple(FORMATS), (10_000, 100_000, 1_000_000), 100_000,
                   100_000, 20_000, 5_000, 3, STAGES),
    "small": Preset((10_000, 30_000), tuple(FORMATS), (10_000, 30_000), 30_000, 30_000,
                    6_000, 1_500, 3, STAGES),
    # what tests/test_benchmarks.py runs: one dirty file through the subprocesses
    "tiny": Preset((600,), (), (600,), 600, 600, 300, 80, 1,
                   ("generate", "process", "defects")),
}


# ------------------------------------------------------------------------ helpers

@dataclass(frozen=True)
class Run:
    """One subprocess under ``/usr/bin/time``: seconds of wall and CPU, peak RSS, exit."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    returncode: int


def timed(cmd: list[str], stdout: Path | None = None) -> Run:
    """Run ``cmd`` (its stdout to ``stdout``, else /dev/null) under ``/usr/bin/time``.

    ``/usr/bin/time`` is a small parent: the peak RSS it reports is the command's own, where
    a child of this (large) process would inherit its high-water mark across ``exec``.
    """
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report, \
            open(stdout or os.devnull, "wb") as out:
        done = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%e %U %S %M %x",
                               *cmd], stdout=out, stderr=subprocess.PIPE, env=env, cwd=ROOT,
                              check=False)
        fields = report.read().split()[-5:]
    if len(fields) != 5:
        raise RuntimeError(f"{cmd[:4]}: no timing ({done.stderr.decode()[-300:]})")
    wall, user, system, rss_kb, code = fields
    return Run(float(wall), float(user) + float(system), int(rss_kb) / 1024, int(code))


def bare_read_cmd(path: Path) -> list[str]:
    return [sys.executable, "-c", BARE_READ, str(path)]


def validate_cmd(path: Path, layer: str) -> list[str]:
    return [sys.executable, "-m", "kimson_geo", "validate", str(path), "--layer", layer,
            "--format", "json"]


def best(runs: Iterable[Run]) -> dict[str, float]:
    """Best wall time and best CPU time (each on its own), and the highest peak RSS."""
    runs = list(runs)
    return {"wall_s": min(r.wall_s for r in runs), "cpu_s": min(r.cpu_s for r in runs),
            "peak_rss_mb": max(r.peak_rss_mb for r in runs), "runs": len(runs)}


def issue_keys(report_json: Path) -> Counter[tuple[str, str, int]]:
    """``(rule, layer, feature index or -1)`` of every issue in a ``--format json`` file."""
    import orjson

    data = orjson.loads(report_json.read_bytes())
    return Counter((i["rule"], str(i["layer"]), -1 if i.get("index") is None else i["index"])
                   for i in data["issues"])


def compare_defects(found: Counter[tuple[str, str, int]], manifest: Any,
                    layers: Iterable[str] | None = None) -> dict[str, Any]:
    """Found against seeded, per rule and per feature; exact when nothing is missing or extra."""
    wanted = None if layers is None else set(layers)
    if wanted is not None:
        found = Counter({k: v for k, v in found.items() if k[1] in wanted})
    seeded = Counter(manifest.expected_keys(layers))
    rules = sorted({k[0] for k in found} | {k[0] for k in seeded})
    per_rule = {r: {"seeded": sum(v for k, v in seeded.items() if k[0] == r),
                    "found": sum(v for k, v in found.items() if k[0] == r)} for r in rules}
    missing = sorted((seeded - found).elements())
    extra = sorted((found - seeded).elements())
    return {"exact": not missing and not extra, "per_rule": per_rule,
            "missing": [list(k) for k in missing[:20]], "extra": [list(k) for k in extra[:20]],
            "seeded_total": sum(seeded.values()), "found_total": sum(found.values())}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# ------------------------------------------------------------------------ inventories

def _reuse(folder: Path, roads: int, formats: Iterable[str]) -> Any:
    from benchmarks.synth import SynthManifest

    if not (folder / "manifest.json").exists():
        return None
    manifest = SynthManifest.read(folder)
    if manifest.counts.get("roads") != roads or not set(formats) <= set(manifest.files):
        return None
    files = [folder / p for f in manifest.files.values() for p in f.values()]
    return manifest if all(p.exists() for p in files) else None


def clean_inventory(data: Path, preset: Preset, roads: int, log: Callable[[str], None]
                    ) -> tuple[Any, bool]:
    from benchmarks.synth import generate

    folder = data / f"clean-{roads}"
    manifest = _reuse(folder, roads, ("geojson", "parquet"))
    if manifest is not None:
        return manifest, False
    log(f"generating {folder}")
    return generate(folder, roads=roads, drainage=max(40, roads // 5), points=preset.points,
                    polygons=preset.polygons, seed=0), True


def dirty_roads(data: Path, roads: int, log: Callable[[str], None]) -> tuple[Any, bool]:
    from benchmarks.synth import generate_dirty_roads

    folder = data / f"dirty-{roads}"
    manifest = _reuse(folder, roads, ("geojson",))
    if manifest is not None:
        return manifest, False
    log(f"generating {folder}")
    return generate_dirty_roads(folder, roads=roads, seed=0), True


def roads_file(manifest: Any, fmt: str) -> Path:
    """The roads layer of ``manifest`` in ``fmt``; other formats converted by pyogrio
    (a bare read, written as is) once."""
    from kimson_geo.registry import ROADS_LAYER

    geojson = manifest.layer_path(ROADS_LAYER)
    if fmt == "geojson":
        return geojson
    suffix, driver = FORMATS[fmt]
    path = manifest.out_dir / fmt / f"{ROADS_LAYER}{suffix}"
    if not path.exists():
        import pyogrio

        path.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Shapefile: field names cut to 10 characters
            pyogrio.write_dataframe(pyogrio.read_dataframe(geojson), path, driver=driver)
    return path


# -------------------------------------------------------------------------- stages

def measure_file(path: Path, manifest: Any, repeats: int, work: Path) -> dict[str, Any]:
    """Bare read and validate of one roads file, best of ``repeats``; the issues of one
    more validate run against the manifest."""
    from kimson_geo.registry import ROADS_LAYER

    # interleaved, so that a change in the machine's load falls on both alike
    pairs = [(timed(bare_read_cmd(path)), timed(validate_cmd(path, ROADS_LAYER)))
             for _ in range(repeats)]
    bare, runs = [b for b, _ in pairs], [v for _, v in pairs]
    if any(r.returncode not in (0, 1) for r in runs):
        raise RuntimeError(f"validate {path} exited with {runs[-1].returncode}")
    work.mkdir(parents=True, exist_ok=True)
    out = work / f"{path.parent.parent.name}-{path.suffix.lstrip('.')}.json"
    to_file = timed(validate_cmd(path, ROADS_LAYER), stdout=out)
    found = issue_keys(out)
    out.unlink()
    b, v = best(bare), best(runs)
    return {
        "file": str(path), "features": manifest.counts[ROADS_LAYER],
        "file_mb": sum(p.stat().st_size for p in path.parent.glob(path.stem + ".*")) / 1e6,
        "bare": b, "validate": v, "validate_to_file": to_file.__dict__,
        "wall_ratio": v["wall_s"] / b["wall_s"], "cpu_ratio": v["cpu_s"] / b["cpu_s"],
        "rss_ratio": v["peak_rss_mb"] / b["peak_rss_mb"],
        "issues": sum(found.values()),
        "defects": compare_defects(found, manifest, [ROADS_LAYER]),
        "load": load_average(),
    }


def stage_process(clean: dict[int, Any], dirty: dict[int, Any], preset: Preset, work: Path,
                  log: Callable[[str], None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    cases = [(f"dirty {n:,} geojson", m, "geojson") for n, m in dirty.items()
             if n != max(dirty) or len(dirty) == 1]
    cases += [(f"clean {n:,} {fmt}", m, fmt) for n, m in clean.items()
              for fmt in preset.formats]
    for name, manifest, fmt in cases:
        result = measure_file(roads_file(manifest, fmt), manifest, preset.repeats, work)
        out[name] = result
        log(f"{name}: bare {result['bare']['cpu_s']:.2f}s CPU, validate "
            f"{result['validate']['cpu_s']:.2f}s CPU ({result['cpu_ratio']:.2f}x CPU, "
            f"{result['wall_ratio']:.2f}x wall); defects exact={result['defects']['exact']}")
    return out


def stage_memory(manifest: Any, work: Path, log: Callable[[str], None]) -> dict[str, Any]:
    """The largest dirty file once: peak RSS (and times) of validate against the bare read."""
    result = measure_file(roads_file(manifest, "geojson"), manifest, 1, work)
    log(f"memory ({result['features']:,} dirty roads): bare read "
        f"{result['bare']['peak_rss_mb']:.0f} MB, validate "
        f"{result['validate']['peak_rss_mb']:.0f} MB ({result['rss_ratio']:.2f}x)")
    return result


def stage_defects(manifest: Any, log: Callable[[str], None]) -> dict[str, Any]:
    from kimson_geo.validation import validate

    started = time.perf_counter()
    report = validate(manifest.folder("geojson"))
    seconds = time.perf_counter() - started
    found = Counter((i.rule, str(i.layer), -1 if i.feature is None else int(i.feature))
                    for i in report.issues)
    result = compare_defects(found, manifest)
    result.update(seconds=seconds, features=sum(manifest.counts.values()),
                  unreadable=report.unreadable)
    log(f"defects: whole inventory validated in {seconds:.1f}s, exact={result['exact']}")
    return result


def stage_compare(manifest: Any, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    from kimson_geo.registry import ROADS_LAYER
    from kimson_geo.validation import validate

    from . import gv, naive

    path = manifest.layer_path(ROADS_LAYER)
    out: dict[str, Any] = {"features": manifest.counts[ROADS_LAYER]}
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        validate(path, layer=ROADS_LAYER)
        seconds.append(time.perf_counter() - started)
    naive_result = naive.naive_validate(path, ROADS_LAYER)
    out["naive"] = {**naive_result, "kimson_validate_s": min(seconds),
                    "speedup": naive_result["total_s"] / min(seconds)}
    log(f"naive: {naive_result['total_s']:.2f}s vs {min(seconds):.2f}s "
        f"({out['naive']['speedup']:.1f}x)")
    if gv.available():
        gv_result = gv.gv_validate(path)
        started = time.perf_counter()
        validate(path)  # the checks both make: a file checked for structure and geometry
        shared_s = time.perf_counter() - started
        out["geojson_validator"] = {**gv_result, "kimson_s": shared_s,
                                    "speedup": gv_result["total_s"] / shared_s}
        log(f"geojson-validator: {gv_result['total_s']:.2f}s vs {shared_s:.2f}s")
    else:
        out["geojson_validator"] = {"skipped": "pip install geojson-validator"}
    return out


def stage_map(manifest: Any, work: Path, log: Callable[[str], None]) -> dict[str, Any]:
    import folium

    import kimson_geo
    from kimson_geo.registry import ROADS_LAYER
    from kimson_geo.render.map import render_map

    from . import browser

    inv = kimson_geo.load(manifest.layer_path(ROADS_LAYER), layer=ROADS_LAYER)
    roads = inv[ROADS_LAYER]
    work.mkdir(parents=True, exist_ok=True)
    ours, naive_page = work / "map_kimson.html", work / "map_naive.html"
    render_map(inv, ours)
    minx, miny, maxx, maxy = roads.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=9)
    folium.GeoJson(roads).add_to(m)
    m.save(str(naive_page))
    out: dict[str, Any] = {"features": len(roads), "kimson_bytes": ours.stat().st_size,
                           "naive_bytes": naive_page.stat().st_size}
    out["html_ratio"] = out["kimson_bytes"] / out["naive_bytes"]
    log(f"map: {out['kimson_bytes'] / 1e6:.1f} MB vs naive {out['naive_bytes'] / 1e6:.1f} MB")
    lacking = browser.missing()
    if lacking:
        out["browser"] = {"skipped": "; ".join(lacking)}
        return out
    out["browser"] = browser.first_render({
        "kimson": (ours, "() => window.ksGeo && window.ksGeo.map"),
        "naive": (naive_page, "() => document.readyState === 'complete'"),
    })
    return out


def stage_dask(manifest: Any, log: Callable[[str], None]) -> dict[str, Any]:
    """The dask engine on the GeoParquet layers against the single machine on the same
    inventory as GeoJSON (GDAL in the pyogrio wheel may lack a Parquet driver)."""
    from kimson_geo.validation import validate
    from kimson_geo.validation.dask_engine import validate_dask

    started = time.perf_counter()
    single = validate(manifest.folder("geojson"))
    single_s = time.perf_counter() - started
    started = time.perf_counter()
    report = validate_dask(manifest.folder("parquet"))
    dask_s = time.perf_counter() - started

    def key(i: Any) -> tuple[Any, ...]:
        return (i.rule, i.layer or "", -1 if i.feature is None else i.feature, i.field or "",
                i.message, i.feature_id or "")

    out = {"features": sum(manifest.counts.values()), "single_s": single_s, "dask_s": dask_s,
           "speedup": single_s / dask_s,
           "identical": sorted(map(key, single.issues)) == sorted(map(key, report.issues))}
    log(f"dask: {dask_s:.1f}s vs single {single_s:.1f}s; identical={out['identical']}")
    return out


# --------------------------------------------------------------------------- goals

def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal of issue 8 with the value measured and whether it is met."""
    rows: list[dict[str, Any]] = []

    def add(name: str, goal: str, value: float | None, met: bool | None, note: str = "") -> None:
        rows.append({"name": name, "goal": goal, "value": value, "met": met, "note": note})

    process = results.get("process") or {}
    for name, r in process.items():
        limit = 1.5 if name.startswith("dirty") else 1.3
        # the time a user waits; validate uses a second core (GDAL reads while the
        # structure checks parse), so its CPU time is shown beside it
        add(f"validate vs bare read, {name}", f"<= {limit}x wall", r["wall_ratio"],
            r["wall_ratio"] <= limit,
            f"{r['validate']['wall_s']:.2f} s vs {r['bare']['wall_s']:.2f} s wall; CPU "
            f"{r['cpu_ratio']:.2f}x ({r['validate']['cpu_s']:.2f} s vs "
            f"{r['bare']['cpu_s']:.2f} s); {r['issues']:,} issues")
    memory = results.get("memory") or {}
    if memory:
        add(f"peak RSS of validate vs bare read, {memory['features']:,} dirty roads",
            "<= 1.0x", memory["rss_ratio"], memory["rss_ratio"] <= 1.0,
            f"{memory['validate']['peak_rss_mb']:.0f} MB vs "
            f"{memory['bare']['peak_rss_mb']:.0f} MB; validate {memory['validate']['wall_s']:.0f}"
            f" s wall, {memory['validate']['cpu_s']:.0f} s CPU; bare read "
            f"{memory['bare']['cpu_s']:.1f} s CPU")
    checked = [(name, r["defects"]) for name, r in process.items()]
    if memory:
        checked.append((f"dirty {memory['features']:,} geojson", memory["defects"]))
    if checked:
        bad = [name for name, d in checked if not d["exact"]]
        add("seeded defects found, per rule and per feature (every file, every size)",
            "exact", None, not bad,
            "; ".join(f"{name}: {d['found_total']:,}/{d['seeded_total']:,}"
                      for name, d in checked) + (f"; not exact: {', '.join(bad)}" if bad else ""))
    defects = results.get("defects") or {}
    if defects:
        add("seeded defects found (whole clean inventory, every layer)", "exact", None,
            defects["exact"], f"{defects['seeded_total']:,} seeded, "
                              f"{defects['found_total']:,} found")
    compare = results.get("compare") or {}
    if "naive" in compare:
        add("vs naive per-feature script, in-process", "(info)", compare["naive"]["speedup"],
            None, f"{compare['features']:,} roads")
    gvr = compare.get("geojson_validator") or {}
    if "speedup" in gvr:
        add("vs geojson-validator, parse included", "(info)", gvr["speedup"], None,
            f"{compare['features']:,} roads")
    mapr = results.get("map") or {}
    if mapr:
        add("map HTML vs naive folium.GeoJson", "<= 35%", mapr["html_ratio"],
            mapr["html_ratio"] <= 0.35, f"{mapr['features']:,} segments")
        first = (mapr.get("browser") or {}).get("kimson")
        if first:
            add("map first render in headless Chromium", "<= 5 s", first["wall_s"],
                first["wall_s"] <= 5, f"naive folium: {mapr['browser']['naive']['wall_s']:.2f} s")
    dask = results.get("dask") or {}
    if dask:
        add("dask on 2 local workers (GeoParquet) vs single machine (GeoJSON)", "(info)",
            dask["speedup"], None, f"{dask['dask_s']:.1f} s vs {dask['single_s']:.1f} s; "
                                   f"identical issues: {dask['identical']}")
    return rows


def keep_earlier(results: dict[str, Any], previous: Path) -> None:
    """Carry the stages this run left out over from the last results of the same size.

    ``--only process`` then updates the process stage of ``results/full.json`` instead of
    dropping every other stage; ``runs`` says when each stage was measured."""
    try:
        earlier = json.loads(previous.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    earlier_runs = earlier.get("runs") or {}
    for stage in STAGES[1:]:  # (the generate stage is this run's own)
        if stage in results["runs"] or not earlier.get(stage):
            continue
        results[stage] = earlier[stage]
        results["runs"][stage] = earlier_runs.get(stage) or {
            k: earlier.get(k) for k in ("started", "load_start", "load_end")}


def table(results: dict[str, Any]) -> str:
    by_run: dict[str, list[str]] = {}
    for stage, run in (results.get("runs") or {}).items():
        if stage != "generate":
            by_run.setdefault(json.dumps(run, sort_keys=True), []).append(stage)
    lines = [f"Size {results['size']}. "]
    for key, stages in by_run.items():
        run = json.loads(key)
        lines[0] += (f"{', '.join(stages)}: run of {run['started']} (repeats "
                     f"{run.get('repeats', '?')}; load average {run['load_start']} at the start, "
                     f"{run['load_end']} at the end). ")
    lines[0] = lines[0].rstrip()
    lines += ["", "| goal | target | measured | met | notes |",
              "| --- | --- | ---: | :---: | --- |"]
    for row in results["goals"]:
        value = row["value"]
        if value is None:
            shown = "–"
        elif row["goal"].endswith("%"):
            shown = f"{value:.0%}"
        elif row["goal"].endswith(" s"):
            shown = f"{value:.2f} s"
        else:
            shown = f"{value:.2f}x"
        met = {True: "yes", False: "**no**", None: "–"}[row["met"]]
        lines.append(f"| {row['name']} | {row['goal']} | {shown} | {met} | {row['note']} |")
    rows = dict(results.get("process") or {})
    if results.get("memory"):
        rows[f"dirty {results['memory']['features']:,} geojson (once)"] = results["memory"]
    if rows:
        lines += ["", "| file | MB | bare read wall s | CPU s | peak MB | validate wall s "
                      "| CPU s | peak MB | CPU ratio | wall ratio | RSS ratio | issues | load |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
                  "| ---: | --- |"]
        for name, r in rows.items():
            b, v = r["bare"], r["validate"]
            lines.append(
                f"| {name} | {r['file_mb']:.0f} | {b['wall_s']:.2f} | {b['cpu_s']:.2f} | "
                f"{b['peak_rss_mb']:.0f} | {v['wall_s']:.2f} | {v['cpu_s']:.2f} | "
                f"{v['peak_rss_mb']:.0f} | {r['cpu_ratio']:.2f} | {r['wall_ratio']:.2f} | "
                f"{r['rss_ratio']:.2f} | {r['issues']:,} | {r['load'][0]} |")
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
    parser.add_argument("--repeats", type=int, default=None,
                        help="runs of each timing, best taken (default: the preset's)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    preset = PRESETS[args.size]
    if args.repeats is not None:
        if args.repeats < 1:
            parser.error("--repeats must be at least 1")
        preset = dataclasses.replace(preset, repeats=args.repeats)
    stages = [s for s in (args.only.split(",") if args.only else preset.stages)
              if s and s not in args.skip.split(",")]
    unknown = set(stages) - set(STAGES)
    if unknown:
        parser.error(f"unknown stage(s): {', '.join(sorted(unknown))}")
    if {"process", "memory"} & set(stages) and shutil.which("/usr/bin/time") is None:
        parser.error("the process and memory stages need /usr/bin/time (apt-get install time)")

    def log(text: str) -> None:
        if not args.quiet:
            print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL's "could not parse column" and friends
        return _run_stages(args, preset, stages, log)


def _run_stages(args: argparse.Namespace, preset: Preset, stages: list[str],
                log: Callable[[str], None]) -> dict[str, Any]:
    started = time.perf_counter()
    results: dict[str, Any] = {
        "size": args.size, "stages": stages,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "started": time.strftime("%Y-%m-%d %H:%M:%S"), "load_start": load_average(),
    }
    clean: dict[int, Any] = {}
    dirty: dict[int, Any] = {}
    generated: list[str] = []
    for n in preset.clean:
        clean[n], fresh = clean_inventory(args.data, preset, n, log)
        generated += [f"clean-{n}"] * fresh
    for n in preset.dirty:
        dirty[n], fresh = dirty_roads(args.data, n, log)
        generated += [f"dirty-{n}"] * fresh
    results["generate"] = {"generated": generated,
                           "counts": {f"clean-{n}": dict(m.counts) for n, m in clean.items()}}
    work = args.data / "reports"
    if "process" in stages:
        results["process"] = stage_process(clean, dirty, preset, work, log)
    if "memory" in stages:
        results["memory"] = stage_memory(dirty[max(dirty)], work, log)
    if "defects" in stages:
        results["defects"] = stage_defects(clean[max(clean)], log)
    if "compare" in stages:
        compare = clean.get(preset.compare) or clean_inventory(
            args.data, preset, preset.compare, log)[0]
        results["compare"] = stage_compare(compare, preset.repeats, log)
    if "map" in stages:
        mapm = clean.get(preset.map_size) or clean_inventory(
            args.data, preset, preset.map_size, log)[0]
        results["map"] = stage_map(mapm, args.data / "maps", log)
    if "dask" in stages:
        results["dask"] = stage_dask(clean[max(clean)], log)
    results["load_end"] = load_average()
    results["seconds"] = time.perf_counter() - started
    results["runs"] = {stage: {k: results[k] for k in ("started", "load_start", "load_end")}
                       | {"repeats": preset.repeats} for stage in stages}
    keep_earlier(results, args.out / f"{args.size}.json")
    results["goals"] = goals(results)
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
