"""The printed map of the ward: khu, roads by surface, drainage, clusters, projects and
facilities, drawn in EPSG:5899 with a legend, a scale bar and a north arrow.

Colours, line weights and hatching come from :class:`kimson_geo.render.style.LayerStyle`,
the registry styles the interactive map uses.  Shapes are drawn as matplotlib paths from
shapely geometries (no pyplot: the report never touches matplotlib's global state).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..registry import (
    BOUNDARY_LAYER,
    CLUSTERS_LAYER,
    CULTURAL_HOUSES_LAYER,
    DRAINAGE_LAYER,
    ENTERPRISES_LAYER,
    KHU_LAYER,
    KIND,
    LAYER_NAMES,
    NAME,
    PROJECTS_LAYER,
    ROADS_LAYER,
    SPORTS_AREAS_LAYER,
    WHARVES_LAYER,
    layer_spec,
)
from .charts import FONT, new_figure, png_data_uri
from .numbers import integer
from .sections import NONE_KEY, code_label, metric_geometry
from .texts import text

if TYPE_CHECKING:
    from ..inventory import Inventory
    from ..render.style import LayerStyle

__all__ = ["printed_map", "POINT_MARKERS", "scale_length"]

#: Marker of each point layer (the interactive map uses icons; print uses shapes).
POINT_MARKERS = {CULTURAL_HOUSES_LAYER: "s", SPORTS_AREAS_LAYER: "^",
                 ENTERPRISES_LAYER: "D", WHARVES_LAYER: "v"}
#: Lengths a scale bar may show, in metres.
_SCALE_STEPS = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000)
#: Area and line layers in drawing order (the points are drawn last, over them).
_POLYGON_LAYERS = (KHU_LAYER, PROJECTS_LAYER, CLUSTERS_LAYER, BOUNDARY_LAYER)
_LINE_LAYERS = (DRAINAGE_LAYER, ROADS_LAYER)
#: Points of a line weight in the interactive map's pixels.
_PX_TO_PT = 0.45


def scale_length(span_m: float) -> int:
    """The scale bar's length: the largest step not over a quarter of the map's width."""
    best = _SCALE_STEPS[0]
    for step in _SCALE_STEPS:
        if step <= span_m / 4:
            best = step
    return best


def _path(geom: Any) -> Any:
    """A matplotlib Path of a (multi)polygon, holes included."""
    import numpy as np
    from matplotlib.path import Path

    parts = getattr(geom, "geoms", [geom])
    verts: list[Any] = []
    codes: list[int] = []
    for poly in parts:
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            verts.extend(xy.tolist())
            codes.extend([Path.MOVETO] + [Path.LINETO] * (len(xy) - 2) + [Path.CLOSEPOLY])
    return Path(verts, codes) if verts else None


def _lines(geom: Any) -> list[Any]:
    import numpy as np

    if geom is None or geom.is_empty:
        return []
    parts = getattr(geom, "geoms", [geom])
    return [np.asarray(p.coords)[:, :2] for p in parts if p.geom_type == "LineString"]


def _codes(frame: Any, field: str) -> list[str]:
    if field not in frame.columns:
        return [NONE_KEY] * len(frame)
    return [v if isinstance(v, str) and v else NONE_KEY for v in frame[field].astype(object)]


def _draw_polygons(ax: Any, frame: Any, style: LayerStyle, lang: str,
                   handles: list[Any]) -> None:
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Patch, PathPatch

    layer = style.spec.name
    geoms = metric_geometry(frame).tolist()
    color_field, indicator = style.color_field, style.indicator_field
    colors = _codes(frame, color_field.name) if color_field else [None] * len(frame)
    values = (frame[indicator.name].astype(object).tolist()
              if indicator and indicator.name in frame.columns else [None] * len(frame))
    seen: dict[Any, Any] = {}
    for geom, code, value in zip(geoms, colors, values, strict=True):
        if geom is None or geom.is_empty:
            continue
        path = _path(geom)
        if path is None:
            continue
        s = style.path_style((code, None, None, value if indicator else None, False))
        fill = s.get("fill", True)
        hatch = "////" if style.spec.style.get("hatch") else None
        dashed = (0, (4, 3)) if s.get("dashArray") else "solid"
        patch = PathPatch(path, facecolor=s.get("fillColor", "none") if fill else "none",
                          alpha=None, edgecolor=s["color"], linewidth=s["weight"] * _PX_TO_PT,
                          linestyle=dashed, hatch=hatch, zorder=1)
        if fill:
            patch.set_facecolor(to_rgba(s["fillColor"], min(1.0, s.get("fillOpacity", 0.2) + 0.1)))
        ax.add_patch(patch)
        key = value if indicator else code
        if key not in seen and layer != BOUNDARY_LAYER:
            if indicator is not None:
                label = f"{style.spec.label(lang)}: {indicator.label(lang)} – " + \
                    (text("yes", lang) if value else text("no", lang))
            else:
                label = code_label(layer, color_field.name, code, lang) if color_field \
                    else style.spec.label(lang)
            seen[key] = Patch(facecolor=patch.get_facecolor(), edgecolor=s["color"],
                              hatch=hatch, linestyle=dashed, label=label)
    handles.extend(seen.values())


def _draw_lines(ax: Any, frame: Any, style: LayerStyle, lang: str, handles: list[Any]) -> None:
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    layer = style.spec.name
    geoms = metric_geometry(frame).tolist()
    cfield, wfield = style.color_field, style.weight_field
    colors = _codes(frame, cfield.name) if cfield else [None] * len(frame)
    weights = _codes(frame, wfield.name) if wfield else [None] * len(frame)
    segs, cs, ws = [], [], []
    for geom, c, w in zip(geoms, colors, weights, strict=True):
        for line in _lines(geom):
            segs.append(line)
            cs.append(style.color(c))
            ws.append(max(0.5, style.weight(w) * _PX_TO_PT))
    ax.add_collection(LineCollection(segs, colors=cs, linewidths=ws, capstyle="round",
                                     zorder=3 if layer == ROADS_LAYER else 2))
    if cfield is not None:
        for code in dict.fromkeys(c for c in colors):
            label = code_label(layer, cfield.name, code, lang)
            if layer == ROADS_LAYER:
                label = f"{cfield.label(lang)}: {label}"
            handles.append(Line2D([], [], color=style.color(code), linewidth=2.2, label=label))


def _draw_points(ax: Any, frame: Any, style: LayerStyle, lang: str,
                 handles: list[Any]) -> None:
    from matplotlib.lines import Line2D

    layer = style.spec.name
    marker = POINT_MARKERS.get(layer, "o")
    kinds = _codes(frame, KIND)
    for geom, kind in zip(metric_geometry(frame).tolist(), kinds, strict=True):
        if geom is None or geom.is_empty:
            continue
        p = geom if geom.geom_type == "Point" else geom.representative_point()
        ax.plot([p.x], [p.y], marker=marker, markersize=7, color=style.color(kind),
                markeredgecolor="white", markeredgewidth=1.0, linestyle="none", zorder=5)
    for kind in dict.fromkeys(kinds):
        handles.append(Line2D([], [], marker=marker, markersize=7, color=style.color(kind),
                              markeredgecolor="white", linestyle="none",
                              label=code_label(layer, KIND, kind, lang)))


def _scale_bar(ax: Any, lang: str) -> None:
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = scale_length(x1 - x0)
    left, bottom = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    height = (y1 - y0) * 0.012
    half = length / 2
    for k, color in enumerate(("black", "white")):
        ax.add_patch(Rectangle((left + k * half, bottom), half, height, facecolor=color,
                               edgecolor="black", linewidth=0.8, zorder=10))
    for x, label in ((left, "0"), (left + length, f"{integer(length, lang)} m")):
        ax.text(x, bottom + height * 1.6, label, ha="center", va="bottom", fontsize=7.5,
                zorder=10)


def _north_arrow(ax: Any, lang: str) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, top = x1 - (x1 - x0) * 0.05, y1 - (y1 - y0) * 0.04
    length = (y1 - y0) * 0.08
    ax.annotate("", xy=(x, top), xytext=(x, top - length),
                arrowprops={"arrowstyle": "-|>,head_width=0.45,head_length=0.9",
                            "color": "black", "linewidth": 1.4}, zorder=10)
    ax.text(x, top - length - (y1 - y0) * 0.005, text("north", lang), ha="center", va="top",
            fontsize=10, fontweight="bold", zorder=10)


def printed_map(inv: Inventory, lang: str) -> str | None:
    """The ward's map as a PNG data URI, or None when no layer has a geometry."""
    import math

    import matplotlib as mpl

    from ..render.style import LayerStyle

    bounds = []
    for name in LAYER_NAMES:
        frame = inv.layers.get(name)
        if frame is not None and len(frame) and frame.geometry.notna().any():
            b = metric_geometry(frame).total_bounds
            if all(math.isfinite(v) for v in b):
                bounds.append(b)
    if not bounds:
        return None
    west, south = min(b[0] for b in bounds), min(b[1] for b in bounds)
    east, north = max(b[2] for b in bounds), max(b[3] for b in bounds)
    pad = max(east - west, north - south, 100.0) * 0.06
    with mpl.rc_context(FONT):
        fig = new_figure(6.9, 7.6)
        ax = fig.add_subplot()
        handles: list[Any] = []
        for draw, layers in ((_draw_polygons, _POLYGON_LAYERS), (_draw_lines, _LINE_LAYERS),
                             (_draw_points, tuple(POINT_MARKERS))):
            for layer in layers:
                frame = inv.layers.get(layer)
                if frame is not None and len(frame):
                    draw(ax, frame, LayerStyle(layer_spec(layer), lang), lang, handles)
        khu = inv.layers.get(KHU_LAYER)
        if khu is not None and NAME in khu.columns:
            for geom, name in zip(metric_geometry(khu).tolist(), khu[NAME], strict=True):
                if geom is not None and not geom.is_empty and isinstance(name, str):
                    p = geom.representative_point()
                    ax.text(p.x, p.y, name, ha="center", va="center", fontsize=8,
                            fontweight="bold", color="#4d3b12", zorder=6,
                            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white",
                                  "alpha": 0.7, "linewidth": 0})
        ax.set_xlim(west - pad, east + pad)
        ax.set_ylim(south - pad, north + pad)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        _scale_bar(ax, lang)
        _north_arrow(ax, lang)
        fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=6.8,
                   frameon=False, title=text("legend", lang), title_fontsize=8)
        return png_data_uri(fig)
