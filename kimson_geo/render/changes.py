"""The changes overlay of a diff map: green added, red removed, amber modified.

Built from :meth:`kimson_geo.diff.InventoryDiff.to_geojson` and drawn by the same
runtime as every layer (:class:`~kimson_geo.render.elements.DataLayer`); the popup lists
the layer, the id, and each changed field as ``old → new``.  Every value is escaped by
:func:`~kimson_geo.render.text.format_value` before it reaches the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .text import esc, format_value

__all__ = ["CHANGE_COLORS", "change_layer"]

#: Colours of the three kinds of change.
CHANGE_COLORS = {"added": "#1a9641", "removed": "#d7191c", "modified": "#f4a000"}
_LABELS = {
    "vi": {"title": "Thay đổi", "added": "Thêm mới", "removed": "Đã xóa",
           "modified": "Đã sửa", "change": "Thay đổi", "layer": "Lớp", "id": "Mã",
           "detail": "Cũ → mới", "moved_m": "Dịch chuyển (m)"},
    "en": {"title": "Changes", "added": "Added", "removed": "Removed",
           "modified": "Modified", "change": "Change", "layer": "Layer", "id": "ID",
           "detail": "Old → new", "moved_m": "Moved (m)"},
}


def _detail(changes: Mapping[str, Any] | None) -> str:
    if not changes:
        return ""
    return "; ".join(f"{field}: {old} → {new}" for field, (old, new) in changes.items())


def change_layer(collection: Mapping[str, Any], lang: str
                 ) -> tuple[dict[str, Any], int, str, tuple[float, ...] | None]:
    """The encoded overlay, its feature count, its legend section and its bounds."""
    import numpy as np
    import shapely
    import shapely.geometry

    from .encode import encode_geometries

    labels = _LABELS.get(lang, _LABELS["en"])
    features = [f for f in collection.get("features", []) if f.get("geometry")]
    geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object)
    props = [f.get("properties") or {} for f in features]
    kinds = [p.get("change", "modified") for p in props]
    levels = [k for k in CHANGE_COLORS if k in kinds]
    types, coords = encode_geometries(geoms)
    keys = ("change", "layer", "id", "detail", "moved_m")
    values = {
        "change": [labels.get(k, k) for k in kinds],
        "layer": [p.get("layer") for p in props],
        "id": [p.get("id") for p in props],
        "detail": [_detail(p.get("changes")) for p in props],
        "moved_m": [p.get("moved_m") if p.get("moved_m") else None for p in props],
    }
    payload = {
        "key": "change",
        "label": labels["title"],
        "n": [format_value(f"{labels.get(k, k)}: {p.get('id')}", lang) or ""
              for k, p in zip(kinds, props, strict=True)],
        "t": types,
        "g": coords,
        "f": [[labels[k], ""] for k in keys],
        "c": [[0, [format_value(v, lang) for v in values[k]]] for k in keys],
        "s": [{"color": CHANGE_COLORS[level], "weight": 5, "radius": 8,
               "fillColor": CHANGE_COLORS[level], "fillOpacity": 0.6} for level in levels],
        "si": [levels.index(k) for k in kinds],
    }
    legend = "".join(
        f'<div class="ks-row"><i class="ks-sw-dot" style="background:{CHANGE_COLORS[level]}">'
        f"</i><span>{esc(labels[level])} ({kinds.count(level)})</span></div>"
        for level in levels
    )
    bounds = tuple(float(b) for b in shapely.total_bounds(geoms)) if len(geoms) else None
    return payload, len(features), legend, bounds
