from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def test_geojson_rings_follow_the_right_hand_rule_holes_included(tmp_path: Path) -> None:
    import shapely

    square = [(106.0, 21.0), (106.0, 21.001), (106.001, 21.001), (106.001, 21.0)]  # clockwise
    hole = [(106.0002, 21.0002), (106.0004, 21.0002), (106.0004, 21.0004)]  # counter-clockwise
    frame = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[
        shapely.Polygon(square, holes=[hole]),
        shapely.MultiPolygon([shapely.Polygon(square, holes=[hole])])], crs="EPSG:4326")
    out = write_module.write_layer(frame, tmp_path / "areas.geojson")
    document = json.loads(out.read_text(encoding="utf-8"))
    assert "crs" not in document
    single, multi = (f["geometry"]["coordinates"] for f in document["features"])
    for rings in (single, multi[0]):
        assert shapely.LinearRing(rings[0]).is_ccw and not shapely.LinearRing(rings[1]).is_ccw


def test_geojson_values_of_every_kind_read_back_as_gdal_wrote_them(tmp_path: Path) -> None:
    import numpy as np
    import pyogrio
    import shapely

    frame = gpd.GeoDataFrame({
        "text": ["Đường \"trục\" chính\n", None],
        "extra": ['{"LOAI": "BTXM"}', None],  # JSON-looking text stays text
        "width": [5.5, np.nan],
        "far": [np.inf, 1.0],
        "count": pd.array([3, None], dtype="Int64"),
        "flag": pd.array([True, None], dtype="boolean"),
        "when": pd.to_datetime(["2023-01-05 10:00:00", None]),
        "odd": [np.int64(7), pd.NA],
        7: ["a column named by a number", "b"],
    }, geometry=[shapely.Point(106.123456789, 21.0, 3.5), None], crs="EPSG:4326")
    out = write_module.write_layer(frame, tmp_path / "kinds.geojson")
    first, second = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert first["properties"] == {
        "text": "Đường \"trục\" chính\n", "extra": '{"LOAI": "BTXM"}', "width": 5.5,
        "far": None, "count": 3, "flag": True, "when": "2023-01-05T10:00:00", "odd": 7,
        "7": "a column named by a number"}
    assert first["geometry"] == {"type": "Point", "coordinates": [106.1234568, 21.0, 3.5]}
    assert second["geometry"] is None
    assert {k: v for k, v in second["properties"].items() if v is not None} == {"far": 1.0,
                                                                                 "7": "b"}
    back = pyogrio.read_dataframe(out)
    assert back["when"].iloc[0] == pd.Timestamp("2023-01-05 10:00:00")
    assert back["extra"].iloc[0] == '{"LOAI": "BTXM"}'


def test_geojson_is_one_feature_a_line_collections_included(tmp_path: Path) -> None:
    import shapely

    collection = shapely.GeometryCollection([shapely.Point(106, 21), shapely.Point(106.1, 21)])
    frame = gpd.GeoDataFrame({"id": ["a", "b", "c"]}, geometry=[
        collection, shapely.LineString([(106, 21), (106.2, 21.1)]), collection],
        crs="EPSG:4326")
    out = write_module.write_layer(frame, tmp_path / "mixed.geojson")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5  # the collection's opening, three features, its end
    assert all(line.startswith('{"type":"Feature"') for line in lines[1:-1])
    document = json.loads("\n".join(lines))
    assert [f["geometry"]["type"] for f in document["features"]] == [
        "GeometryCollection", "LineString", "GeometryCollection"]
    assert len(document["features"][0]["geometry"]["geometries"]) == 2


def test_geojson_of_no_features_is_an_empty_collection(small_roads, tmp_path: Path  # type: ignore[no-untyped-def]
                                                        ) -> None:
    out = write_module.write_layer(small_roads.head(0), tmp_path / "none.geojson")
    assert json.loads(out.read_text(encoding="utf-8")) == {"type": "FeatureCollection",
                                                           "features": []}


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_two_columns_of_one_name_are_an_export_error(tmp_path: Path, suffix: str) -> None:
    import shapely

    frame = gpd.GeoDataFrame({"a": [1], "b": [2], 7: [3], "7": [4]},
                             geometry=[shapely.Point(106, 21)], crs="EPSG:4326")
    for same, name in ((frame.drop(columns=[7, "7"]).rename(columns={"b": "a"}), "a"),
                       (frame.drop(columns=["a", "b"]), "7")):
        with pytest.raises(ExportError, match=rf"two columns have the same name \({name}\)"):
            write_module.write_layer(same, tmp_path / f"twice{suffix}")
    assert list(tmp_path.iterdir()) == []


def test_geojson_line_across_the_antimeridian_is_cut_there(tmp_path: Path) -> None:
    import shapely

    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[
        shapely.LineString([(179.0, 0.0), (-179.0, 0.5)])], crs="EPSG:4326")
    out = write_module.write_layer(frame, tmp_path / "line.geojson")
    geometry = json.loads(out.read_text(encoding="utf-8"))["features"][0]["geometry"]
    assert geometry["type"] == "MultiLineString"
    assert [part[-1][0] for part in geometry["coordinates"]] == [180.0, -179.0]


def test_geojson_of_coordinates_outside_wgs84_is_refused(tmp_path: Path) -> None:
    import shapely

    # metres with no CRS said: written as they are they would land off the globe
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(371_987.0, 2_331_199.0)])
    with pytest.raises(ExportError, match=r"outside of \[-180.0,180.0\]"):
        write_module.write_layer(frame, tmp_path / "far.geojson")
    assert list(tmp_path.iterdir()) == []


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
    real = write_module.geojson_chunks

    def half_then_fail(frame):  # type: ignore[no-untyped-def]
        yield from list(real(frame))[:2]  # part of the output reaches the disk...
        raise OSError(28, "No space left on device")  # ...then the write fails midway

    monkeypatch.setattr(write_module, "geojson_chunks", half_then_fail)
    with pytest.raises(ExportError, match=f"^{out}: cannot write geojson: .*No space left"):
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


# --------------------------------------------------------------------------- hardening

def test_csv_neutralises_spreadsheet_formulas(small_roads, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import csv

    from kimson_geo.errors import DataLossWarning
    from kimson_geo.registry import NAME, WIDTH

    hostile = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2", "@SUM(A1)"]
    roads = small_roads.copy()
    roads[NAME] = hostile
    roads[WIDTH] = [-1.5, 2.0, 3.0, 4.0]  # numbers are not text: left alone
    roads["ghi_chú"] = ["\tx", "\rx", "bình thường", None]
    out = tmp_path / "roads.csv"
    with pytest.warns(DataLossWarning, match="6 text cell"):
        write_module.write_layer(roads, out)
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r[NAME] for r in rows] == ["'" + h for h in hostile]
    assert [r["ghi_chú"] for r in rows] == ["'\tx", "'\rx", "bình thường", ""]
    assert float(rows[0][WIDTH]) == -1.5
    assert all(r["geometry"].startswith("LINESTRING") for r in rows)


def test_csv_without_formulas_says_nothing(small_khu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_module.write_layer(small_khu, tmp_path / "khu.csv")  # warnings are errors here


@given(st.text(max_size=30), st.integers(min_value=0, max_value=40))
def test_cut_utf8_never_splits_a_character(text: str, limit: int) -> None:
    cut = write_module.cut_utf8(text, limit)
    assert text.startswith(cut) and len(cut.encode("utf-8")) <= limit
    if cut != text:  # the longest such prefix
        assert len(text[:len(cut) + 1].encode("utf-8")) > limit


@given(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=12, unique=True))
def test_shapefile_field_names_fit_and_stay_unique(columns: list[str]) -> None:
    names = write_module.shapefile_field_names(columns)
    assert list(names) == columns
    assert all(len(n.encode("utf-8")) <= 10 for n in names.values())
    assert len({n.casefold() for n in names.values()}) == len(columns)


def test_shapefile_vietnamese_field_names_read_back(small_roads, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    roads = small_roads.copy()
    roads["chiều_dài_đường"] = [1.0, 2.0, 3.0, 4.0]
    roads["chiều_dài_đoạn"] = ["một", "hai", "ba", "bốn"]
    out = tmp_path / "roads.shp"
    write_module.write_layer(roads, out)
    back = kimson_geo.load(out, layer="roads")["roads"]  # kimson-geo reads its own output
    assert back["chiều_d"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert back["chiều__1"].tolist() == ["một", "hai", "ba", "bốn"]
    _same_attributes(small_roads, back[[c for c in back.columns if not c.startswith("chiều")]])


def test_shapefile_long_text_is_cut_at_a_character(small_khu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from kimson_geo.errors import DataLossWarning
    from kimson_geo.registry import NAME

    khu = small_khu.copy()
    khu[NAME] = ["a" + "đ" * 200, "ok"]  # byte 254 falls inside a 'đ'
    with pytest.warns(DataLossWarning, match="254 bytes"):
        write_module.write_layer(khu, tmp_path / "khu.shp")
    back = kimson_geo.load(tmp_path / "khu.shp", layer="khu")["khu"]
    assert back[NAME].tolist() == ["a" + "đ" * 126, "ok"]


def test_shapefile_of_mixed_geometries_is_an_export_error(small_roads, small_points,  # type: ignore[no-untyped-def]
                                                          tmp_path: Path) -> None:
    mixed = pd.concat([small_roads, small_points], ignore_index=True)
    with pytest.raises(ExportError, match=r"one kind of geometry .* 4 line\(s\), 1 point\(s\)"):
        write_module.write_layer(mixed, tmp_path / "mixed.shp")
    assert list(tmp_path.iterdir()) == []
    write_module.write_layer(mixed, tmp_path / "mixed.gpkg")  # formats that hold a mix do


def test_shapefile_needs_a_shp_name(small_roads, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExportError, match=r"must end in \.shp, e\.g\. .*x\.shp"):
        write_module.write_layer(small_roads, tmp_path / "x.txt", fmt="shp")
    assert list(tmp_path.iterdir()) == []


def test_geopackage_is_version_1_2(small_roads, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    out = write_module.write_layer(small_roads, tmp_path / "roads.gpkg", layer_name="roads")
    with sqlite3.connect(out) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200


def test_geopackage_of_several_layers_is_one_file_written_whole(  # type: ignore[no-untyped-def]
        small_roads, small_khu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3
    from contextlib import closing

    import pyogrio

    out = tmp_path / "survey.gpkg"
    write_module.write_geopackage({"roads": small_roads, "khu": small_khu}, out)
    assert [name for name, _ in pyogrio.list_layers(out)] == ["roads", "khu"]
    for name, frame in (("roads", small_roads), ("khu", small_khu)):
        _same_attributes(frame, kimson_geo.load(out, layer=name)[name])
    with closing(sqlite3.connect(out)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (10200,)  # 1.2
    before = tree_snapshot(tmp_path)
    real = pyogrio.write_dataframe

    def second_fails(frame, path, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("layer") == "khu":
            raise pyogrio.errors.DataSourceError("disk full")
        real(frame, path, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", second_fails)
    with pytest.raises(ExportError, match="survey.gpkg: cannot write gpkg: disk full"):
        write_module.write_geopackage({"roads": small_roads.head(1), "khu": small_khu}, out)
    assert tree_snapshot(tmp_path) == before


def test_flatgeobuf_round_trip(small_roads, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from kimson_geo.registry import ID

    out = write_module.write_layer(small_roads, tmp_path / "roads.fgb")
    back = kimson_geo.load(out, layer="roads")["roads"]
    # the spatial index stores features in Hilbert order
    _same_attributes(small_roads.sort_values(ID), back.sort_values(ID))


@pytest.mark.parametrize("fmt", ["geojson", "csv", "kml"])
def test_text_formats_go_to_stdout_by_name(small_roads, fmt: str,  # type: ignore[no-untyped-def]
                                           capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    write_module.write_layer(small_roads, "-", fmt=fmt)
    out = capfdbinary.readouterr().out.decode("utf-8")
    assert "Trục chính 1" in out and out.count("Ngõ 4") == 1


def test_binary_formats_refuse_stdout(small_roads) -> None:  # type: ignore[no-untyped-def]
    for fmt in ("gpkg", "shp", "fgb"):
        with pytest.raises(ExportError, match="standard output"):
            write_module.write_layer(small_roads, "-", fmt=fmt)


def _truncating(monkeypatch: pytest.MonkeyPatch, victim_suffix: str | None) -> None:
    """The writer writes, then the file is cut short, as a full disk does without an error."""
    import pyogrio

    real_geojson = write_module.geojson_chunks

    def short_geojson(frame):  # type: ignore[no-untyped-def]
        whole = b"".join(real_geojson(frame))
        yield whole[:len(whole) * 9 // 10]

    monkeypatch.setattr(write_module, "geojson_chunks", short_geojson)
    real = pyogrio.write_dataframe

    def write(frame, path, **kwargs):  # type: ignore[no-untyped-def]
        real(frame, path, **kwargs)
        victim = Path(path) if victim_suffix is None else Path(path).with_suffix(victim_suffix)
        with open(victim, "r+b") as handle:
            handle.truncate(victim.stat().st_size * 9 // 10)

    monkeypatch.setattr(pyogrio, "write_dataframe", write)


@pytest.mark.parametrize(("suffix", "victim"), [
    (".geojson", None), (".csv", None), (".kml", None), (".gpkg", None), (".fgb", None),
    (".shp", None), (".shp", ".shx"), (".shp", ".dbf"),
])
def test_a_silently_short_file_never_replaces_the_old_one(
        small_roads, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        suffix: str, victim: str | None) -> None:
    out = tmp_path / f"roads{suffix}"
    write_module.write_layer(small_roads.head(1), out)
    before = tree_snapshot(tmp_path)
    _truncating(monkeypatch, victim)
    with pytest.raises(ExportError, match=f"^{out}: .*nothing was changed$"):
        write_module.write_layer(small_roads, out)
    assert tree_snapshot(tmp_path) == before


def test_gdal_failure_warning_is_an_export_error(small_roads, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import warnings

    import pyogrio

    real = pyogrio.write_dataframe

    def write(frame, path, **kwargs):  # type: ignore[no-untyped-def]
        real(frame, path, **kwargs)
        # pyogrio passes a CPLE warning on; GDAL's write may fail only this way
        warnings.warn("VSIFWriteL() failed: No space left on device", RuntimeWarning,
                      stacklevel=2)

    monkeypatch.setattr(pyogrio, "write_dataframe", write)
    out = tmp_path / "roads.kml"
    with pytest.raises(ExportError, match="GDAL reported a failed write.*No space left"):
        write_module.write_layer(small_roads, out)
    assert list(tmp_path.iterdir()) == []


def test_write_layers_is_all_or_nothing(small_roads, small_khu, tmp_path: Path,  # type: ignore[no-untyped-def]
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    real = write_module.geojson_chunks

    def second_fails(frame):  # type: ignore[no-untyped-def]
        if len(frame) == len(small_khu):
            raise OSError(28, "disk full")
        return real(frame)

    monkeypatch.setattr(write_module, "geojson_chunks", second_fails)
    with pytest.raises(ExportError, match="khu.geojson: cannot write geojson: .*disk full"):
        write_module.write_layers({"roads": small_roads, "khu": small_khu}, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_geojson_missing_whole_features_never_replaces_the_old_one(
        small_roads, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        ) -> None:
    # well formed to its last byte, one feature short: the count, not the ending, finds it
    out = tmp_path / "roads.geojson"
    write_module.write_layer(small_roads.head(1), out)
    before = tree_snapshot(tmp_path)
    real = write_module.geojson_chunks

    def drops_one(frame):  # type: ignore[no-untyped-def]
        return real(frame.iloc[1:])

    monkeypatch.setattr(write_module, "geojson_chunks", drops_one)
    with pytest.raises(ExportError, match=f"{len(small_roads) - 1} of {len(small_roads)} "
                                          "feature"):
        write_module.write_layer(small_roads, out)
    assert tree_snapshot(tmp_path) == before


def test_geojson_in_another_layout_is_counted_by_reading_it(tmp_path: Path) -> None:
    # the quick count knows GDAL's one-feature-per-line layout; any other is read back
    path = tmp_path / "compact.geojson"
    feature = {"type": "Feature", "properties": {"id": "a"},
               "geometry": {"type": "Point", "coordinates": [106.5, 21.0]}}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature] * 3},
                               separators=(",", ":")), encoding="utf-8")
    write_module.verify_written(path, "geojson", 3)
    with pytest.raises(ExportError, match="3 of 4 feature"):
        write_module.verify_written(path, "geojson", 4)
