"""The benchmark harness, run on its tiny size (the real runs are not part of the suite)."""

from __future__ import annotations

import json
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
    assert goals["defects found = defects seeded (whole inventory)"]["met"] is True
    assert goals["defects found = defects seeded (roads file, every size)"]["met"] is True
    for name in ("load vs bare pyogrio read", "validate vs bare pyogrio read",
                 "vs naive per-feature script (checks)"):
        assert goals[name]["value"] > 0
    speed = results["speed"]
    assert set(speed) == {"600", "1200"}
    assert all(s["read_s"] > 0 and s["validate_s"] > 0 for s in speed.values())
    out = capsys.readouterr().out
    assert "| goal | target | measured | met | notes |" in out
    assert (tmp_path / "results" / "tiny.md").read_text(encoding="utf-8").startswith("| goal")


def test_second_run_reuses_the_inventories(tmp_path: Path) -> None:
    args = ["--size", "tiny", "--data", str(tmp_path / "data"), "--out",
            str(tmp_path / "results"), "--quiet", "--only", "generate"]
    first = bench.run(args)
    second = bench.run(args)
    assert set(first["generate"]["seconds"]) == {"600", "1200"}
    assert second["generate"]["seconds"] == {}


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
