"""The diff engine: matching by id, then by geometry; changes and moved_m."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

import kimson_geo
from kimson_geo.diff import diff_inventories, diff_layer
from kimson_geo.registry import WGS84

from _support import copy_bundled, edit_features, metric_to_wgs84, provenance


def _roads(ids: list[object], xs: list[float], widths: list[float]) -> gpd.GeoDataFrame:
    rows = [provenance(id=i, name=f"road {k}", kind="alley", surface="concrete", width_m=w)
            for k, (i, w) in enumerate(zip(ids, widths, strict=True))]
    lines = [LineString([(x, 0), (x, 100)]) for x in xs]
    return gpd.GeoDataFrame(rows, geometry=metric_to_wgs84(lines), crs=WGS84)


def test_missing_ids_are_matched_by_geometry_within_the_tolerance() -> None:
    old = _roads(["a", "b", "c"], [0, 50, 100], [2, 2, 2])
    new = _roads(["a", None, "c-renamed"], [0, 50.3, 300], [2, 3, 2])
    d = diff_layer("roads", old, new, tolerance_m=1.0)
    assert (d.matched_by_id, d.matched_by_geometry) == (1, 1)
    record = diff_inventories(kimson_geo.from_frames({"roads": old}),
                              kimson_geo.from_frames({"roads": new})).to_dict()
    (modified,) = record["modified"]
    assert modified["matched_by"] == "geometry"
    assert modified["changes"]["width_m"] == [2.0, 3.0]
    assert modified["moved_m"] == pytest.approx(0.3, abs=0.01)
    assert [r["id"] for r in record["added"]] == ["c-renamed"]
    assert [r["id"] for r in record["removed"]] == ["c"]


def test_a_point_moved_10_m_and_nothing_else() -> None:
    def houses(y: float) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame([provenance(id="h", name="Nhà văn hóa", kind="khu")],
                                geometry=metric_to_wgs84([Point(0, y)]), crs=WGS84)

    d = diff_layer("cultural_houses", houses(0), houses(10))
    assert d.changes == [{}]
    assert d.moved_m[0] == pytest.approx(10.0, abs=0.01)
    assert diff_layer("cultural_houses", houses(0), houses(0)).empty


def test_html_escapes_values(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kimson_geo.render.map import render_map

    hostile = "<script>alert(1)</script>"
    old = _roads(["a"], [0], [2])
    new = _roads([hostile], [0], [2])
    new["name"] = hostile
    d = diff_inventories(kimson_geo.from_frames({"roads": old}),
                         kimson_geo.from_frames({"roads": new}))
    page = render_map({}, tmp_path / "d.html", changes=d.to_geojson()).read_text()
    assert hostile not in page


def test_cli_text_escapes_control_characters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from kimson_geo.cli.main import cli

    old, new = copy_bundled(tmp_path / "old"), copy_bundled(tmp_path / "new")
    edit_features(new, "roads", lambda fs: fs[0]["properties"].update(name="Ngõ\x1b]0;owned\x07"))
    result = CliRunner().invoke(cli, ["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "Ngõ\\x1b]0;owned\\x07" in result.stdout
