"""Topology rules, after the QGIS Topology Checker: overlaps, gaps, dangles, connectivity.

Measured in EPSG:5899; road and drainage rules read one :mod:`.network` per layer.  What
GEOS cannot do on a broken geometry becomes a finding on that feature, never a crash.
"""

from __future__ import annotations

from collections.abc import Iterator

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
)
from .geometry import (
    farthest_outside,
    guarded,
    lonlat_array,
    polygonal,
    present_mask,
    repaired,
    ward_boundary,
)
from .issue import Findings, Issue, shared_messages
from .network import NETWORK, PARTS, layer_network
from .rules import METRIC, Context, rule

FAMILY = "topology"

#: overlaps between khu smaller than this (m²) are rounding slivers
MIN_OVERLAP_M2 = 0.01
#: gaps between the khu and the boundary smaller than this (m²) are ignored
MIN_GAP_M2 = 0.5
#: how far (m) to look for the nearest road when reporting a dangle
DANGLE_SEARCH_M = 50.0
#: the search for the nearest road widens through these radii (m)
DANGLE_RADII = (1.0, 5.0, 25.0, DANGLE_SEARCH_M)
#: at most this many feature ids are named in one message
MAX_IDS_SHOWN = 5
#: how a message names one feature of a layer
_NOUNS = {KHU_LAYER: "khu", CLUSTERS_LAYER: "cluster", CULTURAL_HOUSES_LAYER: "cultural house",
          SPORTS_AREAS_LAYER: "sports area", ENTERPRISES_LAYER: "enterprise"}

Found = Iterator[Findings | Issue]


def _true(ctx: Context, layer: str, field: str) -> np.ndarray:
    """Where the flag ``field`` is true (null or anything but a boolean -> False)."""
    series = ctx.frame(layer)[field]
    if pd.api.types.is_bool_dtype(series):
        return series.fillna(False).to_numpy(dtype=bool)
    return np.fromiter((v is True or v is np.True_ for v in series.to_numpy(dtype=object)),
                       dtype=bool, count=len(series))


def _text(ctx: Context, layer: str, field: str) -> np.ndarray:
    """A text field, stripped, as an object array (None where missing, empty or absent)."""
    frame = ctx.frame(layer)
    if field not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    text = frame[field].astype("string").str.strip()
    return text.mask(text == "").to_numpy(dtype=object, na_value=None)


def _names(ids: np.ndarray, rows: np.ndarray) -> list[str]:
    """How messages name features ``rows``: the quoted id, or ``#row`` without one."""
    return [repr(ids[i]) if ids[i] is not None else f"#{i}" for i in rows.tolist()]


def _id_list(ids: np.ndarray, rows: np.ndarray) -> str:
    shown = ", ".join(_names(ids, rows[:MAX_IDS_SHOWN]))
    more = len(rows) - MAX_IDS_SHOWN
    return shown + (f" and {more:,} more" if more > 0 else "")


def _m(distance: float) -> str:
    return f"{distance:,.2f} m" if distance < 100 else f"{distance:,.0f} m"


def _point_xy(geoms: np.ndarray) -> np.ndarray:
    """A metric point on each geometry, ``(n, 2)`` (NaN where there is none)."""
    xy = np.full((len(geoms), 2), np.nan)
    coords, owner = shapely.get_coordinates(guarded(shapely.point_on_surface, geoms)[0],
                                            return_index=True)
    xy[owner] = coords
    return xy


#: what a finding says about a geometry GEOS cannot process
NODING = "could not be noded"


def _noding_failures(ctx: Context, rule_id: str, layer: str, rows: np.ndarray,
                     errors: dict[int, str]) -> Found:
    """A finding on each feature GEOS could not process."""
    if errors:
        yield ctx.flag(rule_id, layer, rows[list(errors)],
                       [f"geometry {NODING} ({text}); repair it and check again"
                        for text in errors.values()])


def _areas(ctx: Context, layer: str) -> np.ndarray:
    """The layer's polygons in EPSG:5899, repaired (None where none, or GEOS fails)."""
    geoms = np.asarray(ctx.metric(layer).array, dtype=object)
    return guarded(lambda g: polygonal(repaired(np.atleast_1d(g))), geoms)[0]


@rule("khu-overlap", severity="error", family=FAMILY, layers=(KHU_LAYER,),
      description="Khu do not overlap one another",
      uses=(METRIC,))
def khu_overlap(ctx: Context) -> Found:
    geoms = _areas(ctx, KHU_LAYER)  # STRtree neither indexes nor queries nulls and empties
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    overlap, errors = guarded(shapely.intersection, geoms[left], geoms[right])
    yield from _noding_failures(ctx, "khu-overlap", KHU_LAYER, left, errors)
    area = shapely.area(overlap)  # NaN where GEOS failed
    big = (area >= MIN_OVERLAP_M2).nonzero()[0]
    if not len(big):
        return
    ids = _text(ctx, KHU_LAYER, ID)
    messages = [f"khu {a} overlaps khu {b} by {s:,.2f} m²" for a, b, s in zip(
        _names(ids, left[big]), _names(ids, right[big]), area[big].tolist(), strict=True)]
    yield ctx.flag("khu-overlap", KHU_LAYER, left[big], messages,
                   location=lonlat_array(_point_xy(overlap[big])))


@rule("khu-gap", severity="error", family=FAMILY, layers=(KHU_LAYER, BOUNDARY_LAYER),
      description="The khu cover the ward boundary with no gaps and do not extend beyond it",
      uses=(METRIC,))
def khu_gap(ctx: Context) -> Found:
    boundary = ward_boundary(ctx)
    if boundary is None:
        return
    geoms = _areas(ctx, KHU_LAYER)  # nulls and empties: nothing to add, nothing beyond
    try:
        gaps = shapely.get_parts(shapely.difference(boundary, shapely.union_all(geoms)))
    except shapely.errors.GEOSException as exc:
        yield ctx.issue("khu-gap", f"the khu cover {NODING} ({exc}); repair the khu and "
                        "check again", layer=KHU_LAYER)
        gaps = np.zeros(0, dtype=object)
    gap_area = shapely.area(gaps)
    for k in np.argsort(-gap_area, kind="stable"):
        if gap_area[k] < MIN_GAP_M2:
            break
        lon, lat = lonlat_array(_point_xy(gaps[k:k + 1]))[0].tolist()
        yield ctx.issue("khu-gap", f"{gap_area[k]:,.2f} m² of the ward is not covered by any khu",
                        layer=KHU_LAYER, location=None if lon != lon else (lon, lat))
    beyond, errors = guarded(shapely.difference, geoms, np.full(len(geoms), boundary))
    yield from _noding_failures(ctx, "khu-gap", KHU_LAYER, np.arange(len(geoms)), errors)
    area = shapely.area(beyond)
    out = (area >= MIN_GAP_M2).nonzero()[0]
    if not len(out):
        return
    pieces = [shapely.get_parts(piece) for piece in beyond[out]]  # the largest shows where
    largest = np.asarray([p[np.argmax(shapely.area(p))] for p in pieces], dtype=object)
    yield ctx.flag("khu-gap", KHU_LAYER, out,
                   [f"khu extends {a:,.2f} m² beyond the ward boundary"
                    for a in area[out].tolist()],
                   location=lonlat_array(_point_xy(largest)))


@rule("road-dangle", severity="error", family=FAMILY, layers=(ROADS_LAYER,),
      description="Road ends meet another road unless the segment is marked dead_end "
                  "(roads cut off from the network are reported by road-isolated)",
      uses=(METRIC, NETWORK, PARTS))
def road_dangle(ctx: Context) -> Found:
    if missing := ctx.missing(ROADS_LAYER, DEAD_END):
        yield ctx.skipped("road-dangle", ROADS_LAYER, missing)
        return
    net = layer_network(ctx, ROADS_LAYER)
    # free ends not marked dead ends, on roads of the main network (road-isolated: the others)
    part, which = net.free_ends()
    feature = net.owner[part]
    keep = ~_true(ctx, ROADS_LAYER, DEAD_END)[feature] & ~net.isolated_features()[feature]
    part, which = part[keep], which[keep]
    if not len(part):
        return
    xy = net.end_xy_of(part, which)
    gap = net.nearest_other(part, xy, DANGLE_RADII)
    tol = WARD_RULES.snap_tolerance_m

    def text(i: int) -> str:
        near = (f"nearest other road {_m(gap[i])} away" if gap[i] != np.inf
                else f"no other road within {DANGLE_SEARCH_M:g} m")
        return (f"road {'start' if which[i] == 0 else 'end'} meets no other road within "
                f"{tol:g} m ({near}); snap it to the road it meets or set {DEAD_END} = true")

    # one message per (end, gap); the sign tells the ends apart (gap > 0 at a free end)
    messages = shared_messages(np.where(which == 0, gap, -gap), text)
    yield ctx.flag("road-dangle", ROADS_LAYER, net.owner[part], messages,
                   location=lonlat_array(xy))


@rule("road-undernoded", severity="warning", family=FAMILY, layers=(ROADS_LAYER,),
      description="Road ends that meet another road mid-segment share a vertex (a node) there",
      uses=(METRIC, NETWORK, PARTS))
def road_undernoded(ctx: Context) -> Found:
    net = layer_network(ctx, ROADS_LAYER)
    if not len(net.touch_part):
        return
    order = np.lexsort((net.touch_end, net.owner[net.touch_part]))
    part, which = net.touch_part[order], net.touch_end[order]
    names = _names(_text(ctx, ROADS_LAYER, ID), net.owner[net.touch_other[order]])
    messages = [f"road {'start' if w == 0 else 'end'} meets road {name} mid-segment with no "
                f"shared vertex; split that road there"
                for w, name in zip(which.tolist(), names, strict=True)]
    yield ctx.flag("road-undernoded", ROADS_LAYER, net.owner[part], messages,
                   location=lonlat_array(net.end_xy_of(part, which)))


@rule("road-isolated", severity="error", family=FAMILY, layers=(ROADS_LAYER,),
      description="The road network is one connected whole",
      uses=(METRIC, NETWORK, PARTS))
def road_isolated(ctx: Context) -> Found:
    net = layer_network(ctx, ROADS_LAYER)
    cut = net.isolated_features().nonzero()[0]
    if not len(cut):
        return
    labels, sizes = net.component_sizes()
    size = pd.Series(sizes, index=labels)[net.feature_component[cut]].to_numpy()
    main = f"road is not connected to the main network ({sizes[0]:,} segments);"
    messages = shared_messages(size, lambda i: f"{main} its own piece has {size[i]:,} "
                               f"segment{'s' if size[i] != 1 else ''}")
    yield ctx.flag("road-isolated", ROADS_LAYER, cut, messages)


@rule("drainage-no-outfall", severity="error", family=FAMILY, layers=(DRAINAGE_LAYER,),
      description="Every connected drainage network has a segment marked outfall",
      uses=(METRIC, NETWORK, PARTS))
def drainage_no_outfall(ctx: Context) -> Found:
    if missing := ctx.missing(DRAINAGE_LAYER, OUTFALL):
        yield ctx.skipped("drainage-no-outfall", DRAINAGE_LAYER, missing)
        return
    net = layer_network(ctx, DRAINAGE_LAYER)
    comp = net.feature_component
    dry = (comp >= 0) & ~np.isin(comp, comp[_true(ctx, DRAINAGE_LAYER, OUTFALL)])
    if not dry.any():
        return
    where = dry.nonzero()[0]
    members = [where[v] for v in pd.Series(where).groupby(comp[where]).indices.values()]
    # each dry network's outlet: the sink most parts drain into (the first such part), or in
    # a loop its last part; sinks: nodes where a part ends, none starts, no end touches a part
    sink = ~np.isin(net.end, net.start)
    sink[net.touch_part[net.touch_end == 1]] = False
    part = np.isin(net.component, comp[dry]).nonzero()[0]
    rank = np.where(sink[part], net.degree[net.end[part]], 0)
    order = np.lexsort((np.where(sink[part], part, -part), -rank, net.component[part]))
    outlets = part[order][np.unique(net.component[part[order]], return_index=True)[1]]
    ids = _text(ctx, DRAINAGE_LAYER, ID)
    messages = [f"drainage network of {len(m):,} segment{'s' if len(m) != 1 else ''} "
                f"({_id_list(ids, m)}) has no segment with {OUTFALL} = true"
                for m in members]
    yield ctx.flag("drainage-no-outfall", DRAINAGE_LAYER, net.owner[outlets], messages,
                   location=lonlat_array(net.end_xy[outlets]))


def _containment(ctx: Context, rule_id: str, layer: str, ref_field: str, area_layer: str,
                 *, must_be_in_one: bool) -> Found:
    """``layer`` lies in the area its ``ref_field`` names (or in any, ``must_be_in_one``)."""
    if missing := ctx.missing(layer, ref_field):
        yield ctx.skipped(rule_id, layer, missing)
        return
    tol = WARD_RULES.snap_tolerance_m
    areas = _areas(ctx, area_layer)
    area_ids = _text(ctx, area_layer, ID)
    area_ok = present_mask(areas)
    known = pd.Series(area_ok.nonzero()[0], index=area_ids[area_ok])
    known = known[known.index.notna() & ~known.index.duplicated()]
    geoms = np.asarray(ctx.metric(layer).array, dtype=object)
    present = present_mask(geoms)
    refs = _text(ctx, layer, ref_field)
    named = present & pd.notna(refs)
    target = np.where(named, pd.Series(refs, dtype=object).map(known).fillna(-1), -1).astype(
        np.int64)
    unknown = (named & (target < 0)).nonzero()[0]
    area_noun, noun = _NOUNS[area_layer], _NOUNS[layer]
    if len(unknown):
        known_ids = ", ".join(sorted(known.index)) or "none"
        yield ctx.flag(rule_id, layer, unknown,
                       [f"{noun} names {area_noun} {r!r} in {ref_field!r}, which does not "
                        f"exist (known: {known_ids})" for r in refs[unknown]], field=ref_field)

    checked = (named & (target >= 0)).nonzero()[0]
    loose = (present & ~named).nonzero()[0] if must_be_in_one else checked[:0]
    # a feature that names no area is tested against the zone around all of them (the last)
    anywhere = shapely.union_all(areas[area_ok]) if len(loose) and area_ok.any() else None
    zones = shapely.buffer([*areas, anywhere], tol)
    shapely.prepare(zones)
    tested = np.concatenate([checked, loose])
    zone = np.concatenate([target[checked], np.full(len(loose), len(areas))])
    inside, errors = guarded(shapely.covered_by, geoms[tested], zones[zone], fill=True)
    yield from _noding_failures(ctx, rule_id, layer, tested, errors)
    outside = np.zeros(len(geoms), dtype=bool)
    outside[tested] = ~inside

    tree = shapely.STRtree(areas)  # nulls and empties are not indexed
    rows, messages, fields = [], [], []
    for index in outside.nonzero()[0].tolist():
        geom = geoms[index]
        area = areas[target[index]] if target[index] >= 0 else anywhere
        distance = farthest_outside(geom, area, max(tol, 0.5))[0] if area is not None else np.inf
        if distance <= tol:
            continue
        if target[index] >= 0:
            what = (f"{noun} names {area_noun} {refs[index]!r} but lies up to {_m(distance)} "
                    f"outside it")
        elif area is not None:
            what = f"{noun} lies {_m(distance)} outside every {area_noun}"
        else:
            what = f"{noun} lies outside every {area_noun} (there are none)"
        found = tree.query(shapely.point_on_surface(geom), predicate="intersects")
        found = found[found != target[index]]
        if len(found):
            what += f" (it is in {area_noun} {_names(area_ids, found[:1])[0]})"
        rows.append(index)
        messages.append(what)
        fields.append(ref_field if target[index] >= 0 else None)
    if rows:
        yield ctx.flag(rule_id, layer, rows, messages, field=fields)


@rule("service-outside-khu", severity="error", family=FAMILY, layers=(KHU_LAYER,),
      description="Cultural houses and sports areas lie in the khu their 'khu' field names",
      uses=(METRIC,))
def service_outside_khu(ctx: Context) -> Found:
    for layer in WARD_RULES.khu_service_layers:
        if ctx.has(layer):
            yield from _containment(ctx, "service-outside-khu", layer, KHU_REF, KHU_LAYER,
                                    must_be_in_one=False)


@rule("enterprise-outside-cluster", severity="warning", family=FAMILY,
      layers=(ENTERPRISES_LAYER, CLUSTERS_LAYER),
      description="Enterprises lie in a cluster, and in the one their 'cluster' field names",
      uses=(METRIC,))
def enterprise_outside_cluster(ctx: Context) -> Found:
    yield from _containment(ctx, "enterprise-outside-cluster", ENTERPRISES_LAYER, CLUSTER_REF,
                            CLUSTERS_LAYER, must_be_in_one=True)
