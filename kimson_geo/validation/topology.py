"""Topology rules, after the QGIS Topology Checker: overlaps, gaps, dangles, connectivity.

Networks (roads, drainage) are built once per layer and context: end points are grouped by
exact coordinates (a sort), then merged within ``WARD_RULES.snap_tolerance_m`` through a
spatial index; an end that touches another segment's interior (a T-junction without a
node) counts as connected.  Components come from a vectorised union-find.  Everything is
measured in EPSG:5899; nothing is O(n²) and Python loops run only over reported problems.
Only what is measured is transformed to EPSG:5899: the distinct end points, and the few
parts near an end alone at its node (found by their boxes in degrees).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from ..registry import (
    BOUNDARY_LAYER,
    CLUSTER_REF,
    CLUSTERS_LAYER,
    CULTURAL_HOUSES_LAYER,
    DEAD_END,
    DRAINAGE_LAYER,
    ENTERPRISES_LAYER,
    ID,
    KHU_LAYER,
    KHU_REF,
    OUTFALL,
    ROADS_LAYER,
    SPORTS_AREAS_LAYER,
    WARD_RULES,
    layer_spec,
)
from .geometry import (
    explode,
    farthest_outside,
    feature_coordinates,
    feature_locations,
    finite,
    geometry_array,
    lonlats,
    point_lonlat,
    polygonal,
    present_mask,
    repaired,
    type_ids,
    validity,
    ward_boundary,
)
from .issue import Issue
from .rules import Context, rule

FAMILY = "topology"

#: overlaps between khu smaller than this (m²) are rounding slivers
MIN_OVERLAP_M2 = 0.01
#: gaps between the khu and the boundary smaller than this (m²) are ignored
MIN_GAP_M2 = 0.5
#: how far (m) to look for the nearest road when reporting a dangle
DANGLE_SEARCH_M = 50.0
#: at most this many feature ids are named in one message
MAX_IDS_SHOWN = 5

_LINE_TYPES = (shapely.GeometryType.LINESTRING, shapely.GeometryType.LINEARRING)


# --------------------------------------------------------------------------- helpers

def _flag(ctx: Context, layer: str, field: str) -> np.ndarray:
    """Boolean array: the field is true (missing column or null -> False)."""
    frame = ctx.frame(layer)
    if field not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    series = frame[field]
    if pd.api.types.is_bool_dtype(series):
        return series.fillna(False).to_numpy(dtype=bool)
    return series.map(lambda v: v is True or v is np.True_).to_numpy(dtype=bool)


def _ids(ctx: Context, layer: str) -> np.ndarray:
    """The layer's ids as text (None where missing), as an object array."""
    frame = ctx.frame(layer)
    if ID not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    text = frame[ID].astype("string")
    return np.asarray(text.astype(object).where(text.notna(), None), dtype=object)


def _refs(ctx: Context, layer: str, field: str) -> np.ndarray:
    """A reference field as stripped text, None where empty."""
    frame = ctx.frame(layer)
    if field not in frame.columns:
        return np.full(len(frame), None, dtype=object)

    text = frame[field].astype("string").str.strip()
    text = text.mask(text == "")
    return np.asarray(text.astype(object).where(text.notna(), None), dtype=object)


def _name(ids: np.ndarray, index: int) -> str:
    """How a message names feature ``index``: its quoted id, or ``#index`` without one."""
    feature_id = ids[index]
    return repr(feature_id) if feature_id is not None else f"#{index}"


def _id_list(ids: np.ndarray, indices: np.ndarray) -> str:
    shown = ", ".join(_name(ids, int(i)) for i in indices[:MAX_IDS_SHOWN])
    more = len(indices) - MAX_IDS_SHOWN
    return shown + (f" and {more:,} more" if more > 0 else "")


def _m2(area: float) -> str:
    return f"{area:,.2f} m²"


def _m(distance: float) -> str:
    return f"{distance:,.2f} m" if distance < 100 else f"{distance:,.0f} m"


#: how messages name one feature of a layer
_NOUNS = {KHU_LAYER: "khu", CLUSTERS_LAYER: "cluster", CULTURAL_HOUSES_LAYER: "cultural house",
          SPORTS_AREAS_LAYER: "sports area", ENTERPRISES_LAYER: "enterprise"}


def _label(layer: str) -> str:
    """How a message names one feature of ``layer`` (``cultural house``)."""
    if layer in _NOUNS:
        return _NOUNS[layer]
    text = layer_spec(layer).label_en.lower()
    return text[:-1] if text.endswith("s") else text


def _groups(labels: np.ndarray, mask: np.ndarray) -> dict[int, np.ndarray]:
    """Indices where ``mask`` holds, grouped by label (sorted indices in each group)."""
    where = mask.nonzero()[0]
    if not len(where):
        return {}
    order = np.argsort(labels[where], kind="stable")
    where = where[order]
    keys, starts = np.unique(labels[where], return_index=True)
    return dict(zip(keys.tolist(), np.split(where, starts[1:]), strict=True))


def connected_components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Component label (the smallest node of the component) of each of ``n`` nodes.

    A vectorised union-find: roots hook onto the smaller root across every edge that still
    joins two trees, then pointers are jumped to the root; repeated until no edge does.
    """
    parent = np.arange(n, dtype=np.int64)
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    joins = u != v  # an edge from a node to itself joins nothing
    u, v = u[joins], v[joins]
    while len(u):
        pu, pv = parent[u], parent[v]
        crossing = pu != pv
        if not crossing.any():
            break
        pu, pv = pu[crossing], pv[crossing]
        low, high = np.minimum(pu, pv), np.maximum(pu, pv)
        np.minimum.at(parent, high, low)
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
        # every node now points at its root: the edge joins what its two old roots join
        u, v = low, high
    return parent


def _exact_groups(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group identical points: (group of each point, one point per group).

    Sorting a hash of the coordinates' bits is several times faster than a lexsort; equal
    points always share a hash, and the exact comparison splits any collision.
    """
    bits = np.ascontiguousarray(xy).view(np.uint64)
    key = bits[:, 0] * np.uint64(0x9E3779B97F4A7C15) ^ bits[:, 1]
    order = np.argsort(key)
    ordered = xy[order]
    new = np.ones(len(xy), dtype=bool)
    new[1:] = (key[order][1:] != key[order][:-1]) | np.any(ordered[1:] != ordered[:-1], axis=1)
    group = np.empty(len(xy), dtype=np.int64)
    group[order] = np.cumsum(new) - 1
    return group, ordered[new]


def _near_suspects(xy: np.ndarray, tolerance: float) -> np.ndarray:
    """Indices of the points that may have another point within ``tolerance``.

    Two points closer than ``tolerance`` on both axes share a cell of side 2 × tolerance in
    at least one of four grids shifted by half a cell; the others need no spatial index.
    Only the points with another within ``tolerance`` in x (a neighbour in x order) can.
    """
    if len(xy) > 1:
        order = np.argsort(xy[:, 0])
        close = np.diff(xy[order, 0]) <= tolerance
        near_x = np.zeros(len(xy), dtype=bool)
        near_x[order[1:][close]] = True
        near_x[order[:-1][close]] = True
        where = near_x.nonzero()[0]
        if len(where) < len(xy):
            return where[_near_suspects(xy[where], tolerance)] if len(where) > 1 \
                else where[:0]
    low = xy.min(axis=0)
    size = 2.0 * tolerance
    suspect = np.zeros(len(xy), dtype=bool)
    for shift in ((0.0, 0.0), (tolerance, 0.0), (0.0, tolerance), (tolerance, tolerance)):
        cells = np.floor((xy - low + shift) / size)
        if cells.max() >= 2**31:  # too wide an extent for one int64 key: check them all
            return np.arange(len(xy))
        cell = cells.astype(np.int64)
        key = (cell[:, 0] << 32) | cell[:, 1]
        order = np.argsort(key)
        same = key[order][1:] == key[order][:-1]
        suspect[order[1:][same]] = True
        suspect[order[:-1][same]] = True
    return suspect.nonzero()[0]


def _group_points(xy: np.ndarray, tolerance: float) -> np.ndarray:
    """A node label for each point; points within ``tolerance`` (transitively) share one."""
    if len(xy) == 0:
        return np.zeros(0, dtype=np.int64)
    return _merge_near(*_exact_groups(xy), tolerance)


def _distinct(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct points: (which distinct point each point is, the distinct points), in no
    particular order (a hash table of the coordinates' bits, checked exactly)."""
    bits = np.ascontiguousarray(xy).view(np.uint64)
    key = bits[:, 0] * np.uint64(0x9E3779B97F4A7C15) ^ bits[:, 1]
    codes, _ = pd.factorize(key)
    first = np.empty(int(codes.max()) + 1 if len(codes) else 0, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    unique = xy[first]
    if not np.array_equal(unique[codes], xy):  # two points share a hash: sort them
        return _exact_groups(xy)
    return codes.astype(np.int64, copy=False), unique


def _merge_near(exact: np.ndarray, unique: np.ndarray, tolerance: float) -> np.ndarray:
    """Node labels from :func:`_exact_groups` (``exact`` of each point, ``unique`` points):
    groups within ``tolerance`` of each other (transitively) merged."""
    if tolerance <= 0 or len(unique) < 2:
        return exact
    finite = np.isfinite(unique).all(axis=1).nonzero()[0]  # broken coordinates stay alone
    if len(finite) < 2:
        return exact
    suspects = finite[_near_suspects(unique[finite], tolerance)]
    if len(suspects) < 2:
        return exact
    points = shapely.points(unique[suspects])
    left, right = shapely.STRtree(points).query(points, predicate="dwithin",
                                                distance=tolerance)
    keep = left < right
    if not keep.any():
        return exact
    merged = connected_components(len(unique), suspects[left[keep]], suspects[right[keep]])
    _, compact = np.unique(merged, return_inverse=True)
    return compact[exact]


@dataclass
class Network:
    """A line layer as a graph: parts are edges between end-point nodes."""

    layer: str
    parts: np.ndarray          # metric line parts
    owner: np.ndarray          # feature index of each part
    start: np.ndarray          # node of each part's first vertex
    end: np.ndarray            # node of each part's last vertex
    start_xy: np.ndarray
    end_xy: np.ndarray
    degree: np.ndarray         # part ends at each node
    #: ends that touch another part's interior: (part, which end 0/1, other part)
    touch_part: np.ndarray
    touch_end: np.ndarray
    touch_other: np.ndarray
    component: np.ndarray      # component of each part
    feature_component: np.ndarray  # component of each feature, -1 without a line
    #: the parts' spatial index, or None when not needed
    tree: shapely.STRtree | None

    def end_xy_of(self, part: np.ndarray, which: np.ndarray) -> np.ndarray:
        return np.where(which[:, None] == 0, self.start_xy[part], self.end_xy[part])


_NETWORKS: dict[int, tuple[weakref.ref[Context], dict[str, Network]]] = {}


def network(ctx: Context, layer: str) -> Network:
    """The network of ``layer`` (cached for the lifetime of ``ctx``)."""
    key = id(ctx)
    entry = _NETWORKS.get(key)
    if entry is None or entry[0]() is not ctx:
        entry = (weakref.ref(ctx), {})
        _NETWORKS[key] = entry
        weakref.finalize(ctx, _NETWORKS.pop, key, None)
    cache = entry[1]
    if layer not in cache:
        cache[layer] = _build_network(ctx, layer)
    return cache[layer]



def assemble_network(layer: str, parts: np.ndarray, owner: np.ndarray, start: np.ndarray,
                     end: np.ndarray, start_xy: np.ndarray, end_xy: np.ndarray,
                     degree: np.ndarray, touch_part: np.ndarray, touch_end: np.ndarray,
                     touch_other: np.ndarray, n_features: int, n_nodes: int,
                     tree: shapely.STRtree | None,
                     *, single_parts: bool = False) -> Network:
    """The graph of a line layer from its parts' end nodes, and its components.

    Each part joins its two ends; the parts of one feature join each other (skipped when
    ``single_parts``: no feature has two); a lone end touching another part (a T-junction)
    joins that part.  Every network builder ends here.
    """
    n = len(owner)
    touch_node = np.where(touch_end == 0, start[touch_part], end[touch_part])
    if single_parts:
        u = np.concatenate([start, touch_node])
        v = np.concatenate([end, start[touch_other]])
    else:
        first_part = np.zeros(n_features, dtype=np.int64)
        first_part[owner[::-1]] = np.arange(n)[::-1]
        u = np.concatenate([start, start, touch_node])
        v = np.concatenate([end, start[first_part[owner]], start[touch_other]])
    labels = connected_components(n_nodes, u, v)
    component = labels[start]
    feature_component = np.full(n_features, -1, dtype=np.int64)
    feature_component[owner] = component
    return Network(layer, parts, owner, start, end, start_xy, end_xy, degree, touch_part,
                   touch_end, touch_other, component, feature_component, tree)

def _build_network(ctx: Context, layer: str) -> Network:
    scale = ctx.metres_per_degree(layer)
    if scale is not None:
        net = _build_network_from_degrees(ctx, layer, scale)
        if net is not None:
            return net
    return _build_network_in_metres(ctx, layer)


def _build_network_in_metres(ctx: Context, layer: str) -> Network:
    """The network, from the whole layer transformed to metres."""
    tolerance = WARD_RULES.snap_tolerance_m
    geoms = finite(geometry_array(ctx, layer, metric=True))
    parts, owner = explode(geoms)
    keep = np.isin(shapely.get_type_id(parts), _LINE_TYPES)
    keep[keep] = shapely.get_num_points(parts[keep]) > 0
    parts, owner = parts[keep], owner[keep]
    n = len(parts)

    coords, index = shapely.get_coordinates(parts, return_index=True)
    counts = np.bincount(index, minlength=n)
    last = np.cumsum(counts) - 1
    start_xy, end_xy = coords[last - counts + 1], coords[last]
    nodes = _group_points(np.concatenate([start_xy, end_xy]), tolerance)
    start, end = nodes[:n], nodes[n:]
    n_nodes = int(nodes.max()) + 1 if n else 0
    degree = np.bincount(nodes, minlength=n_nodes)

    # ends alone at their node: do they touch another part's interior?
    lone = (degree[nodes] == 1).nonzero()[0]
    tree = None
    touch_part = touch_end = touch_other = np.zeros(0, dtype=np.int64)
    if len(lone):
        tree = shapely.STRtree(parts)
        lone_part, lone_end = lone % n, lone // n
        lone_xy = np.where(lone_end[:, None] == 0, start_xy[lone_part], end_xy[lone_part])
        hit, other = tree.query(shapely.points(lone_xy), predicate="dwithin",
                                distance=tolerance)
        foreign = other != lone_part[hit]
        hit, other = hit[foreign], other[foreign]
        hit, first = np.unique(hit, return_index=True)
        touch_part, touch_end, touch_other = lone_part[hit], lone_end[hit], other[first]

    return assemble_network(layer, parts, owner, start, end, start_xy, end_xy, degree,
                            touch_part, touch_end, touch_other, len(geoms), n_nodes, tree)


#: how far (m) the metric image of a straight piece of line between two vertices may stray
#: from the straight line between them in degrees, at most, per m² of the piece's length
#: (a few 1e-8 in the area of one datum transformation; 1e-7 leaves a margin)
_BOW_PER_M2 = 1e-7
#: the widest search (degrees) worth screening in degrees: beyond, measure in metres
_MAX_SCREEN_DEG = 0.05


def _build_network_from_degrees(ctx: Context, layer: str, scale: tuple[float, float]
                                ) -> Network | None:
    """The network :func:`_build_network_in_metres` builds, with the same nodes, labels,
    end points and T-junctions, without transforming the whole layer to metres.

    The layer is exploded in degrees; only the distinct end points are transformed (the
    node labels, which order the components, come from their metric coordinates as in
    :func:`_group_points`); the parts near an end alone at its node are found by their
    boxes in degrees (with a margin that :meth:`Context.metres_per_degree` bounds) and only
    those are transformed and measured.  As in :mod:`kimson_geo.scale`, ``parts`` holds
    the metric parts the rules query (within the snap tolerance of a lone end, and, for
    roads, within ``DANGLE_SEARCH_M`` of a dangling end) and None for the others.

    None (build in metres) when the layer's lines are too long to screen by boxes in
    degrees, or when an end meets two parts or more (the part it is joined to is the first
    that a spatial index of every metric part returns).
    """
    tolerance = WARD_RULES.snap_tolerance_m
    wgs84 = geometry_array(ctx, layer)
    present, valid = validity(ctx, layer)
    types = type_ids(ctx, layer)
    # the features :func:`finite` drops in metres are those with non-finite coordinates,
    # in degrees as in metres (the transformation keeps finite positions finite there)
    geoms = finite(wgs84, (present, valid))
    if geoms is not wgs84:
        present = present & ~shapely.is_missing(geoms)
    single = not (types[present] >= shapely.GeometryType.MULTIPOINT).any()
    if single:  # the parts are the (non-empty) lines themselves
        owner = (present & np.isin(types, _LINE_TYPES)).nonzero()[0]
        parts = geoms[owner]
    else:
        parts, owner = explode(geoms)
        keep = np.isin(shapely.get_type_id(parts), _LINE_TYPES)
        keep[keep] = shapely.get_num_points(parts[keep]) > 0
        parts, owner = parts[keep], owner[keep]
    n = len(parts)
    bounds = shapely.bounds(parts)
    kx, ky = scale
    if n:
        longest = float(np.hypot((bounds[:, 2] - bounds[:, 0]) * kx,
                                 (bounds[:, 3] - bounds[:, 1]) * ky).max())
        if _BOW_PER_M2 * longest**2 / min(kx, ky) > _MAX_SCREEN_DEG:
            return None
    else:
        longest = 0.0
    bow = 0.5 + _BOW_PER_M2 * longest**2  # metres

    if single:  # first and last vertex of each line, from the layer's vertices
        coords, vertex_owner = feature_coordinates(ctx, layer)
        counts = np.bincount(vertex_owner, minlength=len(geoms))
        last = (np.cumsum(counts) - 1)[owner]
        counts = counts[owner]
    else:
        coords, index = shapely.get_coordinates(parts, return_index=True)
        counts = np.bincount(index, minlength=n)
        last = np.cumsum(counts) - 1
    ends_deg = np.concatenate([coords[last - counts + 1], coords[last]])
    which, distinct = _distinct(ends_deg)
    distinct_xy = ctx.metric_xy(layer, distinct)
    ends_xy = distinct_xy[which]
    start_xy, end_xy = ends_xy[:n], ends_xy[n:]
    if len(ends_xy):  # the labels _group_points(ends_xy) gives
        exact, unique = _exact_groups(distinct_xy)
        nodes = _merge_near(exact[which], unique, tolerance)
    else:
        nodes = np.zeros(0, dtype=np.int64)
    start, end = nodes[:n], nodes[n:]
    n_nodes = int(nodes.max()) + 1 if n else 0
    degree = np.bincount(nodes, minlength=n_nodes)

    lone = (degree[nodes] == 1).nonzero()[0]
    metric_parts = np.full(n, None, dtype=object)
    tree = None
    touch_part = touch_end = touch_other = np.zeros(0, dtype=np.int64)
    if len(lone):
        crs = ctx.frame(layer).geometry.crs
        lone_part, lone_end = lone % n, lone // n
        lone_xy = ends_xy[lone]
        dangles = layer == ROADS_LAYER
        reach = 2 * (DANGLE_SEARCH_M if dangles else tolerance) + bow
        near_lone, near_part = _box_pairs(ends_deg[lone], reach / kx, reach / ky, parts)
        # parts within the snap tolerance of a lone end, by their boxes, then measured
        close = ((2 * tolerance + bow) / kx, (2 * tolerance + bow) / ky)
        lone_deg = ends_deg[lone]
        inside = ((bounds[near_part, 0] - close[0] <= lone_deg[near_lone, 0])
                  & (lone_deg[near_lone, 0] <= bounds[near_part, 2] + close[0])
                  & (bounds[near_part, 1] - close[1] <= lone_deg[near_lone, 1])
                  & (lone_deg[near_lone, 1] <= bounds[near_part, 3] + close[1]))
        _fetch(metric_parts, parts, crs, near_lone[inside], near_part[inside], lone_xy,
               tolerance)
        tree = shapely.STRtree(metric_parts)
        hit, other = tree.query(shapely.points(lone_xy), predicate="dwithin",
                                distance=tolerance)
        foreign = other != lone_part[hit]
        hit, other = hit[foreign], other[foreign]
        hit, first = np.unique(hit, return_index=True)
        if len(first) < len(other):
            # an end meets two parts or more: the one it is joined to (and named) is the
            # first a spatial index of every part gives, which only the metric build has
            return None
        touch_part, touch_end, touch_other = lone_part[hit], lone_end[hit], other[first]
        if dangles:  # the parts road-dangle measures the gap to
            dangling = np.ones(len(lone), dtype=bool)
            dangling[hit] = False
            dangling &= ~_flag(ctx, layer, DEAD_END)[owner[lone_part]]
            if dangling.any():
                wanted = dangling[near_lone]
                _fetch(metric_parts, parts, crs, near_lone[wanted], near_part[wanted],
                       lone_xy, DANGLE_SEARCH_M)
                tree = shapely.STRtree(metric_parts)

    return assemble_network(layer, metric_parts, owner, start, end, start_xy, end_xy, degree,
                            touch_part, touch_end, touch_other, len(geoms), n_nodes, tree,
                            single_parts=single)


def _box_pairs(xy: np.ndarray, rx: float, ry: float,
               geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (point, geometry) whose box meets the box of half-sides ``rx``, ``ry``
    around the point (a small index over the few points, queried with every geometry)."""
    boxes = shapely.box(xy[:, 0] - rx, xy[:, 1] - ry, xy[:, 0] + rx, xy[:, 1] + ry)
    geom, point = shapely.STRtree(boxes).query(geoms)
    return point, geom


def _fetch(metric_parts: np.ndarray, parts: np.ndarray, crs: object, point: np.ndarray,
           part: np.ndarray, xy: np.ndarray, distance: float) -> None:
    """Put into ``metric_parts`` the parts (metric) within ``distance`` of their point,
    among the candidate pairs ``(point, part)``."""
    if not len(part):
        return
    wanted, slot = np.unique(part, return_inverse=True)
    metric = metric_parts[wanted].copy()
    todo = shapely.is_missing(metric)
    if todo.any():
        metric[todo] = _metric_lines(parts[wanted[todo]], crs)
    near = shapely.dwithin(metric[slot], shapely.points(xy[point]), distance)
    found = np.unique(slot[near])
    metric_parts[wanted[found]] = metric[found]


def _metric_lines(lines: np.ndarray, crs: object) -> np.ndarray:
    """2-D lines (or rings) in metres: the coordinates ``to_crs`` gives them, made into
    lines directly (``shapely.linestrings``, much quicker than replacing coordinates)."""
    from ..crs import to_metric_array, to_metric_xy

    coords, index = shapely.get_coordinates(lines, return_index=True)
    plain = (shapely.get_type_id(lines) == shapely.GeometryType.LINESTRING) \
        & (np.bincount(index, minlength=len(lines)) >= 2)
    if not plain.all():
        return to_metric_array(lines, crs)
    return shapely.linestrings(to_metric_xy(coords, crs), indices=index)


# ------------------------------------------------------------------------ polygons

@rule("khu-overlap", severity="error", family=FAMILY, layers=(KHU_LAYER,),
      description="Khu do not overlap one another")
def khu_overlap(ctx: Context) -> Iterator[Issue]:
    metric = ctx.metric(KHU_LAYER)
    geoms = polygonal(repaired(np.asarray(metric.array, dtype=object)))
    present = present_mask(geoms)
    where = present.nonzero()[0]
    if len(where) < 2:
        return
    tree = shapely.STRtree(geoms[where])
    left, right = tree.query(geoms[where], predicate="intersects")
    keep = left < right
    left, right = where[left[keep]], where[right[keep]]
    overlap = shapely.intersection(geoms[left], geoms[right])
    area = shapely.area(overlap)
    ids = _ids(ctx, KHU_LAYER)
    for k in (area >= MIN_OVERLAP_M2).nonzero()[0]:
        i, j = int(left[k]), int(right[k])
        yield ctx.issue("khu-overlap",
                        f"khu {_name(ids, i)} overlaps khu {_name(ids, j)} by {_m2(area[k])}",
                        layer=KHU_LAYER, index=i, location=point_lonlat(overlap[k]))


@rule("khu-gap", severity="error", family=FAMILY, layers=(KHU_LAYER, BOUNDARY_LAYER),
      description="The khu cover the ward boundary with no gaps and do not extend beyond it")
def khu_gap(ctx: Context) -> Iterator[Issue]:
    boundary = ward_boundary(ctx)
    if boundary is None:
        return
    geoms = polygonal(repaired(np.asarray(ctx.metric(KHU_LAYER).array, dtype=object)))
    present = present_mask(geoms)
    covered = shapely.union_all(geoms[present])
    gaps = shapely.get_parts(shapely.difference(boundary, covered))
    gap_area = shapely.area(gaps)
    for k in np.argsort(-gap_area, kind="stable"):
        if gap_area[k] < MIN_GAP_M2:
            break
        yield ctx.issue("khu-gap",
                        f"{_m2(gap_area[k])} of the ward is not covered by any khu",
                        layer=KHU_LAYER, location=point_lonlat(gaps[k]))
    beyond = np.full(len(geoms), None, dtype=object)
    beyond[present] = shapely.difference(geoms[present], boundary)
    beyond_area = np.zeros(len(geoms))
    beyond_area[present] = shapely.area(beyond[present])
    for index in (beyond_area >= MIN_GAP_M2).nonzero()[0]:
        pieces = shapely.get_parts(beyond[index])
        largest = pieces[int(np.argmax(shapely.area(pieces)))]
        yield ctx.issue("khu-gap",
                        f"khu extends {_m2(beyond_area[index])} beyond the ward boundary",
                        layer=KHU_LAYER, index=int(index), location=point_lonlat(largest))


# ------------------------------------------------------------------------- networks

@rule("road-dangle", severity="error", family=FAMILY, layers=(ROADS_LAYER,),
      description="Road ends meet another road unless the segment is marked dead_end")
def road_dangle(ctx: Context) -> Iterator[Issue]:
    net = network(ctx, ROADS_LAYER)
    if not len(net.parts):
        return
    ends = np.concatenate([net.start, net.end])
    lone = net.degree[ends] == 1
    n = len(net.parts)
    if len(net.touch_part):
        lone[net.touch_part + n * net.touch_end] = False
    lone &= ~np.tile(_flag(ctx, ROADS_LAYER, DEAD_END)[net.owner], 2)
    flat = lone.nonzero()[0]
    if not len(flat):
        return
    part, which = flat % n, flat // n
    xy = net.end_xy_of(part, which)
    gap = _nearest_other(net, part, xy)
    tol = WARD_RULES.snap_tolerance_m
    order = np.argsort(net.owner[part] * 2 + which, kind="stable")
    for k, location in zip(order, lonlats(xy[order]), strict=True):
        nearest = (f"nearest other road {_m(gap[k])} away" if np.isfinite(gap[k])
                   else f"no other road within {DANGLE_SEARCH_M:g} m")
        side = "start" if which[k] == 0 else "end"
        yield ctx.issue("road-dangle",
                        f"road {side} meets no other road within {tol:g} m ({nearest}); "
                        f"snap it to the road it meets or set {DEAD_END} = true",
                        layer=ROADS_LAYER, index=int(net.owner[part[k]]), location=location)


def _nearest_other(net: Network, part: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Distance from each end ``xy`` (of ``part``) to the nearest other feature's line.

    The search radius grows step by step up to DANGLE_SEARCH_M, so that dense networks
    do not produce a flood of candidate pairs; inf where nothing is that close.
    """
    gap = np.full(len(xy), np.inf)
    if net.tree is None or not len(xy):
        return gap
    points = shapely.points(xy)
    todo = np.arange(len(xy))
    for radius in (1.0, 5.0, 25.0, DANGLE_SEARCH_M):
        hit, other = net.tree.query(points[todo], predicate="dwithin", distance=radius)
        foreign = net.owner[other] != net.owner[part[todo[hit]]]
        hit, other = todo[hit[foreign]], other[foreign]
        if len(hit):
            np.minimum.at(gap, hit, shapely.distance(points[hit], net.parts[other]))
        todo = todo[~np.isfinite(gap[todo])]
        if not len(todo):
            break
    return gap


@rule("road-undernoded", severity="warning", family=FAMILY, layers=(ROADS_LAYER,),
      description="Road ends that meet another road mid-segment share a vertex (a node) there")
def road_undernoded(ctx: Context) -> Iterator[Issue]:
    net = network(ctx, ROADS_LAYER)
    order = np.argsort(net.owner[net.touch_part] * 2 + net.touch_end, kind="stable")
    xy = net.end_xy_of(net.touch_part[order], net.touch_end[order])
    ids = _ids(ctx, ROADS_LAYER) if len(order) else np.zeros(0, dtype=object)
    for k, location in zip(order, lonlats(xy), strict=True):
        part, other = int(net.touch_part[k]), int(net.touch_other[k])
        side = "start" if net.touch_end[k] == 0 else "end"
        yield ctx.issue("road-undernoded",
                        f"road {side} meets road {_name(ids, int(net.owner[other]))}"
                        f" mid-segment with no shared vertex; split that road there",
                        layer=ROADS_LAYER, index=int(net.owner[part]), location=location)


@rule("road-isolated", severity="error", family=FAMILY, layers=(ROADS_LAYER,),
      description="The road network is one connected whole")
def road_isolated(ctx: Context) -> Iterator[Issue]:
    net = network(ctx, ROADS_LAYER)
    features = net.feature_component >= 0
    if not features.any():
        return
    labels, sizes = np.unique(net.feature_component[features], return_counts=True)
    if len(labels) < 2:
        return
    main = labels[int(np.argmax(sizes))]
    size_of = dict(zip(labels.tolist(), sizes.tolist(), strict=True))
    main_size = size_of[int(main)]
    cut = (features & (net.feature_component != main)).nonzero()[0]
    locations = feature_locations(ctx, ROADS_LAYER, cut)
    for index, location in zip(cut, locations, strict=True):
        size = size_of[int(net.feature_component[index])]
        yield ctx.issue("road-isolated",
                        f"road is not connected to the main network ({main_size:,} segments);"
                        f" its own piece has {size:,} segment{'s' if size != 1 else ''}",
                        layer=ROADS_LAYER, index=int(index), location=location)


@rule("drainage-no-outfall", severity="error", family=FAMILY, layers=(DRAINAGE_LAYER,),
      description="Every connected drainage network has a segment marked outfall")
def drainage_no_outfall(ctx: Context) -> Iterator[Issue]:
    net = network(ctx, DRAINAGE_LAYER)
    if not len(net.parts):
        return
    comp = net.feature_component
    has_line = comp >= 0
    outfall = _flag(ctx, DRAINAGE_LAYER, OUTFALL) & has_line
    drained = np.unique(comp[outfall])
    dry = has_line & ~np.isin(comp, drained)
    if not dry.any():
        return
    # sinks: nodes where a part ends, no part starts and no end touches another part
    starts = np.zeros(len(net.degree), dtype=bool)
    starts[net.start] = True
    flows_on = np.zeros(len(net.parts), dtype=bool)
    flows_on[net.touch_part[net.touch_end == 1]] = True
    sink_part = ~starts[net.end] & ~flows_on
    # group features and parts of the dry components by sorting, not by a scan per component
    members_of = _groups(comp, dry)
    ids = _ids(ctx, DRAINAGE_LAYER)
    parts_of = _groups(net.component, np.isin(net.component, list(members_of)))
    outlets = np.empty(len(members_of), dtype=np.int64)
    for k, label in enumerate(members_of):
        in_comp = parts_of[label]
        candidates = in_comp[sink_part[in_comp]]
        if len(candidates):  # the sink most parts drain into
            outlets[k] = candidates[int(np.argmax(net.degree[net.end[candidates]]))]
        else:  # a loop: any end will do
            outlets[k] = in_comp[-1]
    locations = lonlats(net.end_xy[outlets])
    for members, outlet, location in zip(members_of.values(), outlets, locations, strict=True):
        count = len(members)
        noun = "segment" if count == 1 else "segments"
        yield ctx.issue("drainage-no-outfall",
                        f"drainage network of {count:,} {noun} ({_id_list(ids, members)}) has "
                        f"no segment with {OUTFALL} = true",
                        layer=DRAINAGE_LAYER, index=int(net.owner[outlet]), location=location)


# ------------------------------------------------------------------ containment

def _containment(ctx: Context, rule_id: str, layer: str, ref_field: str, area_layer: str,
                 *, must_be_in_one: bool) -> Iterator[Issue]:
    """Features of ``layer`` must lie in the ``area_layer`` feature their ``ref_field`` names
    (and, with ``must_be_in_one``, in some ``area_layer`` feature when they name none)."""
    tol = WARD_RULES.snap_tolerance_m
    areas = polygonal(repaired(np.asarray(ctx.metric(area_layer).array, dtype=object)))
    area_ids = _ids(ctx, area_layer)
    area_ok = present_mask(areas)
    by_id: dict[str, int] = {}
    for i in area_ok.nonzero()[0]:
        if area_ids[i] is not None:
            by_id.setdefault(area_ids[i], int(i))
    geoms = repaired(np.asarray(ctx.metric(layer).array, dtype=object))
    present = present_mask(geoms)
    refs = _refs(ctx, layer, ref_field)
    named = present & pd.notna(refs)
    target = np.full(len(geoms), -1, dtype=np.int64)
    target[named] = pd.Series(refs[named], dtype=object).map(by_id).fillna(-1).to_numpy(
        dtype=np.int64)
    unknown = named & (target < 0)
    area_noun, noun = _label(area_layer), _label(layer)
    known_ids = ", ".join(sorted(by_id)) or "none"
    for index in unknown.nonzero()[0]:
        yield ctx.issue(rule_id, f"{noun} names {area_noun} {refs[index]!r} in {ref_field!r}, "
                        f"which does not exist (known: {known_ids})",
                        layer=layer, index=int(index), field=ref_field)

    zones = shapely.buffer(areas, tol)
    shapely.prepare(zones)
    checked = named & (target >= 0)
    outside = np.zeros(len(geoms), dtype=bool)
    if checked.any():
        outside[checked] = ~shapely.covered_by(geoms[checked], zones[target[checked]])
    loose = present & ~named
    anywhere = None
    if must_be_in_one and loose.any() and area_ok.any():
        anywhere = shapely.union_all(areas[area_ok])
        zone = shapely.buffer(anywhere, tol)
        shapely.prepare(zone)
        outside[loose] = ~shapely.covered_by(geoms[loose], zone)
    elif must_be_in_one and loose.any():
        outside |= loose

    tree = shapely.STRtree(areas[area_ok]) if area_ok.any() else None
    ok_index = area_ok.nonzero()[0]
    for index in outside.nonzero()[0]:
        geom = geoms[index]
        if target[index] >= 0:
            area = areas[target[index]]
            distance, _ = farthest_outside(geom, area, max(tol, 0.5))
            if distance <= tol:
                continue
            what = (f"{noun} names {area_noun} {refs[index]!r} but lies up to {_m(distance)} "
                    f"outside it")
        elif anywhere is not None:
            distance, _ = farthest_outside(geom, anywhere, max(tol, 0.5))
            if distance <= tol:
                continue
            what = f"{noun} lies {_m(distance)} outside every {area_noun}"
        else:
            what = f"{noun} lies outside every {area_noun} (there are none)"
        if tree is not None:
            inside = ok_index[tree.query(shapely.point_on_surface(geom), predicate="intersects")]
            inside = inside[inside != target[index]]
            if len(inside):
                what += f" (it is in {area_noun} {_name(area_ids, int(inside[0]))})"
        yield ctx.issue(rule_id, what, layer=layer, index=int(index),
                        field=ref_field if target[index] >= 0 else None)


@rule("service-outside-khu", severity="error", family=FAMILY, layers=(KHU_LAYER,),
      description="Cultural houses and sports areas lie in the khu their 'khu' field names")
def service_outside_khu(ctx: Context) -> Iterator[Issue]:
    for layer in WARD_RULES.khu_service_layers:
        if ctx.has(layer) and KHU_REF in ctx.frame(layer).columns:
            yield from _containment(ctx, "service-outside-khu", layer, KHU_REF, KHU_LAYER,
                                    must_be_in_one=False)


@rule("enterprise-outside-cluster", severity="warning", family=FAMILY,
      layers=(ENTERPRISES_LAYER, CLUSTERS_LAYER),
      description="Enterprises lie in a cluster, and in the one their 'cluster' field names")
def enterprise_outside_cluster(ctx: Context) -> Iterator[Issue]:
    yield from _containment(ctx, "enterprise-outside-cluster", ENTERPRISES_LAYER, CLUSTER_REF,
                            CLUSTERS_LAYER, must_be_in_one=True)
