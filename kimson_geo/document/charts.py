"""The report's charts, drawn with matplotlib's Agg canvas (no pyplot, no display) and
embedded as PNG data URIs; colours are the registry's, as on the interactive map."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..registry import DRAINAGE_LAYER, KIND, ROADS_LAYER, SURFACE, WARD_RULES, layer_spec
from .numbers import number
from .sections import NONE_KEY, OUTSIDE, RoadSection, code_label
from .texts import text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["png_data_uri", "new_figure", "roads_chart", "widths_chart", "drainage_chart",
           "trend_chart", "DPI", "FONT"]

#: Resolution of the embedded PNGs (print quality at the size they are shown).
DPI = 200
#: Fonts with Vietnamese glyphs: matplotlib bundles DejaVu Sans.
FONT = {"font.family": "DejaVu Sans", "font.size": 8.5, "axes.titlesize": 9,
        "svg.fonttype": "none"}
_GREY = "#9e9e9e"
_BAND = "#a6d96a"


def new_figure(width_in: float, height_in: float) -> Figure:
    """A matplotlib Figure on an Agg canvas (pyplot's global state is never touched)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png_data_uri(fig: Figure) -> str:
    """The figure as a ``data:image/png;base64,…`` URI."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _color(layer: str, field: str, code: str) -> str:
    spec = layer_spec(layer)
    codes = spec.field(field).codes or {}
    c = codes.get(code)
    return c.color if c is not None and c.color else _GREY


def _style_axes(ax: Any, lang: str) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.yaxis.set_major_formatter(_formatter(lang))


def _formatter(lang: str, decimals: int = 1) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: number(v, lang, decimals, trim=True))


def roads_chart(r: RoadSection, lang: str) -> str | None:
    """Stacked bars: road length (km) in each khu, by surface."""
    import matplotlib as mpl

    keys = r.khu_keys
    if not keys or r.total_m <= 0:
        return None
    labels = [text("outside_khu", lang) if k == OUTSIDE else r.khu_names.get(k, k)
              for k in keys]
    with mpl.rc_context(FONT):
        fig = new_figure(6.6, 3.2)
        ax = fig.add_subplot()
        bottom = [0.0] * len(keys)
        for s in r.surfaces:
            values = [r.length(khu=k, surface=s) / 1000 for k in keys]
            ax.bar(range(len(keys)), values, bottom=bottom, width=0.62,
                   color=_color(ROADS_LAYER, SURFACE, s) if s != NONE_KEY else _GREY,
                   label=code_label(ROADS_LAYER, SURFACE, s, lang), edgecolor="white",
                   linewidth=0.5)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        for x, total in enumerate(bottom):
            ax.annotate(number(total, lang, 2), (x, total), ha="center", va="bottom",
                        xytext=(0, 2), textcoords="offset points", fontsize=7.5)
        ax.set_xticks(range(len(keys)), [_wrap(label) for label in labels])
        ax.set_ylabel(text("axis_km", lang))
        _style_axes(ax, lang)
        ax.legend(title=layer_spec(ROADS_LAYER).field(SURFACE).label(lang), frameon=False,
                  loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5)
        return png_data_uri(fig)


def _wrap(label: str, width: int = 14) -> str:
    """A tick label broken into lines of about ``width`` characters."""
    import textwrap

    return "\n".join(textwrap.wrap(label, width)) or label


def widths_chart(r: RoadSection, lang: str) -> str | None:
    """One bar per main-road segment (its width), over the 5–6 m band of the ward's rule."""
    import matplotlib as mpl

    if not r.main:
        return None
    low, high = WARD_RULES.main_road_width_m
    widths = [w if w is not None else 0.0 for _i, _n, w, _m in r.main]
    colors = ["#1a9641" if w is not None and low <= w <= high else "#d7191c"
              for _i, _n, w, _m in r.main]
    with mpl.rc_context(FONT):
        fig = new_figure(6.6, 2.6)
        ax = fig.add_subplot()
        ax.axhspan(low, high, color=_BAND, alpha=0.45, linewidth=0)
        ax.bar(range(len(widths)), widths, color=colors, width=0.7)
        ax.set_xticks(range(len(widths)), [i for i, _n, _w, _m in r.main], rotation=60,
                      ha="right", fontsize=6.5)
        ax.set_ylabel(text("axis_m", lang))
        ax.set_xlabel(text("axis_segment", lang))
        ax.set_ylim(0, max([high + 1.0, *widths]) * 1.05)
        _style_axes(ax, lang)
        return png_data_uri(fig)


def drainage_chart(by_kind: Mapping[str, float], lang: str) -> str | None:
    """Horizontal bars: drainage length (km) by kind, in the kinds' map colours."""
    import matplotlib as mpl

    if not by_kind or sum(by_kind.values()) <= 0:
        return None
    kinds = list(by_kind)
    with mpl.rc_context(FONT):
        fig = new_figure(6.6, 0.5 + 0.42 * len(kinds))
        ax = fig.add_subplot()
        values = [by_kind[k] / 1000 for k in kinds]
        ax.barh(range(len(kinds)), values,
                color=[_color(DRAINAGE_LAYER, KIND, k) if k != NONE_KEY else _GREY
                       for k in kinds], height=0.6)
        ax.set_yticks(range(len(kinds)), [code_label(DRAINAGE_LAYER, KIND, k, lang)
                                          for k in kinds])
        ax.invert_yaxis()
        for y, v in enumerate(values):
            ax.annotate(f"{number(v, lang, 2)} km", (v, y), va="center", xytext=(3, 0),
                        textcoords="offset points", fontsize=7.5)
        ax.set_xlabel(text("axis_km", lang))
        ax.spines[["top", "right"]].set_visible(False)
        ax.xaxis.set_major_formatter(_formatter(lang))
        ax.set_xlim(0, max(values) * 1.25)
        return png_data_uri(fig)


def trend_chart(revisions: Sequence[tuple[str, Sequence[Any]]], lang: str) -> str | None:
    """The claims measured in percent, one line each, across store revisions.

    ``revisions`` is a list of ``(revision label, claims)`` in time order; claims are
    :class:`~kimson_geo.validation.claims.ClaimResult` objects or their dicts.
    """
    import matplotlib as mpl

    from .review import claim_title

    if not revisions:
        return None
    labels = [str(rev) for rev, _claims in revisions]
    series: dict[str, list[float | None]] = {}
    titles: dict[str, str] = {}
    for k, (_rev, claims) in enumerate(revisions):
        for c in claims:
            get = c.get if isinstance(c, dict) else lambda key, c=c: getattr(c, key, None)
            value = get("value")
            if get("unit") != "%" or not isinstance(value, int | float):
                continue
            cid = str(get("id"))
            titles.setdefault(cid, claim_title(c, lang))
            series.setdefault(cid, [None] * len(revisions))[k] = float(value)
    if not series:
        return None
    with mpl.rc_context(FONT):
        fig = new_figure(6.6, 3.0)
        ax = fig.add_subplot()
        for cid, values in series.items():
            xs = [x for x, v in enumerate(values) if v is not None]
            ax.plot(xs, [values[x] for x in xs], marker="o", linewidth=1.4, markersize=4,
                    label=_wrap(titles[cid], 48))
        ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right")
        ax.set_ylabel(text("axis_pct", lang))
        ax.set_ylim(0, 105)
        _style_axes(ax, lang)
        ax.legend(frameon=False, fontsize=6.5, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return png_data_uri(fig)
