"""``kimson-geo import``: exit codes, one-line errors, nothing written on exit 2, dry run."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from kimson_geo.cli.main import cli
from kimson_geo.registry import CULTURAL_HOUSES_LAYER, ROADS_LAYER, SURFACE, layer_spec

import _deliveries as D


def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


def test_import_writes_layers_and_prints_validation(tmp_path: Path) -> None:
    D.road_shapefile(tmp_path / "in")
    D.houses_workbook(tmp_path / "in")
    out = tmp_path / "out"
    result = _run("import", str(tmp_path / "in"), "-o", str(out))
    assert result.exit_code == 1  # imported; a main road 4.5 m wide is a real error
    assert "main-road-width" in result.output
    assert "EPSG:5899" in result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        layer_spec(n).file_name for n in (ROADS_LAYER, CULTURAL_HOUSES_LAYER))


def test_import_valid_delivery_exits_0(tmp_path: Path) -> None:
    book = D.houses_workbook(tmp_path / "in")
    result = _run("import", str(book), "-o", str(tmp_path / "out.gpkg"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["layers"] == {CULTURAL_HOUSES_LAYER: 3}
    assert data["validation"]["summary"]["errors"] == 0
    assert (tmp_path / "out.gpkg").is_file()


def test_dry_run_prints_mapping_that_round_trips(tmp_path: Path) -> None:
    shp = D.road_shapefile(tmp_path / "in")
    first = _run("import", str(shp), "--dry-run")
    mapping = tomllib.loads(first.stdout)
    assert mapping["fields"][ROADS_LAYER]["KET_CAU"] == SURFACE
    assert '"Bê tông xi măng" = "concrete"  # 1 feature' in first.stdout
    saved = tmp_path / "map.toml"
    saved.write_text(first.stdout, encoding="utf-8")
    again = _run("import", str(shp), "--dry-run", "--mapping", str(saved))
    assert tomllib.loads(again.stdout)["fields"] == mapping["fields"]
    assert tomllib.loads(again.stdout)["values"] == mapping["values"]
    assert not any(p.name.startswith("out") for p in tmp_path.iterdir())


@pytest.mark.parametrize("make, words", [
    (lambda p: p.mkdir(), "no delivery files found"),
    (lambda p: D.road_shapefile(p).with_suffix(".shx").unlink(), ".shx"),
    (lambda p: D.houses_workbook(p, xy=False), "no sheet has coordinate columns"),
    (lambda p: D.drawing(p, layers=("LAYER1", "0")), "nothing could be imported"),
])
def test_bad_delivery_exits_2_with_one_line(tmp_path: Path, make, words: str) -> None:
    make(tmp_path / "in")
    result = _run("import", str(tmp_path / "in"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_ambiguous_xy_exits_2_naming_src_crs(tmp_path: Path) -> None:
    from openpyxl import Workbook
    from pyproj import Transformer

    utm = Transformer.from_crs("EPSG:5899", "EPSG:32648", always_xy=True)
    book = Workbook()
    book.active.append(["Tên", "X", "Y"])
    for i in range(3):
        e, n = utm.transform(D.E0 + 10 * i, D.N0)
        book.active.append([f"Nhà văn hóa {i}", n, e])
    book.save(tmp_path / "nha_van_hoa.xlsx")
    result = _run("import", str(tmp_path / "nha_van_hoa.xlsx"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "--src-crs" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_import_needs_out_or_dry_run(tmp_path: Path) -> None:
    D.road_shapefile(tmp_path / "in")
    assert _run("import", str(tmp_path / "in")).exit_code == 2


def test_dry_run_pins_the_assumed_crs_for_mapping(tmp_path: Path) -> None:
    # the CRS guessed for a file without .prj is a key of the mapping: passed back
    # unedited, it is used as given (no guess, no "assumed" note) and puts every road
    # in the same place
    shp = D.road_shapefile(tmp_path / "in")
    first = _run("import", str(shp), "--dry-run")
    mapping = tomllib.loads(first.stdout)
    assert mapping["sources"][shp.name]["crs"] == "EPSG:5899"
    saved = tmp_path / "map.toml"
    saved.write_text(first.stdout, encoding="utf-8")
    guessed = _run("import", str(shp), "-o", str(tmp_path / "guessed.gpkg"),
                   "--format", "json")
    pinned = _run("import", str(shp), "-o", str(tmp_path / "pinned.gpkg"),
                  "--mapping", str(saved), "--format", "json")
    assert guessed.exit_code == pinned.exit_code == 1
    notes = json.loads(pinned.stdout)["notes"]
    assert not any("assumed" in n for n in notes)
    assert any("assumed" in n for n in json.loads(guessed.stdout)["notes"])
    assert json.loads(pinned.stdout)["mapping"]["sources"][shp.name]["crs"] == (
        "EPSG:5899 (the mapping)")
    import pyogrio

    a = pyogrio.read_dataframe(tmp_path / "guessed.gpkg", layer=ROADS_LAYER)
    b = pyogrio.read_dataframe(tmp_path / "pinned.gpkg", layer=ROADS_LAYER)
    assert len(a) == len(b) == len(D.road_lines())
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=1e-9).all()


def test_mapping_crs_overrides_the_guess(tmp_path: Path) -> None:
    # a mapping that pins another CRS reads the same numbers there (kilometres away)
    from kimson_geo import import_delivery

    shp = D.road_shapefile(tmp_path / "in")
    guessed = import_delivery(shp, None, dry_run=True).layers[ROADS_LAYER]
    pinned = import_delivery(shp, None, dry_run=True, mapping={
        "sources": {shp.name: {"crs": "EPSG:32648"}}}).layers[ROADS_LAYER]
    shift = guessed.to_crs("EPSG:32648").distance(pinned.to_crs("EPSG:32648"))
    assert (shift > 1000).all()
    assert 'crs = "EPSG:32648"' in import_delivery(shp, None, dry_run=True, mapping={
        "sources": {shp.name: {"crs": "EPSG:32648"}}}).plan.to_toml()
