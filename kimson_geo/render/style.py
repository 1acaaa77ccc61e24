"""Map styles and legends from the registry's style hints.

A layer's ``style`` hints in :mod:`kimson_geo.registry` say how it is drawn:

``color``, ``weight``, ``fill``, ``fill_opacity``, ``dash``
    fixed values for every feature;
``color_by``, ``weight_by``, ``icon_by``
    a coded field whose codes carry ``color``, ``weight`` and ``icon``;
``indicator``, ``indicator_colors``
    a field that shades polygon fills (booleans: the two colours are for false and true);
``hatch``
    polygons are filled with diagonal stripes of their colour.

:class:`LayerStyle` turns those hints into Leaflet path options and DivIcon HTML for each
distinct combination of driving values, and writes the layer's legend.  Every string that
ends up in HTML is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..registry import Code, FieldSpec, LayerSpec
from .text import esc, ui

__all__ = ["LayerStyle", "StyleKey", "PROBLEM_COLORS", "hatch_css"]

#: Leaflet's own default colour, used when the registry gives none.
_DEFAULT_COLOR = "#3388ff"
#: Fill colours of an indicator when the registry gives none: false, true.
_DEFAULT_INDICATOR_COLORS = ("#fc8d59", "#91cf60")
_MISSING_COLOR = "#bdbdbd"
#: Colours of validation problems by severity.
PROBLEM_COLORS = {"error": "#d7191c", "warning": "#fdae61"}

#: A feature's style is fixed by these values: the codes of the colour, weight and icon
#: fields, the indicator value, and whether the geometry is a point.
StyleKey = tuple[Any, Any, Any, Any, bool]


def _hex_alpha(color: str, opacity: float) -> str:
    """``#rrggbb`` plus an alpha byte (CSS accepts ``#rrggbbaa``)."""
    if len(color) == 7 and color.startswith("#"):
        return f"{color}{round(max(0.0, min(1.0, opacity)) * 255):02x}"
    return color


def hatch_css(color: str, opacity: float) -> str:
    """A CSS background of diagonal stripes, as the map draws hatched polygons."""
    stripe = _hex_alpha(color, min(1.0, opacity * 2.5))
    return (f"repeating-linear-gradient(45deg,{stripe} 0 2px,transparent 2px 6px),"
            f"{_hex_alpha(color, opacity)}")


@dataclass(frozen=True)
class LayerStyle:
    """How one layer is drawn, from its registry style hints.

    Parameters
    ----------
    spec
        The layer's registry entry.
    lang
        ``vi`` or ``en``, for legend labels.
    hatch_patterns
        Draw hatched polygons with SVG patterns (False on a canvas map: plain tint).
    """

    spec: LayerSpec
    lang: str = "vi"
    hatch_patterns: bool = True

    def _field(self, hint: str) -> FieldSpec | None:
        """The registry field that style hint ``hint`` names, if the layer has it."""
        name = self.spec.style.get(hint)
        if isinstance(name, str) and self.spec.has_field(name):
            return self.spec.field(name)
        return None

    color_field = property(partial(_field, hint="color_by"))
    weight_field = property(partial(_field, hint="weight_by"))
    icon_field = property(partial(_field, hint="icon_by"))
    indicator_field = property(partial(_field, hint="indicator"))

    @property
    def driving_fields(self) -> tuple[FieldSpec | None, ...]:
        """The fields whose values make up a :data:`StyleKey`, in key order."""
        return (self.color_field, self.weight_field, self.icon_field, self.indicator_field)

    @staticmethod
    def _code(field: FieldSpec | None, code: Any) -> Code | None:
        return field.codes.get(code) if field is not None and field.codes else None

    def _hint(self, key: str, default: Any = None) -> Any:
        return self.spec.style.get(key, default)

    def color(self, code: Any) -> str:
        found = self._code(self.color_field, code)
        return found.color if found and found.color else str(self._hint("color", _DEFAULT_COLOR))

    def weight(self, code: Any, *, point: bool = False) -> float:
        found = self._code(self.weight_field, code)
        if found is not None and found.weight is not None:
            return float(found.weight)
        return float(self._hint("weight", 2 if point else 3))

    def indicator_color(self, value: Any, bins: Sequence[float] = ()) -> str:
        """Fill colour of an indicator value (booleans, codes with colours, numbers)."""
        field = self.indicator_field
        low, high = self._hint("indicator_colors", _DEFAULT_INDICATOR_COLORS)
        if value is None:
            return _MISSING_COLOR
        if field is not None and field.codes:
            code = field.codes.get(value) if isinstance(value, str) else None
            return code.color if code is not None and code.color else _MISSING_COLOR
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            return str(high if value else low)
        if bins and isinstance(value, int | float):
            step = sum(1 for edge in bins[1:-1] if value >= edge)
            return _mix(str(low), str(high), step / max(1, len(bins) - 2))
        return _MISSING_COLOR

    def path_style(self, key: StyleKey, bins: Sequence[float] = ()) -> dict[str, Any]:
        """Leaflet path options for a line, polygon or circle marker with this key."""
        color_code, weight_code, _icon, indicator, point = key
        color = self.color(color_code)
        style: dict[str, Any] = {"color": color, "weight": self.weight(weight_code, point=point),
                                 "opacity": 0.9}
        if dash := self._hint("dash"):
            style["dashArray"] = str(dash)
        if point:
            style.update(radius=6, fillColor=color, fillOpacity=0.8)
            return style
        style["fill"] = fill = bool(self._hint("fill", True))
        if fill:
            style["fillColor"] = fill_color = (self.indicator_color(indicator, bins)
                                               if self.indicator_field is not None else color)
            style["fillOpacity"] = float(self._hint("fill_opacity", 0.2))
            if self._hint("hatch") and self.hatch_patterns:
                # the pattern (see runtime.js) carries the tint; the path paints it whole
                style["hatch"] = fill_color
        return style

    def icon_html(self, key: StyleKey) -> str | None:
        """DivIcon HTML of a point with this key, or None for a circle marker."""
        color_code, _weight, icon_code, _indicator, point = key
        if not point or self.icon_field is None:
            return None
        icon = self._code(self.icon_field, icon_code)
        glyph = f'<i class="fa fa-{esc(icon.icon)}"></i>' if icon and icon.icon else ""
        color = esc(self.color(color_code))
        return f'<span class="ks-pin" style="background:{color}">{glyph}</span>'

    def legend_html(self, present: dict[str, set[Any]], *, has_points: bool,
                    has_areas: bool, bins: Sequence[float] = ()) -> str:
        """The layer's legend section: its label and a swatch per code drawn.

        ``present`` maps each driving field name to the values found in the data, so the
        legend lists only what the map shows (in registry order).
        """
        rows: list[str] = []
        color_field, weight_field = self.color_field, self.weight_field
        icon_field, indicator = self.icon_field, self.indicator_field

        def codes_of(field: FieldSpec) -> list[str]:
            found = present.get(field.name, set())
            codes = [c for c in (field.codes or {}) if c in found]
            return codes or list(field.codes or {})

        def row(swatch: str, label: str) -> None:
            rows.append(f'<div class="ks-row">{swatch}<span>{label}</span></div>')

        def sub(title: str) -> None:
            rows.append(f'<div class="ks-sub">{title}</div>')

        if icon_field is not None and has_points:
            for code in codes_of(icon_field):
                key: StyleKey = (code if color_field is icon_field else None, None, code,
                                 None, True)
                row(f'<span class="ks-sw-pin">{self.icon_html(key)}</span>',
                    esc(icon_field.code_label(code, self.lang)))
        if color_field is not None and (icon_field is not color_field or has_areas):
            if weight_field is not None and weight_field is not color_field:
                sub(f'{ui("color_by", self.lang)}: {esc(color_field.label(self.lang))}')
            for code in codes_of(color_field):
                weight_code = code if weight_field is color_field else None
                swatch = self._swatch(color_code=code, weight_code=weight_code,
                                      area=has_areas, bins=bins)
                row(swatch, esc(color_field.code_label(code, self.lang)))
        if weight_field is not None and weight_field is not color_field:
            sub(f'{ui("width_by", self.lang)}: {esc(weight_field.label(self.lang))}')
            for code in codes_of(weight_field):
                w = self.weight(code)
                row(f'<i class="ks-sw-line" style="border-top:{w:g}px solid #555"></i>',
                    esc(weight_field.code_label(code, self.lang)))
        if indicator is not None and has_areas:
            sub(esc(indicator.label(self.lang)))
            for value, label in self._indicator_values(indicator, present, bins):
                row(self._swatch(indicator=value, area=True, bins=bins), label)
        if not rows:
            row(self._swatch(area=has_areas), esc(self.spec.label(self.lang)))
        return "".join(rows)

    def _indicator_values(self, field: FieldSpec, present: dict[str, set[Any]],
                          bins: Sequence[float]) -> list[tuple[Any, str]]:
        found = present.get(field.name, set())
        if field.codes:
            return [(c, esc(field.code_label(c, self.lang))) for c in field.codes
                    if c in found or not found]
        if field.type == "bool":
            return [(v, ui("yes" if v else "no", self.lang)) for v in (True, False)
                    if v in found or not found]
        return [((lo + hi) / 2, esc(f"{lo:g} – {hi:g}"))
                for lo, hi in zip(bins[:-1], bins[1:], strict=True)]  # none without bins

    def _swatch(self, *, color_code: Any = None, weight_code: Any = None,
                indicator: Any = None, area: bool = False, bins: Sequence[float] = ()) -> str:
        style = self.path_style((color_code, weight_code, None, indicator, False), bins)
        color = esc(style["color"])
        dashed = "dashed" if style.get("dashArray") else "solid"
        if not area:
            weight = max(1.0, min(8.0, float(style["weight"])))
            return f'<i class="ks-sw-line" style="border-top:{weight:g}px {dashed} {color}"></i>'
        background = "transparent"
        if style.get("fill"):
            opacity = float(style["fillOpacity"])
            background = (hatch_css(style["fillColor"], opacity) if self._hint("hatch")
                          else _hex_alpha(style["fillColor"], max(opacity, 0.35)))
        return (f'<i class="ks-sw-area" style="background:{esc(background)};'
                f'border:2px {dashed} {color}"></i>')


def _mix(low: str, high: str, t: float) -> str:
    """Colour ``t`` of the way from ``low`` to ``high`` (``#rrggbb``)."""
    pairs = zip(bytes.fromhex(low[1:]), bytes.fromhex(high[1:]), strict=True)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in pairs)
