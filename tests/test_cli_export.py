from __future__ import annotations

from pathlib import Path

import pyogrio
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
