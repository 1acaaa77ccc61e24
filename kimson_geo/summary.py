"""Inventory summary: counts, lengths and areas, all measured in EPSG:5899."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .registry import METRIC_CRS, layer_spec
from .text import as_text

if TYPE_CHECKING:
    from .inventory import Inventory

__all__ = ["summarize"]

_LINES = {"LineString", "MultiLineString"}
_AREAS = {"Polygon", "MultiPolygon"}


def _by_code(values: Any, measure: Any, codes: Any) -> dict[str, float]:
    # arrays and objects (a malformed delivery) count under their JSON text, not fail
    keys = values.map(as_text)
    grouped = measure.groupby(keys.where(keys.notna(), "(none)").to_numpy()).sum()
    out = {str(code): float(grouped.get(code, 0.0)) for code in codes}
    return out | {str(key): float(total) for key, total in grouped.items() if str(key) not in out}


def summarize(inv: Inventory) -> dict[str, Any]:
    """Counts per layer, and per coded field the length (lines, m), area (polygons, ha)
    or count (points) by code.

    Every coded field is summarised, the provenance ones (``confidence``, ``position``)
    included, so the share of schematic or low-confidence data is visible.

    Returns
    -------
    dict
        ``{"layers": {name: {"features", "geometry_types", "length_m" | "area_ha",
        "by": {field: {code: value}}}}}``, JSON-serialisable.
    """
    layers: dict[str, Any] = {}
    for name, frame in inv.layers.items():
        spec = layer_spec(name)
        kinds = sorted({str(t) for t in frame.geom_type.dropna().unique()})
        entry: dict[str, Any] = {"features": int(len(frame)), "geometry_types": kinds}
        metric = frame.geometry.to_crs(METRIC_CRS) if len(frame) else frame.geometry
        # a missing geometry measures 0, so totals stay numbers (and JSON stays valid)
        if kinds and set(kinds) <= _LINES:
            measure, key, scale = metric.length.fillna(0.0), "length_m", 1.0
        elif kinds and set(kinds) <= _AREAS:
            measure, key, scale = metric.area.fillna(0.0), "area_ha", 1e-4
        else:
            measure, key, scale = frame.geometry.notna().astype(float), None, 1.0
        if key:
            entry[key] = round(float(measure.sum()) * scale, 4)
        by = {field.name: _by_code(frame[field.name], measure * scale, field.codes)
              for field in spec.fields if field.codes and field.name in frame.columns}
        entry["by"] = {field: {k: (round(v, 4) if key else int(v)) for k, v in values.items()}
                       for field, values in by.items()}
        layers[name] = entry
    return {"layers": layers, "source": str(inv.source) if inv.source else None}
