"""The benchmark harness, run on its tiny size (the real runs are not part of the suite)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from benchmarks import run as bench


def test_tiny_run_writes_results_and_prints_the_table(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = bench.run(["--size", "tiny", "--data", str(tmp_path / "data"),
                         "--out", str(tmp_path / "results"), "--quiet"])
    saved = json.loads((tmp_path / "results" / "tiny.json").read_text(encoding="utf-8"))
    assert saved["size"] == "tiny"
    goals = {g["name"]: g for g in saved["goals"]}
    assert goals["seeded defects found (whole clean inventory, every layer)"]["met"] is True
    every = goals["seeded defects found, per rule and per feature (every file, every size)"]
    assert every["met"] is True
    [dirty] = results["process"].values()
    assert dirty["defects"]["exact"] and dirty["issues"] == dirty["defects"]["seeded_total"] > 0
    for side in ("bare", "validate"):
        assert dirty[side]["cpu_s"] > 0 and dirty[side]["peak_rss_mb"] > 0
    ratio = goals["validate vs bare read, dirty 600 geojson"]
    assert ratio["value"] == pytest.approx(dirty["wall_ratio"]) and "x wall" in ratio["goal"]
    out = capsys.readouterr().out
    assert "| goal | target | measured | met | notes |" in out
    assert "| dirty 600 geojson |" in (tmp_path / "results" / "tiny.md").read_text(
        encoding="utf-8")


def test_second_run_reuses_the_inventories(tmp_path: Path) -> None:
    args = ["--size", "tiny", "--data", str(tmp_path / "data"), "--out",
            str(tmp_path / "results"), "--quiet", "--only", "generate"]
    first = bench.run(args)
    second = bench.run(args)
    assert first["generate"]["generated"] == ["clean-600", "dirty-600"]
    assert second["generate"]["generated"] == []


@pytest.mark.parametrize("fmt", ["gpkg", "shp"])
def test_clean_roads_in_other_formats_keep_every_seeded_defect(tmp_path: Path,
                                                                fmt: str) -> None:
    from benchmarks.synth import generate
    from kimson_geo.registry import ROADS_LAYER
    from kimson_geo.validation import validate

    manifest = generate(tmp_path / "inv", roads=600, drainage=40, points=200, polygons=80,
                        formats=("geojson",))
    path = bench.roads_file(manifest, fmt)
    assert path.suffix == f".{fmt}" and path.exists()
    report = validate(path, layer=ROADS_LAYER)
    found = Counter((i.rule, str(i.layer), -1 if i.feature is None else int(i.feature))
                    for i in report.issues)
    check = bench.compare_defects(found, manifest, [ROADS_LAYER])
    assert check["exact"], (check["missing"], check["extra"])


def test_defect_comparison_names_what_is_missing_and_extra(tmp_path: Path) -> None:
    from benchmarks.synth import generate_dirty_roads

    manifest = generate_dirty_roads(tmp_path / "dirty", roads=60)
    seeded = Counter(manifest.expected_keys())
    wrong = seeded.copy()
    missing = next(iter(seeded))
    wrong[missing] -= 1
    wrong[("road-dangle", "roads", 10_000)] += 1
    check = bench.compare_defects(wrong, manifest)
    assert not check["exact"]
    assert check["missing"] == [list(missing)]
    assert check["extra"] == [["road-dangle", "roads", 10_000]]
    assert bench.compare_defects(seeded, manifest)["exact"]


def test_naive_script_finds_the_same_road_defects(tmp_path: Path) -> None:
    from benchmarks.naive import naive_validate
    from benchmarks.synth import generate
    from kimson_geo.registry import ROADS_LAYER

    manifest = generate(tmp_path / "inv", roads=600, drainage=40, points=200, polygons=80,
                        formats=("geojson",), defect_rate=0.01)
    result = naive_validate(manifest.layer_path(ROADS_LAYER), ROADS_LAYER)
    seeded = manifest.by_rule([ROADS_LAYER])
    for rule in ("main-road-width", "road-not-concrete", "unique-id", "geometry-missing",
                 "line-self-crossing", "repeated-vertex", "road-dangle", "value-range",
                 "unknown-code", "field-type"):
        assert result["by_rule"].get(rule, 0) == seeded[rule], rule


def test_unknown_stage_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        bench.run(["--size", "tiny", "--only", "nope", "--data", str(tmp_path)])


def test_a_partial_run_keeps_the_stages_it_did_not_run(tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    earlier = {"size": "tiny", "defects": {"exact": False, "seeded_total": 9, "found_total": 8},
               "runs": {"defects": {"started": "2026-01-02 03:04:05", "load_start": [1.0],
                                    "load_end": [1.5], "repeats": 3}}}
    (out / "tiny.json").write_text(json.dumps(earlier), encoding="utf-8")
    results = bench.run(["--size", "tiny", "--data", str(tmp_path / "data"), "--out",
                         str(out), "--quiet", "--only", "generate"])
    assert results["defects"] == earlier["defects"]
    assert results["runs"]["defects"] == earlier["runs"]["defects"]
    assert results["runs"]["generate"]["started"] == results["started"]
    goals = {g["name"]: g for g in results["goals"]}
    assert goals["seeded defects found (whole clean inventory, every layer)"]["met"] is False
    text = (out / "tiny.md").read_text(encoding="utf-8")
    assert "defects: run of 2026-01-02 03:04:05 (repeats 3" in text
    # a stage this run measured replaces the earlier one; none is carried over twice
    again = bench.run(["--size", "tiny", "--data", str(tmp_path / "data"), "--out",
                       str(out), "--quiet", "--only", "generate"])
    assert again["runs"]["defects"] == earlier["runs"]["defects"]
