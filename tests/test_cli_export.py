from __future__ import annotations

from pathlib import Path

import pyogrio
import pytest
from click.testing import CliRunner

import kimson_geo
from kimson_geo.cli.main import cli

from _support import ROOT, tree_snapshot


def test_export_filtered_gpkg_in_vn2000(tmp_path: Path, bundled) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "main.gpkg"
    result = CliRunner().invoke(cli, ["export", "roads", "-o", str(out), "--where",
                                      "kind == 'main'", "--crs", "EPSG:5899"])
    assert result.exit_code == 0, result.stderr
    info = pyogrio.read_info(out)
    assert info["crs"] == "EPSG:5899"
    assert info["features"] == len(bundled.query("roads", where="kind == 'main'"))


def test_every_layer_geojson_reads_back_identically(tmp_path: Path, bundled) -> None:  # type: ignore[no-untyped-def]
    import json

    for name, frame in bundled.layers.items():
        out = tmp_path / f"{name}.geojson"
        result = CliRunner().invoke(cli, ["export", name, "-o", str(out)])
        assert result.exit_code == 0, result.stderr
        assert "crs" not in json.loads(out.read_text(encoding="utf-8"))
        back = kimson_geo.load(out)[name]
        columns = [c for c in frame.columns if c != "geometry"]
        for column in columns:
            left = frame[column].astype(object).where(frame[column].notna(), None).tolist()
            right = back[column].astype(object).where(back[column].notna(), None).tolist()
            assert left == right, (name, column)


def test_export_does_not_write_into_data(tmp_path: Path) -> None:
    before = tree_snapshot(ROOT / "data")
    result = CliRunner().invoke(cli, ["export", "khu", "-o", str(tmp_path / "khu.shp")])
    assert result.exit_code == 0
    assert tree_snapshot(ROOT / "data") == before
    # the bundled notes are longer than a Shapefile holds: said once per field, on stderr
    assert "kimson-geo: warning:" in result.stderr and "'note'" in result.stderr
    assert {p.suffix for p in tmp_path.iterdir()} == {".shp", ".shx", ".dbf", ".prj", ".cpg"}


def test_export_bad_format_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "roads", "-o", str(tmp_path / "r.txt")])
    assert result.exit_code == 2 and "--format" in result.stderr
    assert not (tmp_path / "r.txt").exists()


def _one_error_line(result) -> str:  # type: ignore[no-untyped-def]
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("kimson-geo: error: ")]
    assert result.exit_code == 2 and len(errors) == 1, result.stderr
    # other lines may only be kimson-geo's own notes (a deprecated option), no traceback
    assert all(line.startswith("kimson-geo: ") for line in lines), result.stderr
    assert "internal error" not in errors[0]
    return errors[0]


def _special_target(kind: str, tmp_path: Path) -> Path:
    import os

    if kind == "device":
        return Path("/dev/full")
    path = tmp_path / "out.geojson"
    if kind == "link-to-stdout":
        path.symlink_to("/dev/stdout")
    elif kind == "fifo":
        os.mkfifo(path)
    return path


@pytest.mark.parametrize("kind", ["device", "link-to-stdout", "fifo"])
def test_export_refuses_anything_but_a_regular_file(tmp_path: Path, kind: str) -> None:
    import os

    target = _special_target(kind, tmp_path)
    before = os.lstat(target)
    result = CliRunner().invoke(cli, ["export", "roads", "-o", str(target), "--format", "geojson"])
    line = _one_error_line(result)
    assert str(target) in line and "only replaces regular files" in line
    after = os.lstat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert result.stdout == ""


def test_map_refuses_a_device(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["map", "--no-problems", "-o", "/dev/full"])
    assert "/dev/full: is a character device" in _one_error_line(result)


@pytest.mark.parametrize(("fmt", "marker"), [("geojson", '"FeatureCollection"'),
                                             ("csv", "LINESTRING"), ("kml", "<kml")])
def test_export_to_stdout_by_name(fmt: str, marker: str, bundled) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["export", "roads", "-o", "-", "--format", fmt])
    assert result.exit_code == 0, result.stderr
    assert marker in result.stdout
    assert f"wrote {len(bundled['roads'])} feature(s) of roads to standard output" in result.stderr


def test_export_binary_to_stdout_is_refused() -> None:
    result = CliRunner().invoke(cli, ["export", "roads", "-o", "-", "--format", "gpkg"])
    assert "cannot write gpkg to standard output" in _one_error_line(result)
    assert result.stdout == ""


def test_map_to_stdout(bundled) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["map", "--no-problems", "--layers", "khu", "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>") and "standard output" in result.stderr


def test_export_shapefile_to_a_txt_name_makes_no_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "roads", "--format", "shp",
                                      "-o", str(tmp_path / "x.txt")])
    assert "x.shp" in _one_error_line(result)
    assert list(tmp_path.iterdir()) == []


def test_export_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    out = tmp_path / "roads.geojson"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o600)
    result = CliRunner().invoke(cli, ["export", "roads", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    assert out.read_text(encoding="utf-8").startswith("{")


def test_export_csv_says_it_neutralised_formulas(tmp_path: Path) -> None:
    from _support import copy_bundled, edit_features

    data = copy_bundled(tmp_path)

    def hostile(features):  # type: ignore[no-untyped-def]
        features[0]["properties"]["name"] = '=HYPERLINK("http://evil","bấm")'

    edit_features(data, "roads", hostile)
    out = tmp_path / "roads.csv"
    result = CliRunner().invoke(cli, ["export", "roads", "--data", str(data), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "1 text cell(s) starting with = + - @ got a leading '" in result.stderr
    assert "'=HYPERLINK(" in out.read_text(encoding="utf-8")


def test_export_mixed_geometries_to_shapefile_is_one_line(tmp_path: Path) -> None:
    from _support import copy_bundled, edit_features

    data = copy_bundled(tmp_path)

    def one_point(features):  # type: ignore[no-untyped-def]
        start = features[0]["geometry"]["coordinates"][0]
        features[0]["geometry"] = {"type": "Point", "coordinates": start}

    edit_features(data, "roads", one_point)
    out = tmp_path / "out" / "roads.shp"
    result = CliRunner().invoke(cli, ["export", "roads", "--data", str(data), "-o", str(out)])
    line = _one_error_line(result)
    assert "one kind of geometry" in line and "1 point(s)" in line and str(out) in line
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_export_takes_path_after_layer(tmp_path: Path, small_dir: Path) -> None:
    out = tmp_path / "main.geojson"
    result = CliRunner().invoke(cli, ["export", "roads", str(small_dir), "-o", str(out),
                                      "--where", "kind == 'main'"])
    assert result.exit_code == 0, result.stderr
    assert kimson_geo.load(out, layer="roads")["roads"]["id"].tolist() == ["r1", "r2"]
    assert "warning" not in result.stderr


def test_export_data_is_a_deprecated_alias(tmp_path: Path, small_dir: Path) -> None:
    out = tmp_path / "roads.geojson"
    result = CliRunner().invoke(cli, ["export", "roads", "--data", str(small_dir), "-o",
                                      str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0].startswith("kimson-geo: warning: --data is deprecated")
    assert len(kimson_geo.load(out)["roads"]) == 4


def test_export_where_attack_writes_nothing(tmp_path: Path, small_dir: Path) -> None:
    out = tmp_path / "x.geojson"
    marker = tmp_path / "owned"
    attack = f"kind.str.replace('a', 'b').head(1).to_csv('{marker}') == 0"
    result = CliRunner().invoke(cli, ["export", "roads", str(small_dir), "-o", str(out),
                                      "--where", attack])
    assert result.exit_code == 2
    assert not out.exists() and not marker.exists()
