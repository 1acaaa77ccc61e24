"""Geometry rules: each fires on a tiny broken layer and stays quiet on a clean one."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

from kimson_geo.inventory import Inventory, from_frames
from kimson_geo.registry import BOUNDARY_LAYER, KHU_LAYER, ROADS_LAYER, WARD_RULES, WGS84
from kimson_geo.validation.issue import Issue
from kimson_geo.validation.rules import RULES, Context, load_rule_modules, run_rules

from _support import lonlat, metric_to_wgs84, number_in, provenance


def _frame(geoms: list, layer: str = ROADS_LAYER, **extra: object) -> gpd.GeoDataFrame:
    """Features in WGS 84 from metre offsets around the ward centre (None kept as null)."""
    rows = []
    for i, _ in enumerate(geoms):
        if layer == ROADS_LAYER:
            rows.append(provenance(id=f"r{i}", name=f"Đường {i}", kind="alley",
                                   surface="concrete", width_m=3.0, **extra))
        else:
            rows.append(provenance(id=f"{layer[:1]}{i}", name=f"{layer} {i}",
                                   kind="khu_pho" if layer == KHU_LAYER else "ward", **extra))
    real = [g for g in geoms if g is not None]
    moved = iter(metric_to_wgs84(real)) if real else iter(())
    placed = [next(moved) if g is not None else None for g in geoms]
    return gpd.GeoDataFrame(rows, geometry=gpd.GeoSeries(placed, crs=WGS84), crs=WGS84)


def _run(rule_id: str, inv: Inventory, *, layer_known: bool = True) -> list[Issue]:
    return list(run_rules(Context(inv, layer_known=layer_known), only=[rule_id]))


STRAIGHT = LineString([(0, 0), (100, 0)])


def test_rules_registered_with_severity_and_family() -> None:
    load_rule_modules()
    expected = {"geometry-missing": "error", "geometry-invalid": "error",
                "line-self-crossing": "error", "repeated-vertex": "warning",
                "road-too-short": "error", "geometry-type": "error", "outside-ward": "error"}
    for rule_id, severity in expected.items():
        assert RULES[rule_id].severity == severity
        assert RULES[rule_id].family == "geometry"


# ------------------------------------------------------------------ geometry-missing

def test_geometry_missing_fires_on_null_and_empty() -> None:
    roads = _frame([STRAIGHT, None, STRAIGHT])
    roads.loc[2, "geometry"] = LineString()
    issues = _run("geometry-missing", from_frames({ROADS_LAYER: roads}))
    assert [(i.rule, i.severity, i.feature, i.feature_id) for i in issues] == [
        ("geometry-missing", "error", 1, "r1"), ("geometry-missing", "error", 2, "r2")]
    assert "a null" in issues[0].message and "an empty" in issues[1].message


def test_geometry_missing_quiet_on_complete_layer() -> None:
    assert _run("geometry-missing", from_frames({ROADS_LAYER: _frame([STRAIGHT])})) == []


# ------------------------------------------------------------------ geometry-invalid

def test_geometry_invalid_reports_reason_and_location() -> None:
    bowtie = Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])
    square = Polygon([(200, 0), (300, 0), (300, 100), (200, 100)])
    khu = _frame([square, bowtie], layer=KHU_LAYER)
    issues = _run("geometry-invalid", from_frames({KHU_LAYER: khu}))
    assert len(issues) == 1
    issue = issues[0]
    assert (issue.rule, issue.severity, issue.feature, issue.feature_id) == (
        "geometry-invalid", "error", 1, "k1")
    assert "Self-intersection" in issue.message and "\n" not in issue.message
    lon, lat = lonlat(50, 50)
    assert issue.location == pytest.approx((lon, lat), abs=1e-6)


def test_geometry_invalid_quiet_on_valid_polygons() -> None:
    square = Polygon([(0, 0), (100, 0), (100, 100), (0, 100)])
    assert _run("geometry-invalid", from_frames({KHU_LAYER: _frame([square], KHU_LAYER)})) == []


# ---------------------------------------------------------------- line-self-crossing

def test_line_self_crossing_fires_with_crossing_point() -> None:
    figure = LineString([(0, 0), (20, 20), (20, 0), (0, 20)])
    issues = _run("line-self-crossing", from_frames({ROADS_LAYER: _frame([STRAIGHT, figure])}))
    assert [(i.rule, i.severity, i.feature) for i in issues] == [
        ("line-self-crossing", "error", 1)]
    assert issues[0].location == pytest.approx(lonlat(10, 10), abs=1e-6)


def test_line_self_crossing_quiet_on_simple_and_closed_lines() -> None:
    loop = LineString([(0, 0), (50, 0), (50, 50), (0, 50), (0, 0)])
    bent = LineString([(0, 0), (50, 0), (50, 50)])
    assert _run("line-self-crossing", from_frames({ROADS_LAYER: _frame([loop, bent])})) == []


# ------------------------------------------------------------------- repeated-vertex

def test_repeated_vertex_warns_once_per_feature() -> None:
    doubled = LineString([(0, 0), (50, 0), (50, 0), (100, 0)])
    issues = _run("repeated-vertex", from_frames({ROADS_LAYER: _frame([STRAIGHT, doubled])}))
    assert [(i.rule, i.severity, i.feature) for i in issues] == [
        ("repeated-vertex", "warning", 1)]
    assert issues[0].message.startswith("1 repeated vertex")
    assert issues[0].location == pytest.approx(lonlat(50, 0), abs=1e-6)


def test_repeated_vertex_quiet_on_clean_lines_and_closed_rings() -> None:
    square = Polygon([(0, 0), (100, 0), (100, 100), (0, 100)])
    assert _run("repeated-vertex", from_frames({ROADS_LAYER: _frame([STRAIGHT])})) == []
    assert _run("repeated-vertex", from_frames({KHU_LAYER: _frame([square], KHU_LAYER)})) == []


# -------------------------------------------------------------------- road-too-short

def test_road_too_short_reports_metric_length() -> None:
    stub = LineString([(0, 0), (0.4, 0.3)])
    issues = _run("road-too-short", from_frames({ROADS_LAYER: _frame([STRAIGHT, stub])}))
    assert [(i.rule, i.severity, i.feature) for i in issues] == [("road-too-short", "error", 1)]
    assert number_in(issues[0].message, "m long") == pytest.approx(0.5, abs=0.01)


def test_road_too_short_quiet_on_long_enough_roads() -> None:
    ok = LineString([(0, 0), (WARD_RULES.min_road_length_m + 0.5, 0)])
    assert _run("road-too-short", from_frames({ROADS_LAYER: _frame([ok])})) == []


# --------------------------------------------------------------------- geometry-type

def test_geometry_type_fires_on_point_road() -> None:
    issues = _run("geometry-type", from_frames({ROADS_LAYER: _frame([STRAIGHT, Point(3, 3)])}))
    assert [(i.rule, i.severity, i.feature) for i in issues] == [("geometry-type", "error", 1)]
    assert "Point" in issues[0].message


def test_geometry_type_quiet_on_lines_and_unknown_layer() -> None:
    assert _run("geometry-type", from_frames({ROADS_LAYER: _frame([STRAIGHT])})) == []
    alone = Inventory(layers={"my_points": _frame([Point(1, 1), STRAIGHT])})
    assert _run("geometry-type", alone, layer_known=False) == []


def test_any_layer_rules_run_on_unknown_layer() -> None:
    alone = Inventory(layers={"my_file": _frame([STRAIGHT, None])})
    issues = _run("geometry-missing", alone, layer_known=False)
    assert [(i.layer, i.feature) for i in issues] == [("my_file", 1)]


# ---------------------------------------------------------------------- outside-ward

def _ward() -> gpd.GeoDataFrame:
    return _frame([Polygon([(0, 0), (1000, 0), (1000, 1000), (0, 1000)])], BOUNDARY_LAYER)


def test_outside_ward_reports_distance_in_metres() -> None:
    astray = LineString([(900, 500), (1020, 500)])
    inside = LineString([(100, 100), (200, 100)])
    inv = from_frames({BOUNDARY_LAYER: _ward(), ROADS_LAYER: _frame([inside, astray])})
    issues = _run("outside-ward", inv)
    assert [(i.rule, i.severity, i.layer, i.feature) for i in issues] == [
        ("outside-ward", "error", ROADS_LAYER, 1)]
    assert number_in(issues[0].message, "m outside") == pytest.approx(20, abs=0.2)
    assert issues[0].location == pytest.approx(lonlat(1020, 500), abs=1e-5)


def test_outside_ward_quiet_within_tolerance_and_without_boundary() -> None:
    edge = LineString([(900, 500), (1000 + WARD_RULES.outside_tolerance_m - 1, 500)])
    inv = from_frames({BOUNDARY_LAYER: _ward(), ROADS_LAYER: _frame([edge])})
    assert _run("outside-ward", inv) == []
    far = LineString([(5000, 0), (5100, 0)])
    assert _run("outside-ward", from_frames({ROADS_LAYER: _frame([far])})) == []


# ------------------------------------------------------------ screening in degrees

def _measure_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every rule transform whole layers to metres (no screening in degrees)."""
    monkeypatch.setattr(Context, "metres_per_degree", lambda self, name: None)


def _near_thresholds(seed: int, count: int = 300) -> list:
    """Roads around 1 m long, and lines with segments around 1 mm, in metres."""
    import numpy as np
    from shapely.geometry import MultiLineString

    rng = np.random.default_rng(seed)
    geoms: list = []
    for k in range(count):
        x, y = rng.uniform(-5000, 5000, 2)
        angle = rng.uniform(0, 2 * np.pi)
        ux, uy = np.cos(angle), np.sin(angle)
        short = rng.uniform(0.0002, 0.004)
        length = rng.uniform(0.8, 1.2)
        kind = k % 5
        if kind == 0:
            geoms.append(LineString([(x, y), (x + length * ux, y + length * uy)]))
        elif kind == 1:
            geoms.append(LineString([(x, y), (x + short * ux, y + short * uy),
                                     (x + 50 * ux - 10 * uy, y + 50 * uy + 10 * ux)]))
        elif kind == 2:
            geoms.append(MultiLineString([[(x, y), (x + 0.4 * ux, y + 0.4 * uy)],
                                          [(x + 0.4 * ux, y + 0.4 * uy),
                                           (x + (0.4 + length / 2) * ux, y + 0.2 * uy)]]))
        elif kind == 3:
            geoms.append(LineString([(x, y), (x + 30, y), (x + 30, y + 30), (x + 15, y - 5),
                                     (x + 15 + short, y - 5)]))
        else:
            geoms.append(LineString([(x, y), (x + 20 * ux, y + 20 * uy),
                                     (x + 20 * ux + short, y + 20 * uy), (x, y + 1)]))
    return geoms


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_screening_in_degrees_finds_what_measuring_everything_finds(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    roads = _frame(_near_thresholds(seed))
    rules = ["road-too-short", "repeated-vertex", "line-self-crossing", "geometry-type"]

    def run() -> list:
        inv = Inventory(layers={ROADS_LAYER: roads})
        return [(i.rule, i.feature, i.message, i.location)
                for i in run_rules(Context(inv), only=rules)]

    screened = run()
    assert Context(Inventory(layers={ROADS_LAYER: roads})).metres_per_degree(ROADS_LAYER)
    with monkeypatch.context() as patch:
        _measure_everything(patch)
        measured = run()
    assert screened == measured
    found = {rule for rule, *_ in screened}
    assert {"road-too-short", "repeated-vertex", "line-self-crossing"} <= found


def test_metres_per_degree_only_within_one_datum_transformation() -> None:
    import numpy as np
    from pyproj import Transformer

    from kimson_geo.crs import metres_per_degree
    from kimson_geo.registry import METRIC_CRS
    from kimson_geo.validation.geometry import SCREEN_FACTOR

    ward = (106.4, 20.7, 108.0, 21.7)
    kx, ky = metres_per_degree(WGS84, ward)
    assert 0 < kx < ky
    # VN-2000 has a second transformation for the Mekong delta blocks: a layer across the
    # edge of its area, or outside Vietnam, or not in lon/lat, is measured in metres
    assert metres_per_degree(WGS84, (104.0, 10.0, 105.0, 10.5)) is None
    assert metres_per_degree(WGS84, (120.0, 30.0, 121.0, 31.0)) is None
    assert metres_per_degree(METRIC_CRS, (4e5, 2.3e6, 4.1e5, 2.31e6)) is None
    assert metres_per_degree(WGS84, (105.0, 10.0, 105.5, 10.5)) is not None  # inside both
    # the bound holds, with the margin the rules use to spare
    rng = np.random.default_rng(0)
    lon = rng.uniform(ward[0], ward[2], 20_000)
    lat = rng.uniform(ward[1], ward[3], 20_000)
    dlon, dlat = rng.normal(0, 1e-5, (2, 20_000))
    to_m = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)
    x0, y0 = to_m.transform(lon, lat)
    x1, y1 = to_m.transform(lon + dlon, lat + dlat)
    estimate = np.hypot(kx * dlon, ky * dlat)
    assert (np.hypot(x1 - x0, y1 - y0) >= 0.9999 * estimate).all()
    assert SCREEN_FACTOR < 0.9999


def test_context_metric_is_to_crs_bit_for_bit() -> None:
    import numpy as np
    import shapely

    from kimson_geo.registry import METRIC_CRS

    flat = _frame(_near_thresholds(4, 60) + [None, LineString()])
    raised = flat.copy()
    raised.geometry = gpd.GeoSeries(
        [shapely.force_3d(g, 12.5) if g is not None and k % 3 == 0 else g
         for k, g in enumerate(flat.geometry)], crs=WGS84)
    for frame in (flat, raised):
        ctx = Context(Inventory(layers={ROADS_LAYER: frame}))
        some = np.array([0, 3, 7, 60])
        at = ctx.metric_at(ROADS_LAYER, some)
        mine = np.asarray(ctx.metric(ROADS_LAYER).array, dtype=object)
        theirs = np.asarray(frame.geometry.to_crs(METRIC_CRS).array, dtype=object)
        for ours in (mine, at):
            expected = theirs if ours is mine else theirs[some]
            assert (shapely.get_type_id(ours) == shapely.get_type_id(expected)).all()
            assert np.array_equal(shapely.get_coordinates(ours, include_z=True),
                                  shapely.get_coordinates(expected, include_z=True),
                                  equal_nan=True)


def test_self_crossing_matches_geos_on_random_lines() -> None:
    """Lines that run one way in x or y are taken as simple without GEOS: the findings
    must still be exactly the lines GEOS finds not simple."""
    import numpy as np
    import shapely

    rng = np.random.default_rng(5)
    lines = [LineString(rng.uniform(0, 100, (int(rng.integers(2, 6)), 2)))
             for _ in range(3000)]
    lines += [LineString([(0, 0), (100, 100), (200, 0)]), LineString([(0, 0), (100, 100), (0, 0)])]
    roads = _frame(lines)
    geoms = np.asarray(roads.geometry.array, dtype=object)
    expected = (shapely.is_valid(geoms) & ~shapely.is_simple(geoms)).nonzero()[0].tolist()
    issues = _run("line-self-crossing", from_frames({ROADS_LAYER: roads}))
    assert [i.feature for i in issues] == expected
    assert 0 < len(expected) < len(lines) * 0.9
    assert expected[-1] == len(lines) - 1 and len(lines) - 2 not in expected


def test_a_scribble_of_thousands_of_crossings_is_one_finding_with_its_point() -> None:
    import numpy as np
    import shapely

    from kimson_geo.validation.geometry import crossing_point

    rng = np.random.default_rng(9)
    scribble = LineString(rng.uniform(0, 300, (20_000, 2)))  # GEOS noding takes hours
    roads = _frame([STRAIGHT, scribble])
    issues = _run("line-self-crossing", from_frames({ROADS_LAYER: roads}))
    assert [(i.feature, i.feature_id) for i in issues] == [(1, "r1")]
    assert issues[0].location is not None and " at " in issues[0].message
    assert shapely.Point(issues[0].location).distance(roads.geometry.iloc[1]) < 1e-6
    # the point found is where two segments that are not neighbours meet
    figure_eight = LineString([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    assert crossing_point(figure_eight) == (0.5, 0.5)
    assert crossing_point(LineString([(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)])) is None


def test_a_geometry_geos_cannot_test_is_a_finding_not_a_crash(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import shapely

    import kimson_geo.validation.geometry as geometry

    real = shapely.is_simple

    def failing(geoms):  # type: ignore[no-untyped-def]
        if getattr(geoms, "ndim", 0) == 0 and len(shapely.get_coordinates(geoms)) == 4:
            raise shapely.errors.GEOSException("TopologyException: side location conflict")
        if getattr(geoms, "ndim", 0):
            return [failing(g) for g in geoms]
        return real(geoms)

    monkeypatch.setattr(geometry.shapely, "is_simple", failing)
    roads = _frame([LineString([(0, 0), (50, 10), (100, 0)]),
                    LineString([(0, 0), (50, 50), (100, 0), (50, -20)])])
    issues = _run("line-self-crossing", from_frames({ROADS_LAYER: roads}))
    assert [(i.feature, i.message) for i in issues] == [
        (1, "line could not be noded: TopologyException: side location conflict")]


def test_a_long_scribble_is_not_left_to_is_simple_and_a_long_arc_still_is(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import numpy as np
    import shapely

    import kimson_geo.validation.geometry as geometry

    tested: list[int] = []
    real = shapely.is_simple

    def counting(geoms, *args, **kwargs):  # type: ignore[no-untyped-def]
        tested.extend(shapely.get_num_coordinates(np.atleast_1d(geoms)).tolist())
        return real(geoms, *args, **kwargs)

    monkeypatch.setattr(geometry.shapely, "is_simple", counting)
    rng = np.random.default_rng(3)
    scribble = LineString(rng.uniform(0, 300, (geometry.LONG_LINE_VERTICES * 3, 2)))
    angle = np.linspace(0, 1.5 * np.pi, geometry.LONG_LINE_VERTICES * 2)  # simple, turns in x and y
    arc = LineString(np.column_stack([100 * np.cos(angle), 100 * np.sin(angle)]))
    issues = _run("line-self-crossing", from_frames({ROADS_LAYER: _frame([scribble, arc])}))
    assert [(i.feature, " at " in i.message) for i in issues] == [(0, True)]
    # the scribble's crossing came from the segment search; only the arc went to GEOS
    assert tested == [len(arc.coords)]
