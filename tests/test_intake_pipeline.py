"""kimson_geo.import_delivery on deliveries as they arrive (built in tmp_path)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

import kimson_geo
from kimson_geo.errors import CRSError, DataSourceError
from kimson_geo.intake import NothingImported, import_delivery
from kimson_geo.registry import (
    CONFIDENCE_FIELD,
    CULTURAL_HOUSES_LAYER,
    DRAINAGE_LAYER,
    EXTRA,
    ID,
    KIND,
    METRIC_CRS,
    NAME,
    NAME_KNOWN,
    POSITION_FIELD,
    PROVENANCE_FIELDS,
    ROADS_LAYER,
    SOURCE_FIELD,
    SURFACE,
    SURVEYED,
    WIDTH,
)

import _deliveries as D


def _rules(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {i.rule for i in result.report.errors}


def test_road_shapefile_imports_every_kind_surface_and_width(tmp_path: Path) -> None:
    shp = D.road_shapefile(tmp_path / "in")
    before = {p.name: p.read_bytes() for p in shp.parent.iterdir()}
    result = import_delivery(shp.parent, tmp_path / "out")
    roads = result.layers[ROADS_LAYER]
    assert len(roads) == len(D.ROADS)
    for row, (kind, surface, width) in zip(roads.itertuples(), D.ROADS_EXPECTED, strict=True):
        assert (getattr(row, KIND), getattr(row, SURFACE)) == (kind, surface)
        assert (np.isnan(getattr(row, WIDTH)) if width is None else getattr(row, WIDTH) == width)
    assert list(roads[ID]) == [f"GT{i:02d}" for i in range(1, 7)]
    assert roads[POSITION_FIELD].eq(SURVEYED).all()
    assert roads[SOURCE_FIELD].iloc[0] == "giao_thong.shp, record 1"
    assert roads[NAME_KNOWN].tolist() == [True, True, True, True, False, True]
    assert roads["note"].iloc[0] == "đo 2023"
    assert roads[EXTRA].iloc[0] == '{"NGUOI_DO":"Nguyễn Văn An"}'  # mapped to nothing: kept
    assert roads[EXTRA].iloc[5] == '{"BE_RONG":"5-6"}'  # the refused range keeps its text
    assert roads[CONFIDENCE_FIELD].iloc[5] == "low"
    # the only errors left are the real ones
    errors = {(i.rule, i.feature) for i in result.report.errors}
    assert ("main-road-width", 1) in errors
    assert ("required-field", 5) in errors  # the width given as a range
    assert ("road-not-concrete", 2) in errors and ("road-not-concrete", 3) in errors
    assert not any(i.rule == "required-field" and i.feature != 5 for i in result.report.errors)
    assert "5-6" in result.plan.unmapped_values[ROADS_LAYER][WIDTH]
    # positions: the surveyed VN-2000 metres, to the centimetre, after WGS 84 and back
    back = roads.to_crs(METRIC_CRS).geometry
    for got, want in zip(back, D.road_lines(), strict=True):
        assert np.abs(np.asarray(got.coords) - np.asarray(want.coords)).max() < 0.01
    assert any("EPSG:5899" in n for n in result.notes)
    assert {p.name: p.read_bytes() for p in shp.parent.iterdir()} == before
    written = kimson_geo.validate(tmp_path / "out")
    assert {(i.rule, i.feature) for i in written.errors} == errors


def test_an_import_in_vn2000_is_validated_on_its_own_metres(tmp_path: Path) -> None:
    from kimson_geo.inventory import Inventory
    from kimson_geo.validation import validate_inventory

    shp = D.road_shapefile(tmp_path / "in")
    result = import_delivery(shp.parent, None, dry_run=True)
    again = validate_inventory(Inventory(layers=dict(result.layers)))
    assert result.report.to_json() == again.to_json()  # the same findings, either way


def test_tcvn3_shapefile_without_cpg_is_decoded_and_reported(tmp_path: Path) -> None:
    shp = D.road_shapefile(tmp_path / "in", encoding="TCVN3")
    assert not shp.with_suffix(".cpg").exists()
    result = import_delivery(shp, None, dry_run=True)
    roads = result.layers[ROADS_LAYER]
    assert roads[KIND].tolist() == [e[0] for e in D.ROADS_EXPECTED]
    assert roads[SURFACE].tolist() == [e[1] for e in D.ROADS_EXPECTED]
    assert roads[NAME].iloc[0] == "Đường Kim Thành"
    assert result.plan.sources["giao_thong.shp"].encoding == "TCVN3 (ABC)"
    [note] = [n for n in result.notes if "TCVN3" in n]  # one note, not two near-duplicates
    assert "no .cpg" in note


def test_a_byte_that_is_not_utf8_after_the_sampled_features_becomes_fffd(
        tmp_path: Path) -> None:
    import geopandas as gpd
    import shapely

    from kimson_geo.io.encoding import SAMPLE_FEATURES

    n = SAMPLE_FEATURES + 2  # the sample reads as UTF-8, the last record does not
    x = 371_987.0 + 30.0 * np.arange(n)
    frame = gpd.GeoDataFrame({
        "TEN_DUONG": [f"Đường số {i}" for i in range(n)],
        "KET_CAU": ["BTXM"] * n,
    }, geometry=shapely.linestrings(np.stack([np.column_stack([x, np.full(n, 2_331_199.0)]),
                                              np.column_stack([x + 30.0,
                                                               np.full(n, 2_331_199.0)])],
                                             axis=1)))
    shp = tmp_path / "in" / "giao_thong.shp"
    shp.parent.mkdir()
    D.write_bare_shapefile(frame, shp)
    dbf = shp.with_suffix(".dbf")
    data = dbf.read_bytes()
    at = data.rindex("Đường số".encode())
    dbf.write_bytes(data[:at] + b"\xd0 " + data[at + 2:])  # "Đ" (C4 90) -> a lone D0
    result = import_delivery(shp, None, dry_run=True)
    names = result.layers[ROADS_LAYER][NAME]
    assert len(names) == n and names.iloc[0] == "Đường số 0"
    assert names.iloc[-1] == f"\ufffd ường số {n - 1}"


def test_houses_spreadsheet_in_vietnamese_xy_order_lands_within_centimetres(
        tmp_path: Path) -> None:
    book = D.houses_workbook(tmp_path / "in")
    result = import_delivery(book, tmp_path / "out.gpkg")
    D.assert_houses_imported(result, "nha_van_hoa.xlsx, record 3")
    assert "required-field" not in _rules(result)
    assert kimson_geo.load(tmp_path / "out.gpkg")[CULTURAL_HOUSES_LAYER].shape[0] == 3


def test_dxf_labels_join_the_nearest_line(tmp_path: Path) -> None:
    result = import_delivery(D.drawing(tmp_path / "in"), None, dry_run=True)
    roads = result.layers[ROADS_LAYER]
    assert roads[WIDTH].tolist() == [5.5, 3.5]
    assert roads[NAME].iloc[0] == "Đường Kim Thành"
    houses = result.layers[CULTURAL_HOUSES_LAYER]
    assert houses[NAME].tolist() == ["Nhà văn hóa khu Kim Thành"]
    assert houses[SOURCE_FIELD].iloc[0].startswith("ban_ve.dxf, CAD layer 'NHA_VAN_HOA'")
    lost = [r for r in result.rejected if "ghi chú lạc" in r.reason]
    assert len(lost) == 1 and "farther than 10 m" in lost[0].reason


def test_dxf_layer_name_sets_fields(tmp_path: Path) -> None:
    path = D.drawing(tmp_path / "in", layers=("DUONG_BTXM", "CONG"))
    result = import_delivery(path, None, dry_run=True)
    assert result.layers[ROADS_LAYER][SURFACE].eq("concrete").all()
    assert set(result.layers) == {ROADS_LAYER}  # a culvert point fits no drainage line
    assert any("does not fit layer drainage" in r.reason for r in result.rejected)


def test_kmz_folders_description_tables_and_extended_data(tmp_path: Path) -> None:
    result = import_delivery(D.kmz(tmp_path / "in"), tmp_path / "out")
    house = result.layers[CULTURAL_HOUSES_LAYER].iloc[0]
    assert (house[KIND], house["built_year"], house["cost_vnd_over"]) == ("khu", 2017,
                                                                         1_500_000_000)
    road = result.layers[ROADS_LAYER].iloc[0]
    assert (road[KIND], road[SURFACE], road[WIDTH]) == ("inter_khu", "concrete", 5.0)
    point = result.layers[CULTURAL_HOUSES_LAYER].to_crs(METRIC_CRS).geometry.iloc[0]
    assert abs(point.x - (D.E0 + 120.25)) < 0.01 and abs(point.y - (D.N0 - 340.5)) < 0.01


def test_osm_extract_maps_tags(tmp_path: Path) -> None:
    result = import_delivery(D.osm_extract(tmp_path / "in"), None, dry_run=True)
    roads = result.layers[ROADS_LAYER]
    assert roads[[ID, KIND, SURFACE, WIDTH]].values.tolist() == [
        ["101", "main", "concrete", 5.5], ["102", "inter_group", "asphalt", 4.0]]
    assert result.layers[DRAINAGE_LAYER][KIND].tolist() == ["ditch"]
    assert result.layers[CULTURAL_HOUSES_LAYER][KIND].tolist() == ["khu"]
    assert result.written == []


def test_dry_run_mapping_round_trips(tmp_path: Path) -> None:
    shp = D.road_shapefile(tmp_path / "in")
    first = import_delivery(shp, None, dry_run=True)
    text = first.plan.to_toml()
    mapping = tomllib.loads(text)
    assert mapping["fields"][ROADS_LAYER]["KET_CAU"] == SURFACE
    assert mapping["values"][ROADS_LAYER][SURFACE]["BTXM"] == "concrete"
    assert mapping["values"][ROADS_LAYER][WIDTH]["5-6"] == ""
    again = import_delivery(shp, None, mapping=mapping, dry_run=True)
    assert again.plan.fields == first.plan.fields
    targets = {k: {f: {r: u.target for r, u in t.items()} for f, t in v.items()}
               for k, v in again.plan.values.items()}
    assert targets == {k: {f: {r: u.target for r, u in t.items()} for f, t in v.items()}
                       for k, v in first.plan.values.items()}
    # an edited mapping completes what the dictionary could not
    mapping["values"][ROADS_LAYER][WIDTH]["5-6"] = 5.5
    mapping["fields"][ROADS_LAYER]["GHI_CHU"] = ""
    mapping["fields"][ROADS_LAYER]["NGUOI_DO"] = "note"
    done = import_delivery(shp, None, mapping=mapping, dry_run=True)
    assert done.layers[ROADS_LAYER][WIDTH].iloc[5] == 5.5
    assert done.layers[ROADS_LAYER]["note"].iloc[0] == "Nguyễn Văn An"
    assert done.layers[ROADS_LAYER][EXTRA].iloc[0] == '{"GHI_CHU":"đo 2023"}'


@pytest.mark.parametrize("make, message", [
    (lambda p: p.mkdir(), "no delivery files found"),
    (lambda p: D.road_shapefile(p).with_suffix(".shx").unlink(), ".shx"),
    (lambda p: D.houses_workbook(p, xy=False), "no sheet has coordinate columns"),
    (lambda p: D.drawing(p, layers=("LAYER1", "0")), "no layer recognised"),
])
def test_bad_deliveries_raise_before_writing(tmp_path: Path, make, message: str) -> None:
    make(tmp_path / "in")
    with pytest.raises(DataSourceError, match=message):
        import_delivery(tmp_path / "in", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_ambiguous_coordinates_name_src_crs(tmp_path: Path) -> None:
    from pyproj import Transformer

    shp = D.road_shapefile(tmp_path / "in")
    import geopandas as gpd

    frame = gpd.read_file(shp)
    utm = Transformer.from_crs(METRIC_CRS, "EPSG:32648", always_xy=True)
    frame = frame.set_geometry(frame.geometry.map(
        lambda g: type(g)([utm.transform(*c) for c in g.coords])))
    D.write_bare_shapefile(frame, shp)  # UTM 48N, no .prj
    with pytest.raises(CRSError, match="--src-crs"):
        import_delivery(shp, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    result = import_delivery(shp, None, src_crs="EPSG:32648", dry_run=True)
    assert len(result.layers[ROADS_LAYER]) == len(D.ROADS)


def test_nothing_importable_is_an_error(tmp_path: Path) -> None:
    D.drawing(tmp_path / "in", layers=("LAYER1", "LAYER2"))
    with pytest.raises(NothingImported):
        import_delivery(tmp_path / "in", tmp_path / "out")


def test_validate_warns_once_for_missing_provenance(tmp_path: Path) -> None:
    result = import_delivery(D.road_shapefile(tmp_path / "in"), tmp_path / "out")
    bare = result.layers[ROADS_LAYER].drop(columns=list(PROVENANCE_FIELDS))
    bare.to_file(tmp_path / "bare.geojson", engine="pyogrio")
    report = kimson_geo.validate(tmp_path / "bare.geojson", layer=ROADS_LAYER)
    warned = [i for i in report.issues if i.rule == "provenance-missing"]
    assert len(warned) == 1 and "kimson-geo import" in warned[0].message
    assert not any(i.rule == "required-field" and i.field in PROVENANCE_FIELDS
                   for i in report.issues)
