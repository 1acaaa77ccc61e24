"""The report's sections as plain data: every number measured from the inventory at hand.

Each function takes an :class:`~kimson_geo.inventory.Inventory` (and the language) and
returns dicts and lists of display strings for the template, plus the raw numbers the
charts draw.  Lengths and areas are measured in EPSG:5899 (:data:`~kimson_geo.registry.
METRIC_CRS`); roads are split between khu by intersecting them with the khu polygons.
Missing layers, fields or geometries give empty sections, never an error: a broken
inventory still gets its report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import registry
from ..registry import (
    CLUSTER_REF,
    CLUSTERS_LAYER,
    CULTURAL_HOUSES_LAYER,
    DRAINAGE_LAYER,
    ENTERPRISES_LAYER,
    ID,
    IN_USE,
    KHU_LAYER,
    KHU_REF,
    KIND,
    METRIC_CRS,
    NAME,
    OUTFALL,
    PROJECTS_LAYER,
    ROADS_LAYER,
    SPORTS_AREAS_LAYER,
    SURFACE,
    WARD_RULES,
    WHARVES_LAYER,
    WIDTH,
    layer_spec,
)
from ..text import is_missing
from .numbers import DASH, hectares, integer, km, metres, number, percent
from .texts import text

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from ..inventory import Inventory

__all__ = ["RoadSection", "roads_section", "drainage_section", "facilities_section",
           "economy_section", "facts_section", "code_label", "yes_no", "is_true",
           "metric_geometry"]

#: The key of road length that lies in no khu.
OUTSIDE = "\0outside"
#: A value the data leaves empty (or an array where a code belongs), grouped under this key.
NONE_KEY = "(none)"


def metric_geometry(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The frame's geometries in EPSG:5899 (an empty frame as it is)."""
    geoms = frame.geometry
    if len(frame) == 0 or geoms.crs is None:
        return geoms
    return geoms.to_crs(METRIC_CRS)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """``frame[name]`` as objects, all missing when the column is absent."""
    import pandas as pd

    if name in frame.columns:
        return frame[name].astype(object)
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _code_keys(values: pd.Series) -> pd.Series:
    """Codes as group keys: missing values and non-text values under :data:`NONE_KEY`."""
    return values.map(lambda v: v if isinstance(v, str) and v else NONE_KEY)


def code_label(layer: str, field_name: str, value: Any, lang: str) -> str:
    """The registry label of a code (the value itself when the registry does not know it)."""
    if value == NONE_KEY or is_missing(value):
        return DASH
    spec = layer_spec(layer)
    if spec.has_field(field_name):
        return spec.field(field_name).code_label(value, lang)
    return str(value)


def is_bool(value: Any) -> bool:
    """A Python or numpy boolean (not a text such as "no", not a number)."""
    import numpy as np

    return isinstance(value, bool | np.bool_)


def is_true(value: Any) -> bool:
    """True only for a real boolean true (not a truthy text such as "no")."""
    return is_bool(value) and bool(value)


def yes_no(value: Any, lang: str) -> str:
    if is_missing(value):
        return DASH
    if is_bool(value):
        return text("yes" if value else "no", lang)
    return str(value)


def _ordered_codes(layer: str, field_name: str, present: set[str]) -> list[str]:
    """The codes present, in registry order, then unknown values, then :data:`NONE_KEY`."""
    spec = layer_spec(layer)
    known = list(spec.field(field_name).codes or {}) if spec.has_field(field_name) else []
    extra = sorted(v for v in present if v not in known and v != NONE_KEY)
    tail = [NONE_KEY] if NONE_KEY in present else []
    return [c for c in known if c in present] + extra + tail


def _khu_names(inv: Inventory) -> dict[str, str]:
    """khu id -> name, in the order of the khu layer."""
    khu = inv.layers.get(KHU_LAYER)
    if khu is None:
        return {}
    names: dict[str, str] = {}
    for i, (kid, name) in enumerate(zip(_column(khu, ID), _column(khu, NAME), strict=True)):
        key = str(kid) if not is_missing(kid) else f"#{i}"
        names[key] = str(name) if not is_missing(name) else key
    return names


# ---------------------------------------------------------------------------- facts
def facts_section(inv: Inventory, lang: str) -> dict[str, Any]:
    """The ward's name and the boundary's own attributes as label/value rows."""
    boundary = inv.layers.get(registry.BOUNDARY_LAYER)
    if boundary is None or len(boundary) == 0:
        return {"name": None, "rows": []}
    spec = layer_spec(registry.BOUNDARY_LAYER)
    first = boundary.iloc[0]
    rows = []
    for f in spec.own_fields:
        value = first.get(f.name) if f.name in boundary.columns else None
        if is_missing(value):
            continue
        rows.append((f.label(lang), _display(value, f, lang)))
    name = first.get(NAME)
    return {"name": None if is_missing(name) else str(name), "rows": rows}


def _display(value: Any, f: registry.FieldSpec, lang: str) -> str:
    """One attribute value written out: codes by label, booleans yes/no, numbers grouped."""
    if is_missing(value):
        return DASH
    if f.codes:
        return f.code_label(value, lang)
    if f.type == "bool" or is_bool(value):
        return yes_no(value, lang)
    if f.type in ("int", "float") and isinstance(value, int | float):
        if f.unit == "%":
            return percent(value, lang)
        decimals = 0 if f.type == "int" or float(value).is_integer() else 2
        shown = number(value, lang, decimals, trim=decimals > 0)
        unit = f.unit if f.unit and f.unit not in ("năm", "year") else ""
        if unit == "hộ" and lang == "en":
            unit = "households"
        return f"{shown} {unit}".strip()
    return str(value)


# ---------------------------------------------------------------------------- roads
@dataclass
class RoadSection:
    """Roads measured: length (m) by khu, kind and surface, and the main-road widths."""

    #: rows of (khu key, kind code, surface code, length in metres)
    pieces: list[tuple[str, str, str, float]] = field(default_factory=list)
    khu_names: dict[str, str] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)
    surfaces: list[str] = field(default_factory=list)
    total_m: float = 0.0
    #: main-road segments: (id, name, width or None, length m)
    main: list[tuple[str, str, float | None, float]] = field(default_factory=list)

    def length(self, *, khu: str | None = None, kind: str | None = None,
               surface: str | None = None, kinds: tuple[str, ...] | None = None) -> float:
        """Metres of road matching every filter given."""
        return sum(m for k, kd, s, m in self.pieces
                   if (khu is None or k == khu) and (kind is None or kd == kind)
                   and (surface is None or s == surface) and (kinds is None or kd in kinds))

    @property
    def khu_keys(self) -> list[str]:
        """The khu in the khu layer's order, then the length outside every khu (if any)."""
        keys = list(self.khu_names)
        if self.length(khu=OUTSIDE) > 0.5:  # under half a metre is rounding at the edges
            keys.append(OUTSIDE)
        return keys


def measure_roads(inv: Inventory) -> RoadSection:
    """Every road piece's length per khu (intersection in EPSG:5899), kind and surface."""
    import shapely

    out = RoadSection(khu_names=_khu_names(inv))
    roads = inv.layers.get(ROADS_LAYER)
    if roads is None or len(roads) == 0:
        return out
    geoms = metric_geometry(roads)
    lengths = geoms.length.fillna(0.0).to_numpy()
    kinds = _code_keys(_column(roads, KIND)).tolist()
    surfaces = _code_keys(_column(roads, SURFACE)).tolist()
    out.total_m = float(lengths.sum())
    inside = [0.0] * len(roads)
    khu = inv.layers.get(KHU_LAYER)
    if khu is not None and len(khu):
        polys = shapely.make_valid(metric_geometry(khu).to_numpy())
        lines = geoms.to_numpy()
        for key, poly in zip(out.khu_names, polys, strict=False):
            if poly is None or shapely.is_empty(poly):
                continue
            part = shapely.length(shapely.intersection(lines, poly))
            for i, m in enumerate(part):
                if m and m == m:  # not 0, not NaN (a missing geometry)
                    out.pieces.append((key, kinds[i], surfaces[i], float(m)))
                    inside[i] += float(m)
    for i, total in enumerate(lengths):
        rest = float(total) - inside[i]
        if rest > 1e-6:
            out.pieces.append((OUTSIDE, kinds[i], surfaces[i], rest))
    out.kinds = _ordered_codes(ROADS_LAYER, KIND, set(kinds))
    out.surfaces = _ordered_codes(ROADS_LAYER, SURFACE, set(surfaces))
    widths = _column(roads, WIDTH)
    ids, names = _column(roads, ID), _column(roads, NAME)
    for i in range(len(roads)):
        if kinds[i] in WARD_RULES.main_road_kinds:
            width = widths.iloc[i]
            try:
                w = None if is_missing(width) else float(width)
            except (TypeError, ValueError):
                w = None
            out.main.append((str(ids.iloc[i]), str(names.iloc[i]), w, float(lengths[i])))
    return out


def roads_section(inv: Inventory, lang: str) -> tuple[RoadSection, dict[str, Any]]:
    """The roads measured, and their tables for the template."""
    r = measure_roads(inv)
    surf = [code_label(ROADS_LAYER, SURFACE, s, lang) for s in r.surfaces]
    by_kind = {
        "head": [text("kind", lang), *surf, text("total", lang)],
        "rows": [[code_label(ROADS_LAYER, KIND, k, lang),
                  *[km(r.length(kind=k, surface=s), lang) for s in r.surfaces],
                  km(r.length(kind=k), lang)] for k in r.kinds],
        "total": [text("ward_total", lang), *[km(r.length(surface=s), lang) for s in r.surfaces],
                  km(r.total_m, lang)],
    }
    concrete = WARD_RULES.concrete_surface
    claim_kinds = WARD_RULES.concrete_road_kinds

    def share(khu: str | None, kinds: tuple[str, ...] | None) -> str:
        total = r.length(khu=khu, kinds=kinds)
        if total <= 0:
            return DASH
        return percent(100.0 * r.length(khu=khu, kinds=kinds, surface=concrete) / total, lang)

    def khu_label(key: str) -> str:
        return text("outside_khu", lang) if key == OUTSIDE else r.khu_names.get(key, key)

    by_khu = {
        "head": [text("khu", lang), *surf, text("total", lang),
                 text("concrete_share_all", lang), text("concrete_share_claim", lang)],
        "rows": [[khu_label(k), *[km(r.length(khu=k, surface=s), lang) for s in r.surfaces],
                  km(r.length(khu=k), lang), share(k, None), share(k, claim_kinds)]
                 for k in r.khu_keys],
        "total": [text("ward_total", lang),
                  *[km(r.length(surface=s), lang) for s in r.surfaces], km(r.total_m, lang),
                  share(None, None), share(None, claim_kinds)],
    }
    low, high = WARD_RULES.main_road_width_m
    in_range = [m for m in r.main if m[2] is not None and low <= m[2] <= high]
    known = [m[2] for m in r.main if m[2] is not None]
    main_len = sum(m[3] for m in r.main)
    main = {
        "count": len(r.main),
        "summary": [
            (text("segments", lang), integer(len(r.main), lang)),
            (text("in_range", lang), integer(len(in_range), lang)),
            (text("min", lang), metres(min(known), lang) if known else DASH),
            (text("max", lang), metres(max(known), lang) if known else DASH),
            (text("length_in_range", lang),
             percent(100.0 * sum(m[3] for m in in_range) / main_len, lang)
             if main_len > 0 else DASH),
        ],
        "outside": [[i, n, metres(w, lang), km(m, lang, 3)] for i, n, w, m in r.main
                    if not (w is not None and low <= w <= high)],
    }
    return r, {"total": km(r.total_m, lang), "by_kind": by_kind, "by_khu": by_khu,
               "main": main}


# ------------------------------------------------------------------------- drainage
def drainage_section(inv: Inventory, lang: str) -> tuple[dict[str, float], dict[str, Any]]:
    """Drainage length by kind (m, for the chart) and its tables: by kind, and outfalls."""
    frame = inv.layers.get(DRAINAGE_LAYER)
    if frame is None or len(frame) == 0:
        return {}, {"rows": [], "total": None, "outfalls": [], "present": frame is not None}
    lengths = metric_geometry(frame).length.fillna(0.0)
    keys = _code_keys(_column(frame, KIND))
    by_kind: dict[str, float] = {}
    rows = []
    for k in _ordered_codes(DRAINAGE_LAYER, KIND, set(keys)):
        mask = (keys == k).to_numpy()
        by_kind[k] = float(lengths[mask].sum())
        rows.append([code_label(DRAINAGE_LAYER, KIND, k, lang), integer(int(mask.sum()), lang),
                     km(by_kind[k], lang)])
    flags = _column(frame, OUTFALL)
    outfalls = [[str(i), str(n), code_label(DRAINAGE_LAYER, KIND, k, lang)]
                for i, n, k, f in zip(_column(frame, ID), _column(frame, NAME), keys, flags,
                                      strict=True) if is_true(f)]
    total = [text("total", lang), integer(len(frame), lang), km(float(lengths.sum()), lang)]
    return by_kind, {"rows": rows, "total": total, "outfalls": outfalls, "present": True}


# ----------------------------------------------------------------------- facilities
def _use(value: Any, lang: str) -> str:
    if is_missing(value):
        return text("use_unknown", lang)
    return text("in_use" if bool(value) else "not_in_use", lang)


def facilities_section(inv: Inventory, lang: str) -> dict[str, Any]:
    """Per khu: the cultural houses and sports areas that serve it, and whether in use."""
    names = _khu_names(inv)
    layers = [CULTURAL_HOUSES_LAYER, SPORTS_AREAS_LAYER]
    served: dict[str, dict[str, list[str]]] = {}
    for layer in layers:
        frame = inv.layers.get(layer)
        if frame is None:
            continue
        for ref, name, use in zip(_column(frame, KHU_REF), _column(frame, NAME),
                                  _column(frame, IN_USE), strict=True):
            key = str(ref) if not is_missing(ref) and str(ref) else ""
            served.setdefault(key, {}).setdefault(layer, []).append(
                f"{name} ({_use(use, lang)})")
    khus = [(names.get(k, k), k) for k in [*names, *(k for k in served if k and k not in names)]]
    if "" in served:  # the ward's own facilities, serving no one khu
        khus.append((text("ward_level", lang), ""))
    rows = [[label, *["; ".join(served.get(key, {}).get(layer, [])) or text("none", lang)
                      for layer in layers]] for label, key in khus]
    head = [text("khu", lang), *[layer_spec(layer).label(lang) for layer in layers]]
    return {"head": head, "rows": rows}


# ------------------------------------------------------------------------- economy
def _layer_table(inv: Inventory, layer: str, lang: str,
                 extra: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """A layer's features: name, kind, its own fields (by registry label), area if polygons."""
    frame = inv.layers.get(layer)
    if frame is None:
        return None
    spec = layer_spec(layer)
    own = [f for f in spec.own_fields if f.name in frame.columns]
    polygons = any(t.endswith("Polygon") for t in spec.geometry_types)
    head = [text("name", lang), spec.field(KIND).label(lang), *[f.label(lang) for f in own]]
    areas = metric_geometry(frame).area.fillna(0.0).tolist() if polygons else []
    if polygons:
        head.append(text("area", lang))
    refs = dict(extra or {})
    rows = []
    for i in range(len(frame)):
        rec = frame.iloc[i]
        cells = [str(rec.get(NAME)) if not is_missing(rec.get(NAME)) else DASH,
                 code_label(layer, KIND, rec.get(KIND), lang)]
        for f in own:
            value = rec.get(f.name)
            lookup = refs.get(f.name)
            if lookup is not None and isinstance(value, str) and value in lookup:
                cells.append(lookup[value])
            else:
                cells.append(_display(value, f, lang))
        if polygons:
            cells.append(hectares(areas[i], lang))
        rows.append(cells)
    return {"title": spec.label(lang), "head": head, "rows": rows}


def economy_section(inv: Inventory, lang: str) -> list[dict[str, Any]]:
    """Clusters (with their enterprises counted), enterprises, wharves and projects."""
    tables = []
    clusters = inv.layers.get(CLUSTERS_LAYER)
    cluster_names: dict[str, str] = {}
    if clusters is not None:
        cluster_names = {str(i): str(n) for i, n in zip(_column(clusters, ID),
                                                         _column(clusters, NAME), strict=True)
                         if not is_missing(i)}
    table = _layer_table(inv, CLUSTERS_LAYER, lang)
    if table is not None:
        enterprises = inv.layers.get(ENTERPRISES_LAYER)
        refs = (_column(enterprises, CLUSTER_REF).tolist() if enterprises is not None else [])
        table["head"].append(text("enterprises_in", lang))
        for cells, cid in zip(table["rows"], _column(clusters, ID), strict=True):
            cells.append(integer(sum(1 for r in refs if r == cid), lang)
                         if enterprises is not None else DASH)
        tables.append(table)
    for layer, extra in ((ENTERPRISES_LAYER, {CLUSTER_REF: cluster_names}),
                         (WHARVES_LAYER, None), (PROJECTS_LAYER, None)):
        table = _layer_table(inv, layer, lang, extra)
        if table is not None:
            tables.append(table)
    return tables
