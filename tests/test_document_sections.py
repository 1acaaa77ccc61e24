"""The report's sections, measured from small inventories."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString

import kimson_geo
from kimson_geo.document.charts import trend_chart
from kimson_geo.document.review import claims_section, validation_section
from kimson_geo.document.sections import (
    OUTSIDE,
    drainage_section,
    facilities_section,
    measure_roads,
    roads_section,
)
from kimson_geo.registry import KHU_LAYER, METRIC_CRS, ROADS_LAYER, WGS84
from kimson_geo.validation.claims import ClaimResult

from _support import metric_to_wgs84, provenance


@pytest.fixture
def small_inv(small_roads, small_khu, small_points) -> kimson_geo.Inventory:
    return kimson_geo.from_frames({"roads": small_roads, "khu": small_khu,
                                   "cultural_houses": small_points})


def test_roads_are_split_between_khu_by_intersection(small_inv) -> None:
    r = measure_roads(small_inv)
    total = float(small_inv[ROADS_LAYER].to_crs(METRIC_CRS).length.sum())
    assert r.total_m == pytest.approx(total)
    assert sum(m for *_k, m in r.pieces) == pytest.approx(total)
    # r1 lies in khu-a (0..100 m), r2 in khu-b; r3 and r4 run on the shared edge x=100 and
    # count once, in whichever khu the intersection gives them
    assert r.length(khu="khu-a", kind="main") == pytest.approx(100, abs=0.5)
    assert r.length(khu="khu-b", kind="main") == pytest.approx(100, abs=0.5)
    assert r.length(khu=OUTSIDE) == pytest.approx(0, abs=0.5)


def test_a_road_outside_every_khu_is_its_own_row(small_roads, small_khu) -> None:
    extra = gpd.GeoDataFrame(
        [provenance(id="r9", name="Ngõ ngoài", kind="alley", surface="earth", width_m=2.0)],
        geometry=metric_to_wgs84([LineString([(300, 0), (400, 0)])]), crs=WGS84)
    roads = gpd.GeoDataFrame(
        [*small_roads.drop(columns="geometry").to_dict("records"),
         *extra.drop(columns="geometry").to_dict("records")],
        geometry=[*small_roads.geometry, *extra.geometry], crs=WGS84)
    inv = kimson_geo.from_frames({"roads": roads, "khu": small_khu})
    r, ctx = roads_section(inv, "vi")
    assert r.length(khu=OUTSIDE) == pytest.approx(100, abs=0.5)
    assert [row[0] for row in ctx["by_khu"]["rows"]][-1] == "Ngoài các khu"
    # the main-road widths: r2 (4 m) breaks the 5–6 m rule
    assert [row[0] for row in ctx["main"]["outside"]] == ["r2"]


def test_roads_section_of_the_bundled_data_adds_up(bundled) -> None:
    r, ctx = roads_section(bundled, "vi")
    total = float(bundled[ROADS_LAYER].to_crs(METRIC_CRS).length.sum())
    by_khu = sum(r.length(khu=k) for k in r.khu_keys)
    assert by_khu == pytest.approx(total, rel=1e-6)
    assert ctx["total"] == f"{total / 1000:.2f} km".replace(".", ",")
    assert len(ctx["by_khu"]["rows"]) >= len(bundled[KHU_LAYER])


def test_facilities_by_khu_and_ward_level(small_inv) -> None:
    ctx = facilities_section(small_inv, "vi")
    rows = {row[0]: row[1:] for row in ctx["rows"]}
    assert rows["Kim Thành"][0] == "Nhà văn hóa khu Kim Thành (đang sử dụng)"
    assert rows["Khu 2 (tên chưa xác định)"][0] == "không có"


def test_missing_layers_give_empty_sections(small_inv) -> None:
    by_kind, ctx = drainage_section(small_inv, "vi")
    assert by_kind == {} and ctx["present"] is False


def test_claims_and_validation_sections_in_english(bundled) -> None:
    report = bundled.validate()
    rows = claims_section(report.claims, "en")
    families = next(r for r in rows if r["id"] == "cultural-families")
    assert families["value"] == "96.45%" and families["result_text"] == "Pass"
    assert "96,45%" in families["quote"]  # the article's own words stay Vietnamese
    ctx = validation_section(report, "en")
    assert ctx["error_count"] == report.error_count


def _claim(cid: str, value: float, passed: bool) -> ClaimResult:
    return ClaimResult(id=cid, claim_vi=f"tiêu chí {cid}", claim_en=cid, value=value,
                       target=100.0, unit="%", passed=passed)


def test_trend_chart_takes_a_list_of_revisions() -> None:
    revisions = [("r1", [_claim("roads-concreted", 80.0, False)]),
                 ("r2", [_claim("roads-concreted", 92.5, False),
                         ClaimResult("cultural-neighbourhoods", "5/5", "5/5", 5, 5, "khu",
                                     True)]),
                 ("r3", [_claim("roads-concreted", 100.0, True)])]
    uri = trend_chart(revisions, "vi")
    assert uri is not None and uri.startswith("data:image/png;base64,")
    # no percentage claim: nothing to draw
    assert trend_chart([("r1", [revisions[1][1][1]])], "vi") is None
    assert trend_chart([], "vi") is None
