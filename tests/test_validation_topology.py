"""Topology rules: each fires on a tiny broken layer and stays quiet on a clean one."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from kimson_geo.inventory import Inventory, from_frames
from kimson_geo.registry import (
    BOUNDARY_LAYER,
    CLUSTERS_LAYER,
    CULTURAL_HOUSES_LAYER,
    DRAINAGE_LAYER,
    ENTERPRISES_LAYER,
    KHU_LAYER,
    ROADS_LAYER,
    SPORTS_AREAS_LAYER,
    WGS84,
)
from kimson_geo.validation.issue import Issue
from kimson_geo.validation.rules import RULES, Context, load_rule_modules, run_rules

from _support import lonlat, metric_to_wgs84, number_in, provenance


def _frame(geoms: list, rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame([provenance(**r) for r in rows], geometry=metric_to_wgs84(geoms),
                            crs=WGS84)


def _roads(lines: list, dead_end: list[bool] | None = None) -> gpd.GeoDataFrame:
    flags = dead_end or [False] * len(lines)
    return _frame(lines, [dict(id=f"r{i}", name=f"Đường {i}", kind="alley", surface="concrete",
                               width_m=3.0, dead_end=flag) for i, flag in enumerate(flags)])


def _khu(polys: list) -> gpd.GeoDataFrame:
    return _frame(polys, [dict(id=f"khu-{i}", name=f"Khu {i}", kind="khu_pho")
                          for i in range(len(polys))])


def _boundary(poly: Polygon) -> gpd.GeoDataFrame:
    return _frame([poly], [dict(id="ward", name="Kim Sơn", kind="ward")])


def _run(rule_id: str, inv: Inventory) -> list[Issue]:
    return list(run_rules(Context(inv), only=[rule_id]))


def test_rules_registered_with_severity_and_family() -> None:
    load_rule_modules()
    expected = {"khu-overlap": "error", "khu-gap": "error", "road-dangle": "error",
                "road-undernoded": "warning", "road-isolated": "error",
                "drainage-no-outfall": "error", "service-outside-khu": "error",
                "enterprise-outside-cluster": "warning"}
    for rule_id, severity in expected.items():
        assert RULES[rule_id].severity == severity
        assert RULES[rule_id].family == "topology"


# ------------------------------------------------------------------------ khu-overlap

def test_khu_overlap_reports_pair_and_area() -> None:
    khu = _khu([box(0, 0, 100, 100), box(90, 0, 200, 100), box(300, 0, 400, 100)])
    issues = _run("khu-overlap", from_frames({KHU_LAYER: khu}))
    assert [(i.rule, i.severity, i.feature, i.feature_id) for i in issues] == [
        ("khu-overlap", "error", 0, "khu-0")]
    assert "'khu-1'" in issues[0].message
    assert number_in(issues[0].message, "m²") == pytest.approx(1000, rel=0.01)
    assert issues[0].location == pytest.approx(lonlat(95, 50), abs=1e-4)


def test_khu_overlap_quiet_on_tiles_and_slivers() -> None:
    khu = _khu([box(0, 0, 100, 100), box(100, 0, 200, 100), box(199.99999, 0, 300, 100)])
    assert _run("khu-overlap", from_frames({KHU_LAYER: khu})) == []


# ---------------------------------------------------------------------------- khu-gap

def test_khu_gap_reports_gap_and_khu_beyond_boundary() -> None:
    ward = _boundary(box(0, 0, 200, 100))
    khu = _khu([box(0, 0, 100, 100), box(105, 0, 210, 100)])
    issues = _run("khu-gap", from_frames({BOUNDARY_LAYER: ward, KHU_LAYER: khu}))
    assert [(i.rule, i.severity, i.feature) for i in issues] == [
        ("khu-gap", "error", None), ("khu-gap", "error", 1)]
    assert number_in(issues[0].message, "m²") == pytest.approx(500, rel=0.01)
    assert issues[0].location == pytest.approx(lonlat(102.5, 50), abs=1e-4)
    assert "beyond" in issues[1].message
    assert number_in(issues[1].message, "m²") == pytest.approx(1000, rel=0.01)


def test_khu_gap_quiet_when_khu_tile_the_boundary() -> None:
    ward = _boundary(box(0, 0, 200, 100))
    khu = _khu([box(0, 0, 100, 100), box(100, 0, 200, 100)])
    assert _run("khu-gap", from_frames({BOUNDARY_LAYER: ward, KHU_LAYER: khu})) == []


# ------------------------------------------------------------------------ road-dangle

T_LINES = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (200, 0)]),
           LineString([(100, 0), (100, 80)])]


def test_road_dangle_fires_on_unmarked_free_end() -> None:
    roads = _roads(T_LINES, dead_end=[True, True, False])
    issues = _run("road-dangle", from_frames({ROADS_LAYER: roads}))
    assert [(i.rule, i.severity, i.feature, i.feature_id) for i in issues] == [
        ("road-dangle", "error", 2, "r2")]
    assert issues[0].location == pytest.approx(lonlat(100, 80), abs=1e-6)
    assert "dead_end" in issues[0].message


def test_road_dangle_message_names_nearest_road() -> None:
    lines = [*T_LINES[:2], LineString([(100, 0), (100, 80)]), LineString([(103, 81), (150, 81)])]
    roads = _roads(lines, dead_end=[True, True, False, True])
    issues = _run("road-dangle", from_frames({ROADS_LAYER: roads}))
    assert [i.feature for i in issues] == [2]
    assert number_in(issues[0].message, "m away") == pytest.approx(np.hypot(3, 1), abs=0.01)


def test_road_dangle_messages_shared_by_distance_keep_start_and_end_apart() -> None:
    lines = [LineString([(0, 0), (100, 0)]), LineString([(50, 0), (50, 30)]),
             LineString([(60, 30), (60, 0)])]  # two Ts: ends 10 m apart, one end, one start
    roads = _roads(lines, dead_end=[True, False, False])
    issues = _run("road-dangle", from_frames({ROADS_LAYER: roads}))
    assert [(i.feature, i.message.split(" meets")[0]) for i in issues] == [
        (1, "road end"), (2, "road start")]
    assert all("nearest other road 10.00 m away" in i.message for i in issues)


def test_road_dangle_quiet_on_dead_ends_snapped_ends_and_t_junctions() -> None:
    lines = [*T_LINES, LineString([(100, 80.005), (150, 80)]),  # within the 1 cm snap
             LineString([(50, 0), (50, 40)])]                   # T onto r0 without a node
    roads = _roads(lines, dead_end=[True, True, False, True, True])
    assert _run("road-dangle", from_frames({ROADS_LAYER: roads})) == []


# -------------------------------------------------------------------- road-undernoded

def test_road_undernoded_warns_on_t_without_node() -> None:
    lines = [*T_LINES, LineString([(50, 0), (50, 40)])]
    roads = _roads(lines, dead_end=[True, True, True, True])
    issues = _run("road-undernoded", from_frames({ROADS_LAYER: roads}))
    assert [(i.rule, i.severity, i.feature) for i in issues] == [
        ("road-undernoded", "warning", 3)]
    assert "'r0'" in issues[0].message
    assert issues[0].location == pytest.approx(lonlat(50, 0), abs=1e-6)


def test_road_undernoded_quiet_when_noded() -> None:
    roads = _roads(T_LINES, dead_end=[True, True, True])
    assert _run("road-undernoded", from_frames({ROADS_LAYER: roads})) == []


# ---------------------------------------------------------------------- road-isolated

def test_road_isolated_reports_each_cut_off_segment() -> None:
    lines = [*T_LINES, LineString([(500, 500), (600, 500)]),
             LineString([(600, 500), (600, 600)])]
    issues = _run("road-isolated", from_frames({ROADS_LAYER: _roads(lines)}))
    assert [(i.rule, i.severity, i.feature) for i in issues] == [
        ("road-isolated", "error", 3), ("road-isolated", "error", 4)]
    assert "(3 segments)" in issues[0].message and "2 segments" in issues[0].message


def test_road_isolated_quiet_on_connected_network_with_t_junction() -> None:
    lines = [*T_LINES, LineString([(50, 0), (50, 40)])]  # joined mid-segment, no node
    assert _run("road-isolated", from_frames({ROADS_LAYER: _roads(lines)})) == []


# ---------------------------------------------------------------- drainage-no-outfall

def _drainage(lines: list, outfall: list[bool]) -> gpd.GeoDataFrame:
    return _frame(lines, [dict(id=f"d{i}", name=f"Mương {i}", kind="ditch", outfall=flag)
                          for i, flag in enumerate(outfall)])


def test_drainage_no_outfall_one_issue_per_dry_network() -> None:
    lines = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (200, 0)]),  # drains
             LineString([(0, 300), (100, 300)]), LineString([(100, 300), (150, 250)]),
             LineString([(50, 400), (50, 300.001)])]  # joins d2 mid-segment
    drainage = _drainage(lines, [False, True, False, False, False])
    issues = _run("drainage-no-outfall", from_frames({DRAINAGE_LAYER: drainage}))
    assert [(i.rule, i.severity, i.feature) for i in issues] == [
        ("drainage-no-outfall", "error", 3)]
    assert "3 segments" in issues[0].message
    assert "'d2', 'd3', 'd4'" in issues[0].message
    assert issues[0].location == pytest.approx(lonlat(150, 250), abs=1e-6)


def test_drainage_no_outfall_quiet_when_every_network_drains() -> None:
    lines = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (200, 0)])]
    drainage = _drainage(lines, [False, True])
    assert _run("drainage-no-outfall", from_frames({DRAINAGE_LAYER: drainage})) == []


# ---------------------------------------------------------------- service-outside-khu

def _services(points: list, refs: list[str | None], kind: str = "khu") -> gpd.GeoDataFrame:
    return _frame(points, [dict(id=f"s{i}", name=f"Nhà văn hóa {i}", kind=kind, khu=ref)
                           for i, ref in enumerate(refs)])


def test_service_outside_khu_fires_on_wrong_and_unknown_khu() -> None:
    khu = _khu([box(0, 0, 100, 100), box(100, 0, 200, 100)])
    houses = _services([Point(50, 50), Point(150, 50), Point(20, 20)],
                       ["khu-0", "khu-0", "khu-9"])
    sports = _services([Point(130, 50)], ["khu-1"])
    issues = _run("service-outside-khu", from_frames(
        {KHU_LAYER: khu, CULTURAL_HOUSES_LAYER: houses, SPORTS_AREAS_LAYER: sports}))
    got = sorted((i.layer, i.feature, i.severity) for i in issues)
    assert got == [(CULTURAL_HOUSES_LAYER, 1, "error"), (CULTURAL_HOUSES_LAYER, 2, "error")]
    by_index = {i.feature: i for i in issues}
    assert number_in(by_index[1].message, "m outside") == pytest.approx(50, abs=0.05)
    assert "'khu-1'" in by_index[1].message
    assert "'khu-9'" in by_index[2].message and "does not exist" in by_index[2].message


def test_service_outside_khu_quiet_when_inside_or_unassigned() -> None:
    khu = _khu([box(0, 0, 100, 100)])
    houses = _services([Point(50, 50), Point(500, 500)], ["khu-0", None], kind="ward")
    issues = _run("service-outside-khu", from_frames({KHU_LAYER: khu,
                                                       CULTURAL_HOUSES_LAYER: houses}))
    assert issues == []


# --------------------------------------------------------- enterprise-outside-cluster

def _clusters() -> gpd.GeoDataFrame:
    return _frame([box(0, 0, 100, 100), box(200, 0, 300, 100)],
                  [dict(id="c-ind", name="CCN Kim Sơn", kind="industrial"),
                   dict(id="c-port", name="Cụm cảng Kim Sơn", kind="port")])


def _enterprises(points: list, refs: list[str | None]) -> gpd.GeoDataFrame:
    return _frame(points, [dict(id=f"e{i}", name=f"Công ty {i}", kind="other", cluster=ref)
                           for i, ref in enumerate(refs)])


def test_enterprise_outside_cluster_warns() -> None:
    firms = _enterprises([Point(50, 50), Point(50, 130), Point(250, 50), Point(60, 60)],
                         [None, None, "c-ind", "c-nowhere"])
    issues = _run("enterprise-outside-cluster", from_frames(
        {CLUSTERS_LAYER: _clusters(), ENTERPRISES_LAYER: firms}))
    assert sorted((i.feature, i.severity) for i in issues) == [
        (1, "warning"), (2, "warning"), (3, "warning")]
    by_index = {i.feature: i for i in issues}
    assert number_in(by_index[1].message, "m outside") == pytest.approx(30, abs=0.05)
    assert number_in(by_index[2].message, "m outside") == pytest.approx(150, abs=0.5)
    assert "'c-port'" in by_index[2].message
    assert "does not exist" in by_index[3].message


def test_enterprise_outside_cluster_quiet_when_inside() -> None:
    firms = _enterprises([Point(50, 50), Point(250, 50)], ["c-ind", None])
    issues = _run("enterprise-outside-cluster", from_frames(
        {CLUSTERS_LAYER: _clusters(), ENTERPRISES_LAYER: firms}))
    assert issues == []


# ------------------------------------------------------------------------- robustness

def test_multipart_road_parts_join_each_other() -> None:
    from shapely.geometry import MultiLineString

    two = MultiLineString([[(0, 0), (50, 0)], [(50, 0), (50, 50)]])
    lines = [two, LineString([(50, 50), (100, 50)])]
    roads = _roads(lines, dead_end=[True, True])
    inv = from_frames({ROADS_LAYER: roads})
    assert _run("road-dangle", inv) == []
    assert _run("road-isolated", inv) == []


def _degenerate(kind: str) -> dict[str, gpd.GeoDataFrame]:
    from shapely.geometry import GeometryCollection, MultiLineString, MultiPolygon

    from kimson_geo.registry import LAYER_NAMES

    geoms: list = {
        "empty": [],
        "nulls": [None, None],
        "garbage": [None, LineString(), Polygon([(0, 0), (100, 100), (100, 0), (0, 100)]),
                    Point(5, 5), MultiLineString([[(0, 0), (10, 0)], [(10, 0), (10, 10)]]),
                    LineString([(0, 0), (0, 0)]),
                    GeometryCollection([Point(1, 1), LineString([(0, 0), (1, 1)])]),
                    MultiPolygon([box(0, 0, 10, 10), box(20, 0, 30, 10)]),
                    LineString([(0, 0), (20, 20), (20, 0), (0, 20)])],
    }[kind]
    real = [g for g in geoms if g is not None and not g.is_empty]
    moved = iter(metric_to_wgs84(real)) if real else iter(())
    placed = [next(moved) if g is not None and not g.is_empty else g for g in geoms]
    frames = {}
    for name in LAYER_NAMES:
        frame = gpd.GeoDataFrame({"id": [f"x{i}" for i in range(len(geoms))]},
                                 geometry=gpd.GeoSeries(placed, crs=WGS84), crs=WGS84)
        frames[name] = frame
    if kind == "garbage":
        frames[CULTURAL_HOUSES_LAYER]["khu"] = ["x2", None, "", "nope", 3, "x7", None, None,
                                                None]
        frames[ENTERPRISES_LAYER]["cluster"] = ["x2"] * len(geoms)
    return frames


@pytest.mark.parametrize("kind", ["empty", "nulls", "garbage"])
def test_rules_survive_degenerate_layers(kind: str) -> None:
    load_rule_modules()
    ids = [r.id for r in RULES.values() if r.family in ("geometry", "topology") and r.func]
    frames = _degenerate(kind)
    issues = list(run_rules(Context(Inventory(layers=frames)), only=ids))
    alone = Context(Inventory(layers={"a_file": frames[ROADS_LAYER]}), layer_known=False)
    issues += list(run_rules(alone, only=ids))
    assert all("\n" not in i.message for i in issues)
    if kind == "empty":  # no problem, but the rules that need a missing field say so
        assert {i.rule for i in issues} == {"rule-skipped"}
    else:
        assert {i.rule for i in issues} >= {"geometry-missing"}


def test_rules_survive_non_finite_coordinates() -> None:
    import warnings

    import shapely

    with warnings.catch_warnings():  # building them warns; the rules must not
        warnings.simplefilter("ignore", RuntimeWarning)
        nan_line = shapely.linestrings([[106.52, 21.07], [np.nan, 21.08]])
        inf_poly = shapely.polygons([[106.52, 21.07], [np.inf, 21.08], [106.53, 21.07],
                                     [106.52, 21.07]])
        nan_point = shapely.points([np.nan, 21.0])
    ward = shapely.box(106.5, 21.0, 106.6, 21.1)
    good = LineString([(106.52, 21.07), (106.521, 21.07)])

    def frame(geoms: list, **columns: list) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame({"id": [f"x{i}" for i in range(len(geoms))], **columns},
                                geometry=geoms, crs=WGS84)

    layers = {BOUNDARY_LAYER: frame([ward, inf_poly]), KHU_LAYER: frame([inf_poly, ward]),
              ROADS_LAYER: frame([nan_line, good]), DRAINAGE_LAYER: frame([nan_line, good]),
              CULTURAL_HOUSES_LAYER: frame([nan_point], khu=["x0"])}
    load_rule_modules()
    ids = [r.id for r in RULES.values() if r.family in ("geometry", "topology") and r.func]
    issues = list(run_rules(Context(Inventory(layers=layers)), only=ids))
    invalid = {(i.layer, i.feature) for i in issues if i.rule == "geometry-invalid"}
    assert invalid == {(BOUNDARY_LAYER, 1), (KHU_LAYER, 0), (ROADS_LAYER, 0),
                       (DRAINAGE_LAYER, 0), (CULTURAL_HOUSES_LAYER, 0)}




# ----------------------------------------------------- one report per problem, no crash

def test_an_isolated_segment_is_reported_once_not_as_dangles_too() -> None:
    lines = [*T_LINES, LineString([(500, 500), (600, 500)])]
    roads = _roads(lines, dead_end=[True, True, True, False])  # r3: free ends, unmarked
    issues = _run_all(from_frames({ROADS_LAYER: roads}))
    assert [(i.rule, i.feature) for i in issues] == [("road-isolated", 3)]


def _run_all(inv: Inventory) -> list[Issue]:
    load_rule_modules()
    ids = [r.id for r in RULES.values() if r.family == "topology" and r.func]
    return list(run_rules(Context(inv), only=ids))


@pytest.mark.parametrize(("layer", "field", "rule_id"), [
    (ROADS_LAYER, "dead_end", "road-dangle"),
    (DRAINAGE_LAYER, "outfall", "drainage-no-outfall"),
    (CULTURAL_HOUSES_LAYER, "khu", "service-outside-khu"),
    (ENTERPRISES_LAYER, "cluster", "enterprise-outside-cluster"),
])
def test_a_missing_field_skips_the_rule_that_reads_it(layer: str, field: str,
                                                      rule_id: str) -> None:
    frames = {ROADS_LAYER: _roads(T_LINES, dead_end=[True, True, True]),
              DRAINAGE_LAYER: _drainage(T_LINES, [True, False, False]),
              KHU_LAYER: _khu([box(0, 0, 300, 300)]),
              CULTURAL_HOUSES_LAYER: _services([Point(50, 50)], ["khu-0"]),
              CLUSTERS_LAYER: _clusters(),
              ENTERPRISES_LAYER: _enterprises([Point(50, 50)], ["c-ind"])}
    frames[layer] = frames[layer].drop(columns=[field])
    issues = _run_all(from_frames(frames))
    assert [(i.rule, i.layer, i.field) for i in issues] == [("rule-skipped", layer, field)]
    assert rule_id in issues[0].message


def test_a_long_self_crossing_road_does_not_stop_the_network_rules() -> None:
    rng = np.random.default_rng(0)
    scribble = LineString(rng.uniform(0, 500, (50_000, 2)))
    roads = _roads([*T_LINES, scribble], dead_end=[True, True, True, True])
    issues = _run_all(from_frames({ROADS_LAYER: roads}))
    assert {(i.rule, i.feature) for i in issues} <= {("road-isolated", 3),
                                                      ("road-undernoded", 2)}


def test_geos_failure_is_a_finding_on_that_feature(monkeypatch: pytest.MonkeyPatch) -> None:
    import shapely

    khu = _khu([box(0, 0, 100, 100), box(90, 0, 200, 100), box(150, 0, 300, 100)])
    broken = shapely.get_coordinates(metric_to_wgs84([box(90, 0, 200, 100)])[0])
    real = shapely.intersection

    def intersection(a, b):  # GEOS fails on khu-1, as on a pathological geometry
        if np.any(np.isin(shapely.get_num_coordinates(np.atleast_1d(a)), [len(broken)])
                  & np.asarray([g is not None and g.area > 10_000 for g in np.atleast_1d(a)])):
            raise shapely.errors.GEOSException("TopologyException: side location conflict")
        return real(a, b)

    monkeypatch.setattr(shapely, "intersection", intersection)
    issues = _run("khu-overlap", from_frames({KHU_LAYER: khu}))
    by_rule = sorted((i.feature, "could not be noded" in i.message) for i in issues)
    assert by_rule == [(0, False), (1, True)]
    assert "TopologyException" in next(i.message for i in issues if i.feature == 1)
