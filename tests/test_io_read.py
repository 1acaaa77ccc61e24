from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import geopandas as gpd
import pytest

import kimson_geo
from kimson_geo.errors import CRSError, DataSourceError, LayerError
from kimson_geo.io.read import iter_features, read_layer
from kimson_geo.io.sources import resolve
from kimson_geo.registry import METRIC_CRS, WGS84

from _support import write_geojson


def test_folder_layers_found_by_registry_name(small_dir: Path) -> None:
    (small_dir / "notes.txt").write_text("ignored")
    assert set(resolve(small_dir).files) == {"roads", "khu", "cultural_houses"}


def test_read_layer_types_fields_from_registry(small_dir: Path) -> None:
    roads = read_layer(small_dir / "roads.geojson", "roads")
    assert roads.crs == WGS84
    assert str(roads["width_m"].dtype) == "float64"
    assert str(roads["dead_end"].dtype) == "boolean"
    assert roads["dead_end"].tolist() == [True, True, False, True]


def test_text_is_nfc_on_load(tmp_path: Path, small_khu: gpd.GeoDataFrame) -> None:
    decomposed = unicodedata.normalize("NFD", "Kim Thành")
    assert decomposed != "Kim Thành"
    khu = small_khu.copy()
    khu.loc[0, "name"] = decomposed
    path = write_geojson(tmp_path / "khu.geojson", khu)
    loaded = read_layer(path, "khu")
    assert loaded.loc[0, "name"] == "Kim Thành"
    assert loaded.attrs["nfc_changed"] == {"name": [0]}


def test_vn2000_coordinates_need_src_crs(tmp_path: Path, small_roads: gpd.GeoDataFrame) -> None:
    metric = small_roads.to_crs(METRIC_CRS)
    collection = json.loads(metric.to_json(drop_id=True))
    collection.pop("crs", None)  # metres, and nothing says so
    path = tmp_path / "roads.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(CRSError, match="EPSG:5899"):
        read_layer(path, "roads")
    back = read_layer(path, "roads", src_crs="EPSG:5899")
    assert back.crs == WGS84
    # the EPSG:5899 round trip lands within a centimetre of where we started
    distance = back.to_crs(METRIC_CRS).distance(metric.geometry, align=False)
    assert float(distance.max()) < 0.01


def test_gpkg_in_vn2000_is_transformed(tmp_path: Path, small_roads: gpd.GeoDataFrame) -> None:
    path = tmp_path / "survey.gpkg"
    small_roads.to_crs(METRIC_CRS).to_file(path, layer="roads", engine="pyogrio")
    inv = kimson_geo.load(path)
    assert list(inv.layers) == ["roads"]
    assert inv["roads"].crs == WGS84
    shift = inv["roads"].to_crs(METRIC_CRS).distance(small_roads.to_crs(METRIC_CRS), align=False)
    assert float(shift.max()) < 0.01


def test_shapefile_cut_field_names_are_restored(tmp_path: Path, small_khu) -> None:
    khu = small_khu.copy()
    khu["cultural_neighbourhood"] = [True, False]
    path = tmp_path / "khu.shp"
    from kimson_geo.io.write import write_layer

    write_layer(khu, path)  # the dBase format cuts names to 10 characters
    import pyogrio

    assert "cultural_n" in pyogrio.read_info(path)["fields"]
    loaded = read_layer(path, "khu")
    assert "cultural_neighbourhood" in loaded.columns
    assert loaded["cultural_neighbourhood"].tolist() == [True, False]


def test_missing_path_is_a_data_source_error(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match="no such file"):
        kimson_geo.load(tmp_path / "nope")


def test_garbage_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    path.write_bytes(b"\x00\x01 not json at all")
    with pytest.raises(DataSourceError, match="roads.geojson"):
        kimson_geo.load(path)


def test_unknown_single_file_needs_a_layer(tmp_path: Path, small_roads) -> None:
    path = write_geojson(tmp_path / "duong.geojson", small_roads)
    with pytest.raises(LayerError, match="--layer"):
        kimson_geo.load(path)
    assert len(kimson_geo.load(path, layer="roads")["roads"]) == 4


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match="no layer files"):
        kimson_geo.load(tmp_path)


def test_iter_features_streams_nfc_records(tmp_path: Path, small_khu) -> None:
    khu = small_khu.copy()
    khu.loc[0, "name"] = unicodedata.normalize("NFD", "Kim Thành")
    path = write_geojson(tmp_path / "khu.geojson", khu)
    records = list(iter_features(path))
    assert len(records) == 2
    assert records[0]["properties"]["name"] == "Kim Thành"
    assert records[0]["geometry"]["type"] == "Polygon"


def test_dxf_drawing_split_by_cad_layer(tmp_path: Path) -> None:
    import pyogrio
    from shapely.geometry import LineString, Point

    drawing = gpd.GeoDataFrame(
        {"Layer": ["roads", "roads", "cultural_houses", "ghi_chu"],
         "Text": [None, None, "Nhà văn hóa khu", "chú thích"]},
        geometry=[LineString([(372000, 2331000), (372100, 2331000)]),
                  LineString([(372100, 2331000), (372100, 2331100)]),
                  Point(372050, 2331050), Point(372000, 2331000)],
    )
    path = tmp_path / "khao_sat.dxf"
    with pytest.warns(UserWarning, match="crs"):  # DXF has no CRS: GDAL says so
        pyogrio.write_dataframe(drawing, path, driver="DXF")
    with pytest.raises(CRSError, match="EPSG:5899"):
        kimson_geo.load(path)  # CAD drawings carry no CRS
    inv = kimson_geo.load(path, src_crs="EPSG:5899")
    assert list(inv.layers) == ["roads", "cultural_houses"]
    assert len(inv["roads"]) == 2 and inv["roads"].crs == WGS84
    houses = inv["cultural_houses"]
    assert len(houses) == 1 and houses["id"].notna().all()  # the CAD entity handle
    assert "Layer" not in houses.columns



def test_geoparquet_is_read_like_geojson(small_dir: Path, tmp_path: Path) -> None:
    roads = read_layer(small_dir / "roads.geojson", "roads")
    folder = tmp_path / "parquet"
    folder.mkdir()
    gpd.read_file(small_dir / "roads.geojson").to_parquet(folder / "roads.parquet")
    again = read_layer(folder / "roads.parquet", "roads")
    assert again.crs == WGS84
    assert again.drop(columns="geometry").equals(roads.drop(columns="geometry"))
    assert list(again.geometry.to_wkb()) == list(roads.geometry.to_wkb())
    assert kimson_geo.validate(folder).layers == ["roads"]


def test_broken_geoparquet_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "roads.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(DataSourceError, match=r"roads\.parquet: cannot be read as GeoParquet"):
        read_layer(path, "roads")
