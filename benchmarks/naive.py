"""The naive baseline: a per-feature script, the way one writes it without arrays.

``json.load`` the file, ``shapely.geometry.shape`` per geometry, a pyproj transform per
geometry into the metric CRS, and Python checks per row of the same rules
``kimson_geo.validate(path, layer="roads")`` runs: required fields, types, codes, ranges,
unknown fields, NFC text, unique ids, missing / invalid geometry and geometry type,
self-crossing lines, repeated vertices (in metres), road length, the ward's width and
surface rules, dangles (end points counted in a dict, T-junctions found with a spatial
index queried point by point), road ends meeting another road mid-segment, and roads cut
off from the network (a union-find over end points in a dict).  It counts the same
defects on the generator's roads as kimson_geo (see ``run.py``), so the timings compare
like with like; it does not build issue messages or locations, which kimson_geo does.
"""

from __future__ import annotations

import json
import math
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from kimson_geo.registry import (
    DEAD_END,
    ID,
    KIND,
    METRIC_CRS,
    SURFACE,
    WARD_RULES,
    WGS84,
    WIDTH,
    layer_spec,
)
from kimson_geo.validation.geometry import REPEATED_VERTEX_M

__all__ = ["naive_validate"]

_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}


def _check_row(props: dict[str, Any], spec: Any, found: Counter[str]) -> None:
    for key, value in props.items():
        if key not in spec.field_names:
            found["unknown-field"] += 1
        if isinstance(value, str) and not unicodedata.is_normalized("NFC", value):
            found["text-nfc"] += 1
    for field in spec.fields:
        value = props.get(field.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.required:
                found["required-field"] += 1
            continue
        if not isinstance(value, _TYPES[field.type]) or (
                field.type != "bool" and isinstance(value, bool)):
            found["field-type"] += 1
            continue
        if field.codes and value not in field.codes:
            found["unknown-code"] += 1
        if field.range is not None and not field.range[0] <= value <= field.range[1]:
            found["value-range"] += 1


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, key: Any) -> Any:
        parent = self.parent.setdefault(key, key)
        while parent != key:
            grand = self.parent[parent]
            self.parent[key] = grand
            key, parent = parent, grand
        return key

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def naive_validate(path: str | Path, layer: str) -> dict[str, Any]:
    """Check one line layer file feature by feature; counts per rule and the timings."""
    import numpy as np
    import shapely
    import shapely.geometry
    from pyproj import Transformer

    started = time.perf_counter()
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    parsed = time.perf_counter()
    spec = layer_spec(layer)
    transformer = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)

    def project(xy: Any) -> Any:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    low, high = WARD_RULES.main_road_width_m
    tol = WARD_RULES.snap_tolerance_m
    found: Counter[str] = Counter()
    ids: Counter[Any] = Counter()
    ends: Counter[tuple[float, float]] = Counter()
    lines: list[Any] = []
    records: list[tuple[int, bool, tuple[float, float], tuple[float, float]]] = []
    for index, feature in enumerate(doc["features"]):
        props = feature.get("properties") or {}
        _check_row(props, spec, found)
        ids[props.get(ID)] += 1
        kind = props.get(KIND)
        width = props.get(WIDTH)
        if kind in WARD_RULES.main_road_kinds and isinstance(width, int | float) \
                and not low <= width <= high:
            found["main-road-width"] += 1
        if kind in WARD_RULES.concrete_road_kinds \
                and props.get(SURFACE) != WARD_RULES.concrete_surface:
            found["road-not-concrete"] += 1
        if feature.get("geometry") is None:
            found["geometry-missing"] += 1
            continue
        geom = shapely.geometry.shape(feature["geometry"])
        if geom.is_empty:
            found["geometry-missing"] += 1
            continue
        if geom.geom_type not in spec.geometry_types:
            found["geometry-type"] += 1
        if not geom.is_valid:
            found["geometry-invalid"] += 1
            continue
        if geom.geom_type != "LineString":
            continue
        if not geom.is_simple:
            found["line-self-crossing"] += 1
        metric = shapely.transform(geom, project)
        xy = list(metric.coords)
        if any(math.hypot(x1 - x0, y1 - y0) < REPEATED_VERTEX_M
               for (x0, y0, *_), (x1, y1, *_) in zip(xy, xy[1:], strict=False)):
            found["repeated-vertex"] += 1
        if metric.length < WARD_RULES.min_road_length_m:
            found["road-too-short"] += 1
        start = (round(xy[0][0], 2), round(xy[0][1], 2))
        end = (round(xy[-1][0], 2), round(xy[-1][1], 2))
        ends[start] += 1
        ends[end] += 1
        lines.append(metric)
        records.append((index, bool(props.get(DEAD_END)), start, end))
    found["unique-id"] = sum(n for i, n in ids.items() if i is not None and n > 1)

    # the network: ends alone at their node may touch another road mid-segment
    tree = shapely.STRtree(lines)
    network = _UnionFind()
    for k, (_, _, start, end) in enumerate(records):
        network.union(start, end)
        for point in (start, end):
            if ends[point] != 1:
                continue
            hits = [int(h) for h in tree.query(shapely.Point(point), predicate="dwithin",
                                               distance=tol) if int(h) != k]
            if hits:
                found["road-undernoded"] += 1
                network.union(point, records[hits[0]][2])
            elif not records[k][1]:
                found["road-dangle"] += 1
    sizes = Counter(network.find(start) for _, _, start, _ in records)
    if len(sizes) > 1:
        main = max(sizes, key=lambda root: sizes[root])
        found["road-isolated"] = sum(1 for _, _, start, _ in records
                                     if network.find(start) != main)
    done = time.perf_counter()
    return {"features": len(doc["features"]), "parse_s": parsed - started,
            "check_s": done - parsed, "total_s": done - started,
            "by_rule": {k: v for k, v in sorted(found.items()) if v}}
