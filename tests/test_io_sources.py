from __future__ import annotations

import os
import socket
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner

import kimson_geo
from kimson_geo.cli.main import cli
from kimson_geo.errors import DataSourceError, LayerError
from kimson_geo.io.sources import MAX_FILE_BYTES_ENV, check_regular_file, registry_layer, resolve
from kimson_geo.registry import CULTURAL_HOUSES_LAYER, KHU_LAYER, LAYER_NAMES, ROADS_LAYER

from _support import write_geojson


def test_folder_names_in_any_case_are_all_read(tmp_path: Path, small_roads, small_khu) -> None:
    write_geojson(tmp_path / "Roads.geojson", small_roads)
    write_geojson(tmp_path / "khu.GEOJSON", small_khu)
    found = resolve(tmp_path)
    assert found.kind == "folder" and found.known
    assert found.names == [KHU_LAYER, ROADS_LAYER]  # registry order
    assert found.files[ROADS_LAYER].name == "Roads.geojson"
    report = kimson_geo.validate(tmp_path)
    assert sorted(report.layers) == [KHU_LAYER, ROADS_LAYER]
    assert sorted(kimson_geo.load(tmp_path).layers) == [KHU_LAYER, ROADS_LAYER]


def test_two_files_of_one_layer_are_an_error_naming_both(tmp_path: Path, small_roads) -> None:
    write_geojson(tmp_path / "roads.geojson", small_roads)
    small_roads.to_file(tmp_path / "Roads.shp", engine="pyogrio")
    both = r": Roads\.shp and roads\.geojson both hold layer 'roads'"
    with pytest.raises(DataSourceError, match=both):
        resolve(tmp_path)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "Roads.shp" in result.stderr and "roads.geojson" in result.stderr


def test_a_preferred_suffix_settles_a_duplicate(tmp_path: Path, small_roads) -> None:
    write_geojson(tmp_path / "roads.geojson", small_roads)
    small_roads.to_parquet(tmp_path / "roads.parquet")
    assert resolve(tmp_path, prefer=(".parquet",)).files[ROADS_LAYER].suffix == ".parquet"


def test_gpkg_layer_names_in_any_case(tmp_path: Path, small_roads, small_khu) -> None:
    path = tmp_path / "survey.gpkg"
    small_roads.to_file(path, layer="Roads", engine="pyogrio")
    small_khu.to_file(path, layer="KHU", engine="pyogrio")
    found = resolve(path)
    assert found.kind == "multi"
    pairs = [(s.layer, s.source_layer) for s in found]
    assert pairs == [(KHU_LAYER, "KHU"), (ROADS_LAYER, "Roads")]
    only = resolve(path, "roads")
    assert [(s.layer, s.source_layer) for s in only] == [(ROADS_LAYER, "Roads")]
    report = kimson_geo.validate(path, layer="roads")
    assert report.layers == [ROADS_LAYER] and not report.unreadable
    assert list(kimson_geo.load(path, layer="ROADS").layers) == [ROADS_LAYER]
    for command in (["validate", str(path), "--layer", "roads"], ["info", str(path)]):
        assert CliRunner().invoke(cli, command).exit_code in (0, 1), command


def test_drawing_with_two_spellings_of_a_layer_is_an_error(tmp_path: Path) -> None:
    import pyogrio
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame({"Layer": ["roads", "ROADS"]},
                             geometry=[Point(106.0, 20.0), Point(106.1, 20.0)], crs="EPSG:4326")
    path = tmp_path / "drawing.dxf"
    pyogrio.write_dataframe(frame, path, driver="DXF")
    with pytest.raises(DataSourceError, match="layers 'ROADS' and 'roads' both hold layer 'roads'"):
        resolve(path)


def test_single_file_layer_from_option_or_name(tmp_path: Path, small_roads) -> None:
    named = write_geojson(tmp_path / "ROADS.geojson", small_roads)
    assert resolve(named).names == [ROADS_LAYER] and resolve(named).kind == "file"
    # validation checks a file alone for structure and geometry only
    alone = resolve(named, from_name=False)
    assert not alone.known and alone.names == ["ROADS"]
    other = write_geojson(tmp_path / "duong.geojson", small_roads)
    assert not resolve(other).known
    assert resolve(other, "Roads").names == [ROADS_LAYER] and resolve(other, "Roads").known
    with pytest.raises(LayerError):
        resolve(other, "streets")


def test_dxf_split_by_cad_layer_in_any_case(tmp_path: Path) -> None:
    import pyogrio
    from shapely.geometry import LineString, Point

    frame = gpd.GeoDataFrame(
        {"Layer": ["ROADS", "Cultural_Houses", "ROADS"]},
        geometry=[LineString([(106.0, 20.0), (106.001, 20.0)]), Point(106.0, 20.0),
                  LineString([(106.001, 20.0), (106.002, 20.0)])],
        crs="EPSG:4326",
    )
    path = tmp_path / "drawing.dxf"
    pyogrio.write_dataframe(frame, path, driver="DXF")
    found = resolve(path)
    pairs = [(CULTURAL_HOUSES_LAYER, "Cultural_Houses"), (ROADS_LAYER, "ROADS")]
    assert [(s.layer, s.source_layer) for s in found] == sorted(
        pairs, key=lambda p: LAYER_NAMES.index(p[0]))
    inv = kimson_geo.load(path)
    assert len(inv[ROADS_LAYER]) == 2 and len(inv[CULTURAL_HOUSES_LAYER]) == 1
    assert sorted(kimson_geo.validate(path).layers) == [CULTURAL_HOUSES_LAYER, ROADS_LAYER]


def test_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "roads.geojson"
    os.mkfifo(fifo)  # opening it for reading would block for ever
    for call in (lambda: resolve(fifo), lambda: resolve(tmp_path),
                 lambda: kimson_geo.validate(tmp_path), lambda: kimson_geo.load(fifo)):
        with pytest.raises(DataSourceError, match="FIFO"):
            call()
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 2 and "FIFO" in result.stderr


def test_link_to_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "roads.geojson"
    link.symlink_to("/dev/zero")
    with pytest.raises(DataSourceError, match="character device"):
        resolve(link)
    result = CliRunner().invoke(cli, ["info", str(tmp_path)])
    assert result.exit_code == 2 and "character device" in result.stderr


def test_socket_and_shapefile_sidecar_fifo_are_refused(tmp_path: Path, small_roads) -> None:
    sock_path = tmp_path / "khu.geojson"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(DataSourceError, match="socket"):
            check_regular_file(sock_path)
    folder = tmp_path / "shp"
    folder.mkdir()
    small_roads.to_file(folder / "roads.shp", engine="pyogrio")
    (folder / "roads.dbf").unlink()
    os.mkfifo(folder / "roads.dbf")
    with pytest.raises(DataSourceError, match=r"roads\.dbf: is a FIFO"):
        resolve(folder)


def test_size_limit_is_checked_before_reading(tmp_path: Path, small_roads,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_geojson(tmp_path / "roads.geojson", small_roads)
    size = path.stat().st_size
    with pytest.raises(DataSourceError, match=f"{size:,} bytes, over the limit of 10 "):
        resolve(path, max_bytes=10)
    monkeypatch.setenv(MAX_FILE_BYTES_ENV, str(size - 1))
    with pytest.raises(DataSourceError, match=MAX_FILE_BYTES_ENV):
        kimson_geo.load(path)
    monkeypatch.setenv(MAX_FILE_BYTES_ENV, str(size))
    assert len(kimson_geo.load(path)[ROADS_LAYER]) == len(small_roads)
    monkeypatch.setenv(MAX_FILE_BYTES_ENV, "lots")
    with pytest.raises(DataSourceError, match="not a number"):
        resolve(path)


def test_registry_layer_matches_every_case() -> None:
    for name in LAYER_NAMES:
        assert registry_layer(name.upper()) == name
        assert registry_layer(f" {name.title()} ") == name
    assert registry_layer("nope") is None and registry_layer(3) is None


def test_missing_and_empty(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match="no such file"):
        resolve(tmp_path / "nope")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "roads").mkdir()  # a folder named like a layer is not a layer file
    with pytest.raises(DataSourceError, match="no layer files"):
        resolve(tmp_path)
