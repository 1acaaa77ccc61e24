"""Compact, escaped map data: what a layer embeds in the HTML page.

Unlike ``folium.GeoJson(frame)``, :func:`encode_layer` embeds only what the map shows:
geometries simplified (0.5 m) as delta-encoded integer micro-degrees (``runtime.js`` adds
them back up), the popup's fields as columns (few distinct values as a lookup table), and
each feature's style and icon as an index into the layer's tables of distinct styles.

Every string in the result is HTML-escaped display text (names, labels, units, values), so
the page may insert it with ``innerHTML``; :func:`dumps_js` then writes JSON that cannot
end the ``<script>`` element it sits in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

import numpy as np

from ..registry import METRIC_CRS, POSITION_FIELD, SCHEMATIC, WGS84, LayerSpec
from ..text import as_text, plain_value
from .style import LayerStyle, StyleKey
from .text import esc, format_value, unit_text

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["EncodedLayer", "dumps_js", "encode_geometries", "encode_layer", "simplify",
           "SCALE", "SIMPLIFY_TOLERANCE_M"]

#: Coordinates are stored as integers of 1e-6 degree (about 0.1 m).
SCALE = 1_000_000
#: Lines and polygons are simplified by this many metres (in the metric CRS).
SIMPLIFY_TOLERANCE_M = 0.5
#: A column is stored as a lookup table when it has at most this share of distinct values.
_LOOKUP_SHARE = 0.5

# geometry type codes shared with runtime.js
_POINT, _LINE, _POLYGON, _MULTIPOINT, _MULTILINE, _MULTIPOLYGON = range(6)
# shapely type id -> runtime code (LinearRing draws as a line); GeometryCollection: none
_TYPE_CODES = {0: _POINT, 1: _LINE, 2: _LINE, 3: _POLYGON, 4: _MULTIPOINT, 5: _MULTILINE,
               6: _MULTIPOLYGON}


def dumps_js(value: Any) -> str:
    """JSON for a ``<script>`` element: UTF-8 text, compact, ``<`` and ``>`` escaped.

    No string can then close the script element (``</script>``) or open a comment, whatever
    the data holds; U+2028/U+2029 are escaped for older JavaScript engines.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def simplify(geoms: np.ndarray) -> np.ndarray:
    """Lines and polygons (WGS 84) simplified by :data:`SIMPLIFY_TOLERANCE_M`; points unchanged.

    The simplification runs in :data:`~kimson_geo.registry.METRIC_CRS`; a geometry that
    cannot be projected there is kept as it is.
    """
    import shapely

    from ..crs import transformer

    geoms = np.asarray(geoms, dtype=object)
    types = shapely.get_type_id(geoms)
    todo = np.flatnonzero((types > 0) & (types != 4) & ~shapely.is_empty(geoms))
    if len(todo) == 0:
        return geoms
    metric = shapely.transform(geoms[todo], transformer(WGS84).transform, interleaved=False)
    finite = np.isfinite(shapely.bounds(metric)).all(axis=1)
    simplified = shapely.simplify(metric[finite], SIMPLIFY_TOLERANCE_M, preserve_topology=True)
    out = geoms.copy()
    out[todo[finite]] = shapely.transform(simplified, transformer(METRIC_CRS, WGS84).transform,
                                          interleaved=False)
    return out


def encode_geometries(geoms: np.ndarray) -> tuple[list[int], list[Any]]:
    """Runtime type codes and delta-encoded integer coordinates of each geometry.

    Coordinates are ``round(degrees * SCALE)``; each is stored as the difference from the
    previous coordinate of the whole sequence (the first from 0).  A point is ``[dx, dy]``,
    a line ``[dx0, dy0, dx1, dy1, ...]``, a polygon a list of such rings; multi-geometries
    list their parts.  Geometries must be non-empty and not collections.
    """
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    codes = [_TYPE_CODES[t] for t in shapely.get_type_id(geoms).tolist()]
    parts = shapely.get_parts(geoms)
    is_polygon = shapely.get_type_id(parts) == 3
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    # a chain of coordinates per ring of a polygon part and per other part, in part order
    order = np.argsort(np.concatenate([ring_part, np.flatnonzero(~is_polygon)]), kind="stable")
    counts = np.concatenate([shapely.get_num_coordinates(rings),
                             shapely.get_num_coordinates(parts[~is_polygon])])[order].tolist()
    quantized = np.rint(shapely.get_coordinates(geoms) * SCALE).astype(np.int64)
    flat = np.diff(quantized, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel().tolist()
    ends = np.cumsum(counts).tolist()
    chains = iter([flat[2 * (e - c):2 * e] for c, e in zip(counts, ends, strict=True)])
    # a polygon is the list of its rings, another part its chain; a multi-geometry is the
    # list of its parts, another geometry its one part
    rings_of = np.bincount(ring_part, minlength=len(parts)).tolist()
    items: Iterator[Any] = iter([list(islice(chains, k)) if polygon else next(chains)
                                 for polygon, k in zip(is_polygon.tolist(), rings_of, strict=True)])
    n_parts = shapely.get_num_geometries(geoms).tolist()
    return codes, [next(items) if code in (_POINT, _LINE, _POLYGON) else list(islice(items, k))
                   for code, k in zip(codes, n_parts, strict=True)]


def _column(series: pd.Series, field_spec: Any, lang: str) -> list[Any]:
    """``[lookups, index or indexes]`` of a column's escaped display text, or ``[0, texts]``."""
    import pandas as pd

    codes, uniques = pd.factorize(_hashable(series), use_na_sentinel=True)
    coded = field_spec if field_spec.codes else None
    labels = [format_value(u, lang, codes=coded) for u in uniques]
    if len(labels) == 1 and (codes >= 0).all():
        return [labels, 0] if labels[0] is not None else [0, None]
    if len(labels) <= max(1, int(len(series) * _LOOKUP_SHARE)):
        return [labels, [None if c < 0 or labels[c] is None else c for c in codes.tolist()]]
    return [0, [labels[c] if c >= 0 else None for c in codes.tolist()]]


def _hashable(series: pd.Series) -> pd.Series:
    """``series`` with arrays and objects (a malformed delivery) as their JSON text."""
    return series.astype(object).map(
        lambda v: as_text(v) if isinstance(v, (list, dict, tuple, np.ndarray)) else v)


@dataclass
class EncodedLayer:
    """One layer ready to embed: the JSON payload and what its legend needs."""

    name: str
    payload: dict[str, Any]
    count: int
    legend: str
    schematic: int = 0
    bounds: tuple[float, float, float, float] | None = None


def _indicator_bins(frame: pd.DataFrame, style: LayerStyle) -> list[float]:
    field_spec = style.indicator_field
    if (field_spec is None or field_spec.codes or field_spec.type not in ("int", "float")
            or field_spec.name not in frame.columns):
        return []
    import pandas as pd

    values = pd.to_numeric(_hashable(frame[field_spec.name]), errors="coerce").dropna()
    if values.empty:
        return []
    low, high = float(values.min()), float(values.max())
    if low == high:
        return [low, high]
    return list(np.linspace(low, high, 6))


def encode_layer(frame: gpd.GeoDataFrame, spec: LayerSpec, *, lang: str = "vi", label_field: str,
                 hatch_patterns: bool = True) -> EncodedLayer:
    """Encode one registry layer for :mod:`kimson_geo.render.map`.

    Parameters
    ----------
    frame
        The layer in WGS 84 (a frame without a CRS is taken as WGS 84).
    spec
        Its registry entry: fields shown, labels, units, codes and style hints.
    lang
        Language of labels and value formatting.
    label_field
        Field naming each feature (tooltips, popup title, search).
    hatch_patterns
        Hatched polygons use SVG patterns (False for a canvas map).

    Features without a geometry, or with an empty one or a geometry collection, are not
    drawn; the result counts those whose position field is schematic.
    """
    import pandas as pd
    import shapely

    if frame.crs is not None and not frame.crs.equals(WGS84):
        frame = frame.to_crs(WGS84)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    drawable = ~(pd.isna(geoms) | shapely.is_empty(geoms)) & (shapely.get_type_id(geoms) != 7)
    frame = frame[drawable]
    geoms = simplify(geoms[drawable])
    types, coords = encode_geometries(geoms)
    style = LayerStyle(spec, lang=lang, hatch_patterns=hatch_patterns)
    bins = _indicator_bins(frame, style)

    n = len(frame)
    names = ([esc(as_text(v) or "") for v in frame[label_field].astype(object).tolist()]
             if label_field in frame.columns else [""] * n)

    shown = [f for f in spec.fields if f.show and f.name != label_field and f.name in frame.columns]

    # styles: one entry per distinct (colour code, weight code, icon code, indicator, point)
    is_point = np.isin(shapely.get_type_id(geoms), (0, 4)) if n else np.array([], bool)
    key_columns = [_hashable(frame[f.name]).tolist() if f is not None and f.name in frame.columns
                   else [None] * n for f in style.driving_fields]
    keys: list[StyleKey] = [
        (plain_value(a), plain_value(b), plain_value(c), plain_value(d), bool(p))
        for a, b, c, d, p in zip(*key_columns, is_point.tolist(), strict=True)
    ]
    table: dict[StyleKey, int] = {}
    index = [table.setdefault(key, len(table)) for key in keys]
    styles = [style.path_style(key, bins) for key in table]
    icons = [style.icon_html(key) for key in table]

    payload: dict[str, Any] = {
        "key": label_field,
        "label": esc(spec.label(lang)),
        "n": names,
        "t": types[0] if len(set(types)) == 1 else types,
        "g": coords,
        "f": [[esc(f.label(lang)), unit_text(f.unit, lang)] for f in shown],
        "c": [_column(frame[f.name], f, lang) for f in shown],
        "s": styles,
        "si": index[0] if len(table) == 1 else index,
    }
    if any(icon is not None for icon in icons):
        payload["ic"] = icons

    schematic = (int((_hashable(frame[POSITION_FIELD]) == SCHEMATIC).sum())
                 if POSITION_FIELD in frame.columns else 0)
    present = {f.name: {v for v in frame[f.name].dropna().tolist()
                        if isinstance(v, str | bool | int | float)}
               for f in style.driving_fields if f is not None and f.name in frame.columns}
    legend = style.legend_html(present, has_points=bool(is_point.any()),
                               has_areas=any(t in (_POLYGON, _MULTIPOLYGON) for t in types),
                               bins=bins)
    bounds = tuple(float(v) for v in shapely.total_bounds(geoms)) if n else None
    return EncodedLayer(spec.name, payload, n, legend, schematic, bounds)  # type: ignore[arg-type]


