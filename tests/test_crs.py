from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

import kimson_geo
from kimson_geo.cli.main import cli
from kimson_geo.crs import DEGREES_HINT, PROJECTED_HINT, ensure_wgs84, resolve_crs
from kimson_geo.errors import CRSError
from kimson_geo.registry import KHU_LAYER, METRIC_CRS, WGS84


def test_resolve_crs_spellings() -> None:
    assert resolve_crs("EPSG:5899").to_epsg() == 5899
    assert resolve_crs(" 5899 ").to_epsg() == 5899
    assert resolve_crs(4326).to_epsg() == 4326
    with pytest.raises(CRSError, match="unknown CRS"):
        resolve_crs("EPSG:not-a-code")


def test_vn2000_prj_on_degrees_is_an_error_with_a_hint(tmp_path: Path, small_khu) -> None:
    # a surveyor's .prj copied beside a file exported in degrees
    path = tmp_path / "khu.shp"
    degrees = small_khu.set_crs(METRIC_CRS, allow_override=True)
    pyogrio.write_dataframe(degrees, path)
    assert "VN_2000" in path.with_suffix(".prj").read_text()
    with pytest.raises(CRSError) as caught:
        kimson_geo.load(path)
    message = str(caught.value)
    assert "look like degrees" in message and "EPSG:5899" in message
    assert DEGREES_HINT in message and str(path) in message
    # the hint works: saying what the coordinates are reads them in place
    fixed = kimson_geo.load(path, src_crs="EPSG:4326")[KHU_LAYER]
    assert fixed.normalize().geom_equals_exact(small_khu.normalize(), 1e-9, align=False).all()
    result = CliRunner().invoke(cli, ["validate", str(path), "--layer", KHU_LAYER])
    assert result.exit_code == 2 and "look like degrees" in result.stderr


def test_projected_metres_declared_wgs84_keep_their_hint(small_khu) -> None:
    metres = small_khu.to_crs(METRIC_CRS).set_crs(WGS84, allow_override=True)
    with pytest.raises(CRSError, match="projected metres") as caught:
        ensure_wgs84(metres, source="khu.geojson")
    assert PROJECTED_HINT in str(caught.value)


def test_projected_data_in_metres_is_transformed(small_khu) -> None:
    back = ensure_wgs84(small_khu.to_crs(METRIC_CRS))
    assert back.crs == WGS84
    assert back.geom_equals_exact(small_khu.geometry, tolerance=1e-7, align=False).all()


@pytest.mark.parametrize("crs", [None, WGS84, METRIC_CRS])
def test_empty_positions_need_no_crs_check(crs: str | None) -> None:
    # empty points have NaN bounds: no "(nan, nan) look like metres" and no degrees error
    frame = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(), None], crs=crs)
    assert ensure_wgs84(frame).crs == WGS84
