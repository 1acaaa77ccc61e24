"""A line layer (roads, drainage) as a graph: line parts are edges between end-point nodes.

One builder for every engine.  End points within the snap tolerance share a node; an end
alone at its node on another part (a T-junction without a shared vertex) joins that part,
and the parts of one feature join each other.  Coordinates are metric (EPSG:5899); geometry
is only queried through a :class:`PartFinder`.

Examples
--------
>>> import shapely
>>> lines = shapely.linestrings([[[0, 0], [100, 0]], [[100, 0], [100, 50]],
...                              [[500, 0], [600, 0]]])
>>> net = build_network(lines, 0.01)
>>> net.isolated_features().nonzero()[0].tolist()
[2]
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import shapely

# at module level: the rule modules load while GDAL reads the layers (see
# ``validation.read_sources``), so these imports cost no time on the way to the findings
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..registry import WARD_RULES
from .rules import Context, trim_heap

__all__ = ["NETWORK", "PARTS", "Network", "PartFinder", "PartIndex", "build_network",
           "network_from_ends", "line_parts", "end_points", "snap_nodes", "layer_network",
           "layer_parts", "set_layer_network"]

#: kind of the :attr:`~kimson_geo.validation.rules.Context.cache` entries holding networks
NETWORK = "network"
#: kind of the entries holding a layer's line parts (a :class:`PartIndex`), which can be let
#: go while the network is still used
PARTS = "network-parts"
LINE_TYPES = (shapely.GeometryType.LINESTRING, shapely.GeometryType.LINEARRING)
_EMPTY = np.zeros(0, dtype=np.int64)
#: points made into geometries at a time when querying the parts (memory, not speed)
POINT_CHUNK = 65_536


class PartFinder(Protocol):
    """Answers which line parts lie near points (all the geometry a network needs)."""

    def pairs_within(self, xy: np.ndarray, distance: float, skip: np.ndarray, *,
                     exact: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every (point, part) within ``distance`` but (point ``i``, part ``skip[i]``), and
        their distance; ``exact`` False: every pair whose envelopes are that near (NaN)."""


class PartIndex:
    """A :class:`PartFinder` over line parts held in memory (an STRtree built on demand):
    ``STRtree.query(predicate="dwithin")``'s pairs, the skipped ones dropped before GEOS's
    distance test (a point is mostly an end of the part it skips)."""

    def __init__(self, parts: np.ndarray) -> None:
        self.parts = parts
        self._tree: shapely.STRtree | None = None

    def pairs_within(self, xy: np.ndarray, distance: float, skip: np.ndarray, *,
                     exact: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not len(xy) or not len(self.parts):
            return _EMPTY, _EMPTY, np.zeros(0)
        if self._tree is None:
            self._tree = shapely.STRtree(self.parts)
        found = []  # a chunk at a time: a million GEOS windows would take some 160 MB
        for at in range(0, len(xy), POINT_CHUNK):
            chunk = xy[at:at + POINT_CHUNK]
            # the window: a diagonal (the box's envelope, faster to make)
            point, part = self._tree.query(shapely.linestrings(
                np.stack([chunk - distance, chunk + distance], axis=1)))
            point += at
            kept = part != skip[point]
            point, part = point[kept], part[kept]
            if not exact:
                found.append((point, part, np.full(len(point), np.nan)))
                continue
            points = shapely.points(xy[point])
            shapely.prepare(points)
            near = shapely.dwithin(points, self.parts[part], distance)
            found.append((point[near], part[near],
                          shapely.distance(points[near], self.parts[part[near]])))
        point, part, gap = (np.concatenate(column) for column in zip(*found, strict=True))
        return point, part, gap


@dataclass(frozen=True)
class Network:
    """The graph of a line layer; parts are numbered in feature order."""

    owner: np.ndarray        #: feature index of each part
    start: np.ndarray        #: node of each part's first vertex
    end: np.ndarray          #: node of each part's last vertex
    start_xy: np.ndarray     #: (n, 2) metric first vertex of each part
    end_xy: np.ndarray       #: (n, 2) metric last vertex of each part
    degree: np.ndarray       #: part ends at each node
    #: ends alone at their node that touch another part's interior: the part, which end
    #: (0 start, 1 end) and the part it touches
    touch_part: np.ndarray
    touch_end: np.ndarray
    touch_other: np.ndarray
    component: np.ndarray          #: component of each part
    feature_component: np.ndarray  #: component of each feature, -1 without a line
    finder: PartFinder

    @property
    def n_parts(self) -> int:
        return len(self.owner)

    def end_xy_of(self, part: np.ndarray, which: np.ndarray) -> np.ndarray:
        """Metric position of end ``which`` (0 start, 1 end) of each ``part``."""
        return np.where(which[:, None] == 0, self.start_xy[part], self.end_xy[part])

    def free_ends(self) -> tuple[np.ndarray, np.ndarray]:
        """Ends alone at their node and touching no part: (part, which), by part, start first."""
        alone = self.degree[np.column_stack([self.start, self.end])] == 1
        alone[self.touch_part, self.touch_end] = False
        flat = alone.ravel().nonzero()[0]  # row-major: by part, the start first
        return flat // 2, flat % 2

    def component_sizes(self) -> tuple[np.ndarray, np.ndarray]:
        """Components holding a feature and their feature counts, largest (then lowest) first."""
        labels, sizes = np.unique(self.feature_component[self.feature_component >= 0],
                                  return_counts=True)
        order = np.argsort(-sizes, kind="stable")
        return labels[order], sizes[order]

    def isolated_features(self) -> np.ndarray:
        """Mask of the features whose lines are not in the largest component."""
        labels, _ = self.component_sizes()
        main = labels[0] if len(labels) else -1
        return (self.feature_component >= 0) & (self.feature_component != main)

    def nearest_other(self, part: np.ndarray, xy: np.ndarray,
                      radii: tuple[float, ...]) -> np.ndarray:
        """Distance from each point ``xy`` (an end of ``part``) to the nearest line of
        another feature; inf beyond the last of ``radii``.  The search widens radius by
        radius (a dense network would flood the first with pairs); after the first, the
        points no other feature comes near by envelope within the last are done."""
        gap = np.full(len(xy), np.inf)
        todo = np.arange(len(xy))
        for k, radius in enumerate(radii):
            if k == 1 and len(todo):
                point, other, _ = self.finder.pairs_within(xy[todo], radii[-1], part[todo],
                                                           exact=False)
                todo = todo[np.unique(point[self.owner[other] != self.owner[part[todo[point]]]])]
            if not len(todo):
                break
            point, other, distance = self.finder.pairs_within(xy[todo], radius, part[todo])
            foreign = self.owner[other] != self.owner[part[todo[point]]]
            np.minimum.at(gap, todo[point[foreign]], distance[foreign])
            todo = todo[~np.isfinite(gap[todo])]
        return gap


def present_mask(geoms: np.ndarray) -> np.ndarray:
    """True where a geometry is neither null nor empty."""
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def explode(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Single parts of the present geometries and the feature of each, in order (single
    parts pass as they are: ``shapely.get_parts`` copies them, slow on a million roads)."""
    where = present_mask(geoms).nonzero()[0]
    kept = geoms[where]
    multi = shapely.get_type_id(kept) >= shapely.GeometryType.MULTIPOINT
    if not multi.any():
        return kept, where
    parts, owner = shapely.get_parts(kept[multi], return_index=True)
    all_parts = np.concatenate([kept[~multi], parts])
    all_owner = np.concatenate([where[~multi], where[multi][owner]])
    order = np.argsort(all_owner, kind="stable")
    return all_parts[order], all_owner[order]


def line_parts(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The non-empty, finite line parts of ``lines`` (any geometries) and the feature of
    each, in feature order (other rules report what is left out)."""
    parts, owner = explode(lines)
    coords, index = shapely.get_coordinates(parts, return_index=True)
    keep = np.isin(shapely.get_type_id(parts), LINE_TYPES)
    keep &= np.bincount(index, minlength=len(parts)) > 0  # not an empty part
    keep[index[~np.isfinite(coords).all(axis=1)]] = False
    return parts[keep], owner[keep]


def end_points(parts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last vertex (2-D) of each non-empty line part."""
    coords, index = shapely.get_coordinates(parts, return_index=True)
    counts = np.bincount(index, minlength=len(parts))
    last = np.cumsum(counts) - 1
    return coords[last - counts + 1], coords[last]


def snap_nodes(xy: np.ndarray, tolerance_m: float) -> np.ndarray:
    """A node label for each point; points within ``tolerance_m`` of each other, directly
    or through others, share one.  Labels follow the sorted coordinates."""
    # each (x, y) as one complex number: np.unique(axis=0)'s order at a sixth of its cost
    pairs_of = np.ascontiguousarray(xy, dtype=np.float64).view(np.complex128).reshape(-1)
    unique_c, inverse = np.unique(pairs_of, return_inverse=True)
    unique = unique_c.view(np.float64).reshape(-1, 2)
    pairs = cKDTree(unique).query_pairs(tolerance_m, output_type="ndarray")
    if not len(pairs):
        return inverse
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])),
                       shape=(len(unique), len(unique)))
    return connected_components(graph, directed=False)[1][inverse]


def network_from_ends(owner: np.ndarray, start_xy: np.ndarray, end_xy: np.ndarray,
                      n_features: int, tolerance_m: float, finder: PartFinder) -> Network:
    """The network of line parts given by their owners and end points; ``finder`` locates
    the parts (for T-junctions)."""
    n = len(owner)
    nodes = snap_nodes(np.concatenate([start_xy, end_xy]), tolerance_m)
    start, end = nodes[:n], nodes[n:]
    degree = np.bincount(nodes)

    # ends alone at their node: does one lie on another part (the lowest-numbered one)?
    lone = (degree[nodes] == 1).nonzero()[0]
    lone_part, lone_end = lone % max(n, 1), lone // max(n, 1)
    point, other, _ = finder.pairs_within(np.concatenate([start_xy, end_xy])[lone],
                                          tolerance_m, lone_part)
    order = np.lexsort((other, point))
    point, first = np.unique(point[order], return_index=True)
    touch_part, touch_end, touch_other = lone_part[point], lone_end[point], other[order[first]]

    # edges: each part; each part to its feature's first part; each touching end
    first_part = np.zeros(n_features, dtype=np.int64)
    first_part[owner[::-1]] = np.arange(n)[::-1]
    touch_node = np.where(touch_end == 0, start[touch_part], end[touch_part])
    u = np.concatenate([start, start, touch_node])
    v = np.concatenate([end, start[first_part[owner]], start[touch_other]])
    graph = coo_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(len(degree), len(degree)))
    component = connected_components(graph, directed=False)[1][start]
    feature_component = np.full(n_features, -1, dtype=np.int64)
    feature_component[owner] = component
    return Network(owner, start, end, start_xy, end_xy, degree, touch_part, touch_end,
                   touch_other, component, feature_component, finder)


def build_network(lines_metric: np.ndarray, tolerance_m: float) -> Network:
    """The network of a layer's metric geometries (one per feature, any type)."""
    parts, owner = line_parts(np.asarray(lines_metric, dtype=object))
    return network_from_ends(owner, *end_points(parts), len(lines_metric), tolerance_m,
                             PartIndex(parts))


class _LayerParts:
    """:func:`layer_network`'s finder: :func:`layer_parts`, read again once released."""

    def __init__(self, ctx: Context, layer: str) -> None:
        self._ctx = weakref.ref(ctx)  # the context's cache holds the network: no cycle
        self._layer = layer

    def pairs_within(self, xy: np.ndarray, distance: float, skip: np.ndarray, *,
                     exact: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ctx = self._ctx()
        if ctx is None:
            raise RuntimeError("the validation context of this network is gone")
        return layer_parts(ctx, self._layer).pairs_within(xy, distance, skip, exact=exact)


def layer_parts(ctx: Context, layer: str) -> PartIndex:
    """The line parts of ``layer``, numbered as its network numbers them (cached)."""
    key = (PARTS, layer)
    if key not in ctx.cache:
        ctx.cache[key] = PartIndex(line_parts(np.asarray(ctx.metric(layer).array, dtype=object))[0])
    return ctx.cache[key]


def layer_network(ctx: Context, layer: str) -> Network:
    """The network of ``layer``, built once per validation and kept in ``ctx.cache``."""
    key = (NETWORK, layer)
    if key not in ctx.cache:
        net = build_network(ctx.metric(layer).array, WARD_RULES.snap_tolerance_m)
        ctx.cache[(PARTS, layer)] = net.finder
        ctx.cache[key] = replace(net, finder=_LayerParts(ctx, layer))
        trim_heap()  # what building it freed (GEOS points, coordinates): some 100 MB a million
    return ctx.cache[key]


def set_layer_network(ctx: Context, layer: str, net: Network) -> None:
    """Give ``ctx`` a network built elsewhere (the dask engine builds it from partitions)."""
    ctx.cache[(NETWORK, layer)] = net
