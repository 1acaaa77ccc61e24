from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import geopandas as gpd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kimson_geo
from kimson_geo.errors import CRSError, DataSourceError, LayerError
from kimson_geo.io.read import find_layer_files, iter_features, read_layer
from kimson_geo.registry import METRIC_CRS, WGS84

from _support import write_geojson


def test_folder_layers_found_by_registry_name(small_dir: Path) -> None:
    (small_dir / "notes.txt").write_text("ignored")
    assert set(find_layer_files(small_dir)) == {"roads", "khu", "cultural_houses"}


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


# ------------------------------------------------ frames built chunk by chunk (validation)

def _feature(props: dict[str, object], i: int) -> dict[str, object]:
    x, y = 106.5 + (i % 40) * 0.001, 21.0 + (i // 40) * 0.001
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "LineString", "coordinates": [[x, y], [x + 0.0004, y]]}}


def _chunks(features: list, size: int) -> list[list]:
    return [features[i:i + size] for i in range(0, len(features), size)]


def _assert_same_frame(a, b) -> None:  # type: ignore[no-untyped-def]
    """Column by column: names, dtypes, values, and the types of object values."""
    import pandas as pd
    import shapely

    assert a is not None and b is not None
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"),
                                  check_exact=True, check_column_type=True,
                                  check_index_type=True)
    for column in a.columns.drop("geometry"):
        assert a[column].dtype == b[column].dtype, column
        if a[column].dtype == object:
            assert list(map(type, a[column])) == list(map(type, b[column])), column
    ga, gb = a.geometry.to_numpy(), b.geometry.to_numpy()
    assert (shapely.equals_exact(ga, gb, 0) | (shapely.is_missing(ga)
                                               & shapely.is_missing(gb))).all()
    assert a.crs == b.crs and a.attrs == b.attrs


def _roads_in_chunks() -> list[dict[str, object]]:
    """35 roads in 5 chunks of 7, whose columns change type from chunk to chunk."""
    tricky = ['a},{"b"', "}, {", '\\"},{\\"', 'Đường "số 1", {nhánh}', "x\\", "ngõ, 5"]
    features = []
    for i in range(35):
        chunk = i // 7
        props: dict[str, object] = {
            "id": f"r{i}", "name": tricky[i % len(tricky)], "kind": "alley",
            "name_known": True, "source": "test", "confidence": "low",
            "position": "schematic", "surface": "concrete", "width_m": 2.5, "dead_end": False,
            "note": None,                                  # null in every chunk but one
            "lanes": 1,                                    # ints, a null in chunk 3
        }
        if chunk == 1:
            props["width_m"] = 3                           # an int among floats
            props["note"] = "đã khảo sát" if i % 2 else None
        if chunk == 2:
            props["width_m"] = "2,5" if i == 15 else 2.0   # text among numbers
            props["dead_end"] = None if i == 16 else True  # a null among booleans
            props["name"] = unicodedata.normalize("NFD", "Ngõ Kim Sơn")
        if chunk == 3:
            props["lanes"] = None if i == 22 else 2
            del props["note"]                              # absent from a whole chunk
            props["surface"] = None
        if i in (9, 30):
            props["gauge"] = "x"                           # in two chunks only
        features.append(_feature(props, i))
    return features


def test_chunked_frame_equals_the_whole_documents_frame() -> None:
    from kimson_geo.io.read import (
        frame_from_geojson,
        frame_from_geojson_chunks,
        read_geojson_chunks,
        read_geojson_document,
    )

    features = _roads_in_chunks()
    root = {"type": "FeatureCollection", "features": []}
    document = {"type": "FeatureCollection", "features": features}
    _assert_same_frame(frame_from_geojson_chunks(root, _chunks(features, 7), "roads"),
                       frame_from_geojson(document, "roads"))
    for size in (1, 3, 7, 11, 35):
        ours = read_geojson_chunks(root, iter(_chunks(features, size)), "roads.geojson",
                                   "roads")
        whole = read_geojson_document(document, "roads.geojson", "roads")
        _assert_same_frame(ours, whole)
    assert whole["width_m"].dtype == object and whole.attrs["nfc_changed"]


def test_chunked_frame_is_none_when_the_whole_ones_is() -> None:
    from kimson_geo.io.read import frame_from_geojson, frame_from_geojson_chunks

    consumed = []

    def counted(chunks: list[list]):  # type: ignore[no-untyped-def]
        for chunk in chunks:
            consumed.append(len(chunk))
            yield chunk

    base = _roads_in_chunks()
    cases = {
        "feature id": lambda f, i: f.update(id=i) if i == 20 else None,
        "nested value": lambda f, i: f["properties"].update(x=[1]) if i == 30 else None,
        "numbers mixed with booleans": lambda f, i: f["properties"].update(
            y=True if i == 3 else 2.5),
        "dates": lambda f, i: f["properties"].update(day="2024-01-0" + str(1 + i % 9)),
    }
    for name, change in cases.items():
        features = json.loads(json.dumps(base))
        for i, f in enumerate(features):
            change(f, i)
        document = {"type": "FeatureCollection", "features": features}
        assert frame_from_geojson(document, "roads") is None, name
        consumed.clear()
        root = {"type": "FeatureCollection", "features": []}
        assert frame_from_geojson_chunks(root, counted(_chunks(features, 7)), "roads") is None
        assert sum(consumed) == 35, name  # every chunk is still consumed (checked)
    crs = {"type": "FeatureCollection", "features": [], "crs": {}}
    assert frame_from_geojson_chunks(crs, _chunks(base, 7)) is None


_SCALARS = {
    "text": st.sampled_from(["", "a", "Đường", "2,5", "1", "},{"]),
    "int": st.integers(-(2**63), 2**64 - 1),
    "float": st.floats(allow_nan=False, allow_infinity=False),
    "bool": st.booleans(),
}
_any_scalar = st.one_of(st.none(), *_SCALARS.values())


@st.composite
def _records(draw: st.DrawFn) -> list[dict[str, object]]:
    """Records whose columns each hold mostly one type, with nulls, absent values and
    the odd value of another type here and there (as real layers have)."""
    kinds = {c: draw(st.sampled_from(sorted(_SCALARS))) for c in "abcd"}
    how = st.sampled_from(["usual"] * 6 + ["null", "absent", "odd"])
    records = []
    for _ in range(draw(st.integers(1, 30))):
        record: dict[str, object] = {}
        for column in draw(st.permutations("abcd")):
            choice = draw(how)
            if choice == "usual":
                record[column] = draw(_SCALARS[kinds[column]])
            elif choice == "null":
                record[column] = None
            elif choice == "odd":
                record[column] = draw(_any_scalar)
        records.append(record)
    return records


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(records=_records(), size=st.integers(1, 8))
def test_fuzz_joined_records_equal_from_records(records: list, size: int) -> None:  # type: ignore[type-arg]
    """The chunks' records joined equal ``from_records`` of all of them: dtypes, values,
    and value types (int vs float, None vs NaN) of object columns."""
    import orjson
    import pandas as pd

    from kimson_geo.io.read import _chunk_part, _join_records

    records = orjson.loads(orjson.dumps(records))  # exactly what orjson gives
    features = [{"type": "Feature", "properties": p, "geometry": None} for p in records]
    parts = [_chunk_part(chunk) for chunk in _chunks(features, size)]
    assert all(p is not None for p in parts)
    ours = _join_records(parts)  # type: ignore[arg-type]
    whole = pd.DataFrame.from_records(records)
    pd.testing.assert_frame_equal(ours, whole, check_exact=True, check_column_type=True)
    for column in whole.columns:
        assert ours[column].dtype == whole[column].dtype, column
        if whole[column].dtype == object:
            assert list(map(type, ours[column])) == list(map(type, whole[column])), column
