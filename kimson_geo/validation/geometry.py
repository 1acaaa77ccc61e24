"""Geometry rules: missing, invalid, self-crossing, repeated vertices, type, too short, outside.

Vectorised over the whole layer; Python loops run only over the features reported.  Lengths
are measured in EPSG:5899 (screened in degrees at most: :data:`SCREEN_FACTOR`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator

import numpy as np
import shapely

from ..crs import transformer
from ..registry import BOUNDARY_LAYER, METRIC_CRS, ROADS_LAYER, WARD_RULES, WGS84, layer_spec
from .issue import Findings, Issue
from .network import LINE_TYPES, explode, present_mask
from .rules import ANY_LAYER, Context, rule

FAMILY = "geometry"

#: consecutive vertices closer than this (metres) count as repeated
REPEATED_VERTEX_M = 0.001

_REASON = re.compile(r"^(?P<text>[^\[]*)\[(?P<coords>[^\]]*)\]\s*$")
_AREA_TYPES = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
#: GEOS type id -> the name ``GeoSeries.geom_type`` gives
_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
               5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


def geometry_array(ctx: Context, layer: str, *, metric: bool = False) -> np.ndarray:
    """The layer's geometries as a numpy object array (WGS 84, or EPSG:5899)."""
    series = ctx.metric(layer) if metric else ctx.frame(layer).geometry
    return np.asarray(series.array, dtype=object)


def finite(geoms: np.ndarray) -> np.ndarray:
    """A copy of ``geoms`` with None for those that have NaN or infinite coordinates (which
    geometry-invalid reports; measuring them would only produce NaN and warnings)."""
    bad = present_mask(geoms) & ~shapely.is_valid(geoms)  # non-finite coordinates never are
    coords, owner = shapely.get_coordinates(geoms[bad], return_index=True)
    out = geoms.copy()
    out[bad.nonzero()[0][np.unique(owner[~np.isfinite(coords).all(axis=1)])]] = None
    return out


def validity(ctx: Context, layer: str) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the layer's present features and of its present and valid ones (cached)."""
    key = ("validity", layer)
    if key not in ctx.cache:
        geoms = geometry_array(ctx, layer)
        present = present_mask(geoms)
        # a geometry GEOS cannot test counts as invalid (geometry-invalid says why)
        ctx.cache[key] = (present, present & guarded(shapely.is_valid, geoms, fill=False)[0])
    return ctx.cache[key]


def type_ids(ctx: Context, layer: str) -> np.ndarray:
    """``shapely.get_type_id`` of the layer's geometries (computed once per context)."""
    key = ("type-ids", layer)
    if key not in ctx.cache:
        ctx.cache[key] = shapely.get_type_id(geometry_array(ctx, layer))
    return ctx.cache[key]


def feature_coordinates(ctx: Context, layer: str) -> tuple[np.ndarray, np.ndarray]:
    """Every vertex of the layer (2-D) and the feature it belongs to, in order (cached)."""
    key = ("coordinates", layer)
    if key not in ctx.cache:
        ctx.cache[key] = shapely.get_coordinates(geometry_array(ctx, layer), return_index=True)
    return ctx.cache[key]


def _monotone(coords: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Features ``0..n-1`` whose vertices (two or more) run strictly one way in x or in y."""
    out = np.zeros(n, dtype=bool)
    inside = owner[1:] == owner[:-1]  # consecutive vertices of one feature
    step_owner = owner[:-1]
    for axis in (0, 1):
        step = np.diff(coords[:, axis])
        for forward in (step > 0, step < 0):
            way = np.ones(n, dtype=bool)  # no step of the feature goes another way
            way[step_owner[inside & ~forward]] = False
            out |= way
    out &= np.bincount(owner, minlength=n) >= 2
    return out


def repaired(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` with the invalid ones made valid (and the non-finite ones dropped)."""
    out = finite(geoms)
    bad = present_mask(out) & ~shapely.is_valid(out)
    out[bad] = shapely.make_valid(out[bad])
    return out


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` with only their polygons: collections keep their polygon parts, and
    geometries with none become None (overlay operations reject mixed collections)."""
    out = geoms.copy()
    types = shapely.get_type_id(geoms)
    for index in (types == shapely.GeometryType.GEOMETRYCOLLECTION).nonzero()[0]:  # rare
        parts = shapely.get_parts(geoms[index])
        parts = parts[np.isin(shapely.get_type_id(parts), _AREA_TYPES)]
        out[index] = shapely.union_all(parts) if len(parts) else None
    out[~np.isin(types, (*_AREA_TYPES, shapely.GeometryType.GEOMETRYCOLLECTION))] = None
    return out


def lonlat_array(xy: np.ndarray) -> np.ndarray:
    """Metric (EPSG:5899) positions ``(n, 2)`` as rounded lon/lat, NaN where not finite."""
    out = np.round(np.column_stack(transformer(METRIC_CRS, WGS84).transform(xy[:, 0], xy[:, 1])), 7)
    out[~np.isfinite(out).all(axis=1)] = np.nan
    return out


def guarded(func: Callable[..., np.ndarray], *arrays: np.ndarray, fill: object = None
            ) -> tuple[np.ndarray, dict[int, str]]:
    """``func(*arrays)``, and the GEOS error of each element it fails on (its result is
    ``fill``): one pathological geometry is a finding on it, not a crash of the rule."""
    with contextlib.suppress(shapely.errors.GEOSException):
        return func(*arrays), {}
    out = np.full(len(arrays[0]), fill, dtype=object)
    errors: dict[int, str] = {}
    for i in range(len(out)):
        try:
            out[i] = func(*(a[i] for a in arrays))
        except shapely.errors.GEOSException as exc:
            errors[i] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return (out.astype(bool) if isinstance(fill, bool) else out), errors


def farthest_outside(geom: shapely.Geometry, area: shapely.Geometry,
                     step: float) -> tuple[float, shapely.Geometry | None]:
    """How far (metres) ``geom`` strays outside ``area`` (prepared) at most, and where.

    The part outside is densified to ``step``, not to miss a maximum between two vertices.
    """
    try:
        outside = shapely.difference(geom, area)
    except shapely.errors.GEOSException:  # a mixed collection: measure all of it
        outside = geom
    if outside is None or outside.is_empty:
        return 0.0, None
    span = max(shapely.length(outside), np.sqrt(shapely.area(outside)))
    step = max(step, span / 10_000.0)  # keep the densified copy small
    dense = shapely.segmentize(outside, step)
    points = shapely.points(shapely.get_coordinates(dense))
    distance = shapely.distance(points, area)
    at = int(np.nanargmax(distance))
    return float(distance[at]), points[at]


def ward_boundary(ctx: Context) -> shapely.Geometry | None:
    """The ward boundary in EPSG:5899, valid and polygonal (a broken one repaired, as its
    union would fail or warn), or None."""
    if not ctx.has(BOUNDARY_LAYER):
        return None
    parts = polygonal(repaired(geometry_array(ctx, BOUNDARY_LAYER, metric=True)))
    boundary = polygonal(repaired(np.asarray([shapely.union_all(parts)], dtype=object)))[0]
    return boundary if boundary is not None and not boundary.is_empty else None


@rule("geometry-missing", severity="error", family=FAMILY, layers=(ANY_LAYER,),
      description="Every feature has a geometry (not null, not empty)")
def geometry_missing(ctx: Context) -> Iterator[Findings]:
    for name in ctx.layers:
        geoms = geometry_array(ctx, name)
        missing = shapely.is_missing(geoms)
        rows = (missing | shapely.is_empty(geoms)).nonzero()[0]
        if len(rows):
            yield ctx.flag("geometry-missing", name, rows,
                           np.where(missing[rows], "feature has a null geometry",
                                    "feature has an empty geometry"))


def _parse_reason(reason: str) -> tuple[str, tuple[float, float] | None]:
    """``"Self-intersection[106.5 21.0]"`` -> ``("Self-intersection", (106.5, 21.0))``."""
    match = _REASON.match(reason)
    if not match:
        return reason.strip(), None
    try:
        x, y = [float(v) for v in match.group("coords").split()][:2]
    except ValueError:  # not numbers, or fewer than two
        x = y = np.nan
    xy = (round(x, 7), round(y, 7)) if np.isfinite([x, y]).all() else None
    return match.group("text").strip(), xy


@rule("geometry-invalid", severity="error", family=FAMILY, layers=(ANY_LAYER,),
      description="Geometries are valid (OGC): no self-intersecting rings, too few points...")
def geometry_invalid(ctx: Context) -> Iterator[Findings]:
    for name in ctx.layers:
        present, valid = validity(ctx, name)
        rows = (present & ~valid).nonzero()[0]
        if not len(rows):
            continue
        reasons, errors = guarded(shapely.is_valid_reason, geometry_array(ctx, name)[rows],
                                  fill="")
        for i, error in errors.items():
            reasons[i] = f"could not be tested: {error}"
        parsed = [_parse_reason(r or "invalid geometry") for r in reasons]
        location = np.asarray([xy or (np.nan, np.nan) for _, xy in parsed], dtype=float)
        messages = [f"invalid geometry: {text}" + (f" at {xy[0]:.7f}, {xy[1]:.7f}" if xy else "")
                    for text, xy in parsed]
        yield ctx.flag("geometry-invalid", name, rows, messages, location=location)


#: vertices from which a line's crossing is looked for before GEOS tests the whole line
LONG_LINE_VERTICES = 10_000


def crossing_point(line: shapely.Geometry) -> tuple[float, float] | None:
    """A point where a line that is not simple meets itself, or None.

    Its segments are matched through an STRtree a few at a time (1, doubling up to
    4,096), stopping at the first two that are not neighbours and meet: a line with
    thousands of crossings is not noded whole (GEOS can take hours and fail on it)."""
    coords = shapely.get_coordinates(shapely.remove_repeated_points(line))
    count = len(coords) - 1
    if count < 2:
        return None
    segments = shapely.linestrings(np.stack([coords[:-1], coords[1:]], axis=1))
    closed = bool((coords[0] == coords[-1]).all())
    tree = shapely.STRtree(segments)
    start, size = 0, 1
    while start < count:
        stop = min(count, start + size)
        mine, other = tree.query(segments[start:stop], predicate="intersects")
        mine = mine + start
        apart = np.abs(mine - other) > 1
        if closed:
            apart &= ~((np.minimum(mine, other) == 0) & (np.maximum(mine, other) == count - 1))
        if apart.any():
            first = int(apart.nonzero()[0][0])
            meet = shapely.intersection(segments[mine[first]], segments[other[first]])
            x, y = shapely.get_coordinates(meet)[0]
            return (round(float(x), 7), round(float(y), 7))
        start, size = stop, min(size * 2, 4096)
    return None


@rule("line-self-crossing", severity="error", family=FAMILY, layers=(ANY_LAYER,),
      description="Lines do not cross or touch themselves (OGC validity does not check lines)",
      uses=("coordinates",))
def line_self_crossing(ctx: Context) -> Iterator[Findings]:
    for name in ctx.layers:
        types = type_ids(ctx, name)
        # the line parts of valid features (those of multi-part features are tested again)
        parts, owner = explode(geometry_array(ctx, name))
        lines = np.isin(shapely.get_type_id(parts), LINE_TYPES)
        parts, owner = parts[lines], owner[lines]
        whole = np.isin(types[owner], LINE_TYPES)
        valid = validity(ctx, name)[1][owner]
        valid[~whole] = guarded(shapely.is_valid, parts[~whole], fill=False)[0]
        parts, owner, whole = parts[valid], owner[valid], whole[valid]
        # a line that runs one way in x or in y is simple: GEOS tests only the others
        coords, vertex_owner = feature_coordinates(ctx, name)
        simple = whole & _monotone(coords, vertex_owner, len(types))[owner]
        bad = np.zeros(len(parts), dtype=bool)
        # a long scribble: its first crossing is found in a moment, where GEOS's is_simple
        # walks every crossing (78 s for a random 1,000,000-vertex line)
        found: dict[int, tuple[float, float]] = {}
        long_lines = ~simple & (shapely.get_num_coordinates(parts) > LONG_LINE_VERTICES)
        for part in long_lines.nonzero()[0]:
            try:
                point = crossing_point(parts[part])
            except shapely.errors.GEOSException:
                continue  # left to is_simple, which reports what GEOS says
            if point is not None:
                found[int(part)] = point
                simple[part] = bad[part] = True
        tested, errors = guarded(shapely.is_simple, parts[~simple], fill=False)
        bad[~simple] = ~tested.astype(bool)
        failed = {int(p): errors[i] for i, p in enumerate((~simple).nonzero()[0]) if i in errors}
        bad_parts = bad.nonzero()[0]
        # one finding per feature: its first part that is not simple
        rows, first = np.unique(owner[bad_parts], return_index=True)
        if not len(rows):
            continue
        location = np.full((len(rows), 2), np.nan)
        messages = []
        for i, part in enumerate(bad_parts[first].tolist()):
            if part in failed:
                messages.append(f"line could not be noded: {failed[part]}")
                continue
            try:
                point = found[part] if part in found else crossing_point(parts[part])
            except shapely.errors.GEOSException as exc:
                messages.append(f"line crosses or touches itself (could not be noded: {exc})")
                continue
            location[i] = point or (np.nan, np.nan)
            where = f" at {point[0]:.7f}, {point[1]:.7f}" if point is not None else ""
            messages.append(f"line crosses or touches itself{where}")
        yield ctx.flag("line-self-crossing", name, rows, messages, location=location)


#: a piece of line measures in metres at least this share of its length estimated from
#: degrees with :meth:`Context.metres_per_degree` (0.9999 and more in fact: the projection's
#: scale, the datum shift); candidates are screened in degrees with this margin
SCREEN_FACTOR = 0.5


def _close(coords: np.ndarray, owner: np.ndarray, limit: float,
           scale: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """Vertices followed by one of the same ``owner`` under ``limit`` m (``scale``: m/degree)."""
    step = np.diff(coords, axis=0)
    with np.errstate(invalid="ignore", over="ignore"):
        length = np.hypot(step[:, 0] * scale[0], step[:, 1] * scale[1])
    close = np.zeros(len(coords), dtype=bool)
    close[:-1] = (owner[1:] == owner[:-1]) & (length < limit)
    return close


@rule("repeated-vertex", severity="warning", family=FAMILY, layers=(ANY_LAYER,),
      description="No consecutive repeated vertices (zero-length segments)",
      uses=("coordinates",))
def repeated_vertex(ctx: Context) -> Iterator[Findings]:
    for name in ctx.layers:
        # cheap pass over each feature's coordinates (pairing the last vertex of a part with
        # the first of the next too), then an exact pass per ring and part, in metres
        scale = ctx.metres_per_degree(name)
        if scale is None:
            coords, owner = shapely.get_coordinates(
                finite(geometry_array(ctx, name, metric=True)), return_index=True)
            candidate = np.unique(owner[_close(coords, owner, REPEATED_VERTEX_M)])
        else:  # in degrees: every segment under the threshold in metres is kept
            coords, owner = feature_coordinates(ctx, name)
            candidate = np.unique(owner[_close(coords, owner, REPEATED_VERTEX_M / SCREEN_FACTOR,
                                               scale)])
        if not len(candidate):
            continue
        parts, owner = explode(finite(ctx.metric_at(name, candidate)))
        lines = np.isin(shapely.get_type_id(parts), LINE_TYPES)
        rings, ring_owner = shapely.get_rings(parts, return_index=True)
        # every line and polygon ring, and the feature of each
        owner = candidate[np.concatenate([owner[lines], owner[ring_owner]])]
        coords, part = shapely.get_coordinates(np.concatenate([parts[lines], rings]),
                                               return_index=True)
        close = _close(coords, part, REPEATED_VERTEX_M)
        feature, at = owner[part[close]], coords[close]
        if not len(feature):
            continue
        features, first, counts = np.unique(feature, return_index=True, return_counts=True)
        under = f"(zero-length segments, under {REPEATED_VERTEX_M * 1000:g} mm)"
        yield ctx.flag(
            "repeated-vertex", name, features,
            [f"{count} repeated {'vertex' if count == 1 else 'vertices'} {under}; "
             "remove the duplicates" for count in counts.tolist()],
            location=lonlat_array(at[first]))


@rule("road-too-short", severity="error", family=FAMILY, layers=(ROADS_LAYER,),
      description=f"Road segments are at least {WARD_RULES.min_road_length_m:g} m long")
def road_too_short(ctx: Context) -> Iterator[Findings]:
    limit = WARD_RULES.min_road_length_m
    scale = ctx.metres_per_degree(ROADS_LAYER)
    geoms = geometry_array(ctx, ROADS_LAYER)
    if scale is None:  # every road measured in metres
        candidate = np.arange(len(geoms))
        metric = finite(geometry_array(ctx, ROADS_LAYER, metric=True))
    else:  # screen in degrees, measure in metres the roads that may be too short
        estimate = shapely.length(geoms) * min(scale)  # NaN for null geometries
        candidate = (estimate * SCREEN_FACTOR < limit).nonzero()[0]
        metric = finite(ctx.metric_at(ROADS_LAYER, candidate))
    length = np.full(len(geoms), np.inf)
    length[candidate] = np.where(present_mask(metric), shapely.length(metric), np.inf)
    rows = (length < limit).nonzero()[0]
    if len(rows):
        yield ctx.flag("road-too-short", ROADS_LAYER, rows,
                       [f"road segment is {value:.2f} m long, shorter than {limit:g} m"
                        for value in length[rows].tolist()])


@rule("geometry-type", severity="error", family=FAMILY, layers=(ANY_LAYER,),
      description="Geometry types are those the layer allows (roads are lines...)")
def geometry_type(ctx: Context) -> Iterator[Findings]:
    if not ctx.layer_known:
        return
    for name in ctx.layers:
        allowed = layer_spec(name).geometry_types
        types = type_ids(ctx, name)
        allowed_ids = [k for k, type_name in _TYPE_NAMES.items() if type_name in allowed]
        rows = (validity(ctx, name)[0] & ~np.isin(types, allowed_ids)).nonzero()[0]
        if len(rows):
            allows = f"; layer {name!r} allows {', '.join(allowed)}"
            yield ctx.flag("geometry-type", name, rows,
                           [f"geometry is a {_TYPE_NAMES[t]}{allows}"
                            for t in types[rows].tolist()])


@rule("outside-ward", severity="error", family=FAMILY, layers=(BOUNDARY_LAYER,),
      description=f"Features lie inside the ward boundary (tolerance "
                  f"{WARD_RULES.outside_tolerance_m:g} m)")
def outside_ward(ctx: Context) -> Iterator[Findings | Issue]:
    boundary = ward_boundary(ctx)
    if boundary is None:
        return
    tolerance = WARD_RULES.outside_tolerance_m
    inside_zone = shapely.buffer(boundary, tolerance)
    shapely.prepare(inside_zone)
    shapely.prepare(boundary)
    # one vertex decides for a feature whose box meets no box of the zone's edges
    coords, ring = shapely.get_coordinates(shapely.get_parts(shapely.boundary(inside_zone)),
                                           return_index=True)
    segments = np.stack([coords[:-1], coords[1:]], axis=1)[ring[1:] == ring[:-1]]
    edges = shapely.STRtree(shapely.linestrings(segments))
    for name in ctx.layers:
        if name == BOUNDARY_LAYER:
            continue
        geoms = repaired(geometry_array(ctx, name, metric=True))
        where = present_mask(geoms).nonzero()[0]
        coords, owner = shapely.get_coordinates(geoms[where], return_index=True)
        first = np.searchsorted(owner, np.arange(len(where)))
        outside = ~shapely.contains_xy(inside_zone, *coords[first].T)
        near = np.unique(edges.query(geoms[where])[0])
        outside[near] = ~shapely.covered_by(geoms[where[near]], inside_zone)
        rows, messages, xy = [], [], []
        for index in where[outside].tolist():
            try:
                distance, point = farthest_outside(geoms[index], boundary, tolerance / 10)
            except shapely.errors.GEOSException as exc:  # one pathological geometry
                yield ctx.issue("outside-ward", f"could not be measured against the ward "
                                f"boundary: {exc}", layer=name, index=index)
                continue
            if distance <= tolerance:  # the densified maximum can fall just under
                continue
            rows.append(index)
            shown = f"{distance:,.2f}" if distance < 100 else f"{distance:,.0f}"
            messages.append(f"feature lies up to {shown} m outside the ward boundary "
                            f"(tolerance {tolerance:g} m)")
            xy.append(shapely.get_coordinates(point)[0])
        if rows:
            yield ctx.flag("outside-ward", name, rows, messages,
                           location=lonlat_array(np.asarray(xy, dtype=float)))
