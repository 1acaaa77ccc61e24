from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

import kimson_geo
from kimson_geo.errors import ExportError
from kimson_geo.io import write as write_module
from kimson_geo.registry import METRIC_CRS

from _support import tree_snapshot


def _same_attributes(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
    columns = [c for c in a.columns if c != a.geometry.name]
    left = pd.DataFrame(a[columns]).reset_index(drop=True)
    right = pd.DataFrame(b[columns]).reset_index(drop=True)
    for column in columns:
        assert left[column].astype(object).where(left[column].notna(), None).tolist() == \
            right[column].astype(object).where(right[column].notna(), None).tolist(), column


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp", ".csv"])
def test_round_trip_keeps_features_properties_and_text(small_dir: Path, tmp_path: Path,
                                                        suffix: str) -> None:
    inv = kimson_geo.load(small_dir)
    for name in inv.layers:
        out = tmp_path / "out" / f"{name}{suffix}"
        inv.export(name, out)
        back = kimson_geo.load(out, layer=name)[name]
        assert len(back) == len(inv[name])
        _same_attributes(inv[name], back)
        shift = back.to_crs(METRIC_CRS).distance(inv[name].to_crs(METRIC_CRS), align=False)
        assert float(shift.max()) < 0.02  # 7 decimals of a degree is about 1 cm


def test_geojson_is_rfc7946(small_dir: Path, tmp_path: Path) -> None:
    inv = kimson_geo.load(small_dir)
    out = inv.export("khu", tmp_path / "khu.geojson")
    text = out.read_text(encoding="utf-8")
    document = json.loads(text)
    assert "crs" not in document
    assert "Kim Thành" in text  # UTF-8, not \\u escapes
    import shapely

    for feature in document["features"]:
        ring = feature["geometry"]["coordinates"][0]
        assert shapely.LinearRing(ring).is_ccw
        for x, y in ring:
            assert len(repr(x).split(".")[-1]) <= 7 and len(repr(y).split(".")[-1]) <= 7


def test_geojson_refuses_other_crs(small_dir: Path, tmp_path: Path) -> None:
    inv = kimson_geo.load(small_dir)
    with pytest.raises(ExportError, match="WGS 84"):
        inv.export("roads", tmp_path / "r.geojson", crs="EPSG:5899")
    assert not (tmp_path / "r.geojson").exists()


def test_gpkg_in_vn2000(small_dir: Path, tmp_path: Path) -> None:
    inv = kimson_geo.load(small_dir)
    out = inv.export("roads", tmp_path / "roads.gpkg", crs="EPSG:5899")
    import pyogrio

    assert pyogrio.read_info(out)["crs"] == "EPSG:5899"


def test_kml_export_reads_back(small_dir: Path, tmp_path: Path) -> None:
    inv = kimson_geo.load(small_dir)
    out = inv.export("cultural_houses", tmp_path / "houses.kml")
    import pyogrio

    frame = pyogrio.read_dataframe(out)
    assert len(frame) == 1 and frame.geometry.iloc[0].geom_type == "Point"


def test_failed_write_leaves_no_partial_file_and_keeps_the_old_one(
    small_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inv = kimson_geo.load(small_dir)
    out = tmp_path / "roads.geojson"
    out.write_text("previous content", encoding="utf-8")
    import pyogrio

    real = pyogrio.write_dataframe

    def half_then_fail(frame, path, **kwargs):  # type: ignore[no-untyped-def]
        real(frame.iloc[:1], path, **kwargs)  # part of the output exists on disk...
        raise OSError("disk full")  # ...then the write fails midway

    monkeypatch.setattr(pyogrio, "write_dataframe", half_then_fail)
    with pytest.raises(ExportError, match="disk full"):
        inv.export("roads", out)
    assert out.read_text(encoding="utf-8") == "previous content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inv", "roads.geojson"]


def test_failed_shapefile_write_leaves_no_sidecars(
    small_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inv = kimson_geo.load(small_dir)
    import pyogrio

    real = pyogrio.write_dataframe

    def write_then_fail(frame, path, **kwargs):  # type: ignore[no-untyped-def]
        real(frame, path, **kwargs)
        raise KeyboardInterrupt  # interrupted after the files were written

    monkeypatch.setattr(pyogrio, "write_dataframe", write_then_fail)
    out_dir = tmp_path / "shp"
    with pytest.raises(KeyboardInterrupt):
        inv.export("roads", out_dir / "roads.shp")
    assert list(out_dir.iterdir()) == []


def test_export_never_touches_the_input(small_dir: Path, tmp_path: Path) -> None:
    before = tree_snapshot(small_dir)
    inv = kimson_geo.load(small_dir)
    inv.export("roads", tmp_path / "copy.geojson")
    assert tree_snapshot(small_dir) == before


def test_unknown_suffix_is_an_export_error(small_dir: Path, tmp_path: Path) -> None:
    inv = kimson_geo.load(small_dir)
    with pytest.raises(ExportError, match="--format"):
        inv.export("roads", tmp_path / "roads.xyz")
    assert write_module.format_for("x.bin", "geojson") == "geojson"
