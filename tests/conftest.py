"""Shared fixtures: the bundled inventory, and small layers written to tmp_path."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

import kimson_geo
from kimson_geo.registry import WGS84

from _support import metric_to_wgs84, provenance, write_geojson


@pytest.fixture(scope="session")
def bundled() -> kimson_geo.Inventory:
    """The bundled inventory (do not modify: copy a layer before changing it)."""
    return kimson_geo.load()








@pytest.fixture
def small_roads() -> gpd.GeoDataFrame:
    """Four road segments in a connected T, one of each kind."""
    lines = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (200, 0)]),
             LineString([(100, 0), (100, 80)]), LineString([(100, 80), (100, 130)])]
    rows = [
        provenance(id="r1", name="Trục chính 1", kind="main", surface="asphalt", width_m=5.5,
                   dead_end=True),
        provenance(id="r2", name="Trục chính 1", kind="main", surface="asphalt", width_m=4.0,
                   dead_end=True),
        provenance(id="r3", name="Đường liên khu", kind="inter_khu", surface="concrete",
                   width_m=4.0, dead_end=False),
        provenance(id="r4", name="Ngõ 4", kind="alley", surface="earth", width_m=2.0,
                   dead_end=True),
    ]
    return gpd.GeoDataFrame(rows, geometry=metric_to_wgs84(lines), crs=WGS84)


@pytest.fixture
def small_khu() -> gpd.GeoDataFrame:
    squares = [Polygon([(-50, -50), (100, -50), (100, 200), (-50, 200)]),
               Polygon([(100, -50), (250, -50), (250, 200), (100, 200)])]
    rows = [provenance(id="khu-a", name="Kim Thành", kind="khu_pho", name_known=True),
            provenance(id="khu-b", name="Khu 2 (tên chưa xác định)", kind="khu_pho")]
    return gpd.GeoDataFrame(rows, geometry=metric_to_wgs84(squares), crs=WGS84)


@pytest.fixture
def small_points() -> gpd.GeoDataFrame:
    rows = [provenance(id="ch-a", name="Nhà văn hóa khu Kim Thành", kind="khu", khu="khu-a",
                       in_use=True)]
    return gpd.GeoDataFrame(rows, geometry=metric_to_wgs84([Point(20, 20)]), crs=WGS84)


@pytest.fixture
def small_dir(tmp_path: Path, small_roads, small_khu, small_points) -> Path:
    """A folder inventory of three layers, written as plain GeoJSON."""
    folder = tmp_path / "inv"
    folder.mkdir()
    write_geojson(folder / "roads.geojson", small_roads)
    write_geojson(folder / "khu.geojson", small_khu)
    write_geojson(folder / "cultural_houses.geojson", small_points)
    return folder




