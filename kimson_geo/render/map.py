"""Interactive maps of an inventory: :func:`to_map` builds a folium map, :func:`render_map`
writes it to an HTML file.

Every value from the data is HTML-escaped in Python before it reaches the page, and the
data is embedded as JSON that cannot close its ``<script>`` element, so no attribute value
can run script in the page (:mod:`kimson_geo.render.encode` also keeps the data small).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import registry
from ..errors import LayerError
from ..registry import LAYER_NAMES, layer_spec
from .text import check_lang, esc, format_value, ui

if TYPE_CHECKING:
    import folium

    from .encode import EncodedLayer

__all__ = ["to_map", "render_map", "check_tiles", "ASSET_URLS", "CANVAS_THRESHOLD"]

#: Bounds of an empty map: the ward's approximate position (DATA_BRIEF: low confidence,
#: which is enough to frame nothing).
_FALLBACK_BOUNDS = (106.52, 21.07, 106.52, 21.07)

#: Above this many lines and polygons the map draws on a canvas (fast; hatching is then
#: a plain tint) instead of SVG.
CANVAS_THRESHOLD = 5_000

_NPM = "https://cdn.jsdelivr.net/npm/"
_FONTAWESOME = f"{_NPM}@fortawesome/fontawesome-free@6.2.0/css"
_MOUSE = f"{_NPM}leaflet-mouse-position@1.2.0/src/L.Control.MousePosition"
#: Where the page loads its libraries from, replacing folium's defaults.  Every URL names
#: an exact npm package version, so that the browser tests can serve it from
#: ``tests/browser/node_modules``; Bootstrap, jQuery and awesome-markers are not needed.
ASSET_URLS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "map": {
        "js": [("leaflet", f"{_NPM}leaflet@1.9.3/dist/leaflet.js")],
        "css": [("leaflet_css", f"{_NPM}leaflet@1.9.3/dist/leaflet.css"),
                ("awesome_markers_font_css", f"{_FONTAWESOME}/all.min.css"),
                ("fontawesome_v4_shims_css", f"{_FONTAWESOME}/v4-shims.min.css")],
    },
    # folium's MeasureControl points at a GitHub build and MousePosition at an unversioned
    # GitHub branch; these are the same plugins as published, versioned, on npm.
    "measure": {
        "js": [("leaflet_measure_js", f"{_NPM}leaflet-measure@3.1.0/dist/leaflet-measure.js")],
        "css": [("leaflet_measure_css", f"{_NPM}leaflet-measure@3.1.0/dist/leaflet-measure.css")],
    },
    "mouse_position": {"js": [("Control_MousePosition_js", f"{_MOUSE}.js")],
                       "css": [("Control_MousePosition_css", f"{_MOUSE}.css")]},
}

# Base layers the map always offers: name -> (tile URL, attribution, subdomains, max zoom).
# CartoDB is spelled out because xyzservices now asks for an API key the tiles do not need.
_OSM = "OpenStreetMap"
_POSITRON = "CartoDB Positron"
_OSM_CREDIT = ('&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
               "contributors")
_BASE_TILES: dict[str, tuple[str, str, str, int]] = {
    _OSM.lower(): ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", _OSM_CREDIT, "abc", 19),
    _POSITRON.lower(): ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
                        f'{_OSM_CREDIT} &copy; <a href="https://carto.com/attributions">CARTO</a>',
                        "abcd", 20),
}


def _select(frames: Mapping[str, Any], layers: Sequence[str] | None) -> list[str]:
    """Registry layers to draw, in drawing order; unknown or absent ones are an error."""
    if layers is None:
        return [name for name in LAYER_NAMES if name in frames]
    wanted = [layers] if isinstance(layers, str) else list(layers)
    for name in wanted:
        layer_spec(name)  # raises LayerError for a name the registry does not know
        if name not in frames:
            have = ", ".join(frames) or "none"
            raise LayerError(f"layer {name!r} is not in this inventory (it has: {have})")
    return [name for name in LAYER_NAMES if name in wanted]


# a tile URL template: http(s), nothing that could leave a quoted string or an attribute
_TILE_URL = re.compile(r"https?://[^\s\"'<>`\\]+", re.IGNORECASE)


def check_tiles(tiles: str) -> str:
    """``tiles`` when a map can use it: ``OpenStreetMap``, ``CartoDB Positron``, another
    xyzservices name that needs no API key, or an http(s) URL template with ``{z}``,
    ``{x}`` and ``{y}``.

    Raises
    ------
    ValueError
        Otherwise, in one line that says what is accepted.
    """
    if not isinstance(tiles, str) or not tiles.strip():
        raise ValueError("tiles: give a name such as OpenStreetMap or a URL template")
    if tiles.lower() in _BASE_TILES:
        return tiles
    example = "https://tile.example.org/{z}/{x}/{y}.png"
    if "://" in tiles or tiles.lower().startswith(("http", "//", "javascript:", "data:")):
        if not _TILE_URL.fullmatch(tiles) or not all(p in tiles for p in ("{z}", "{x}", "{y}")):
            raise ValueError(f"tiles {tiles!r}: a tile URL must be http(s) and hold {{z}}, "
                             f"{{x}} and {{y}}, such as {example}")
        return tiles
    import xyzservices

    try:
        provider = xyzservices.providers.query_name(tiles)
    except ValueError:
        raise ValueError(f"unknown tiles {tiles!r}: use {_OSM}, {_POSITRON}, another "
                         f"xyzservices name (such as OpenTopoMap) or a URL template such as "
                         f"{example}") from None
    if provider.requires_token():
        raise ValueError(f"tiles {tiles!r} need an API key: give their URL template with "
                         "the key instead")
    return tiles


def _tile_layer(tiles: str, lang: str, *, show: bool) -> folium.TileLayer:
    import folium

    known = _BASE_TILES.get(check_tiles(tiles).lower())
    if known is None and "://" in tiles:  # a URL template: the host is its attribution
        from urllib.parse import urlsplit

        host = esc(urlsplit(tiles).hostname or tiles)
        return folium.TileLayer(tiles, attr=host, name=host, show=show)
    if known is None:  # another xyzservices name: folium resolves it
        return folium.TileLayer(tiles, show=show)
    url, attribution, subdomains, max_zoom = known
    name = ui("osm" if tiles.lower() == _OSM.lower() else "positron", lang)
    return folium.TileLayer(url, attr=attribution, name=name, subdomains=subdomains,
                            max_zoom=max_zoom, max_native_zoom=max_zoom, show=show)


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)


def _claims_html(claims: Iterable[Any], lang: str) -> str:
    """The claims panel: text in ``lang`` (id on hover), measured value, target, pass/fail."""
    head = "".join(f"<th>{ui(k, lang)}</th>" for k in ("claim", "value", "target", "result"))
    rows = []
    for claim in claims:
        label = _get(claim, f"label_{lang}") or _get(claim, f"claim_{lang}") or _get(claim, "id")
        unit = _get(claim, "unit")
        passed = _get(claim, "passed")
        result = "–"
        if passed is not None:
            css, mark, word = ("ks-pass", "✓", "pass") if passed else ("ks-fail", "✗", "fail")
            result = f'<span class="{css}">{mark} {ui(word, lang)}</span>'
        rows.append(f'<tr title="{esc(_get(claim, "id"))}"><td>{esc(label)}</td>'
                    f'<td class="ks-num">{_display(_get(claim, "value"), lang, unit)}</td>'
                    f'<td class="ks-num">{_display(_get(claim, "target"), lang, unit)}</td>'
                    f"<td>{result}</td></tr>")
    return (f"<details open><summary>{ui('claims', lang)}</summary>"
            f"<table><tr>{head}</tr>{''.join(rows)}</table></details>")


def _display(value: Any, lang: str, unit: str | None = None) -> str:
    if isinstance(value, list | tuple):
        return " – ".join(_display(v, lang) for v in value) + (f" {esc(unit)}" if unit else "")
    text = format_value(value, lang)
    if text is None:
        return "–"
    if unit and not isinstance(value, str):
        text += f"\u00a0{esc(unit)}"
    return text


def _problem_layer(problems: Mapping[str, Any], lang: str) -> tuple[dict[str, Any], int, str]:
    """The encoded problems overlay, its feature count and its legend section."""
    import numpy as np
    import shapely.geometry

    from .encode import encode_geometries
    from .style import PROBLEM_COLORS

    features = [f for f in problems.get("features", []) if f.get("geometry")]
    geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object)
    props = [_labelled(f.get("properties") or {}, lang) for f in features]
    types, coords = encode_geometries(geoms)
    severity_codes = ["warning" if p.get("severity") == "warning" else "error" for p in props]
    levels = sorted(set(severity_codes), key=("error", "warning").index)
    styles = [{"color": "#7f0000", "weight": 1.5, "radius": 7,
               "fillColor": PROBLEM_COLORS[level], "fillOpacity": 0.9} for level in levels]
    keys = ("rule", "severity", "layer", "feature_id", "feature", "field")
    payload = {
        "key": "message",
        "label": ui("problems", lang),
        "n": [format_value(p.get("message"), lang) or "" for p in props],
        "t": types,
        "g": coords,
        "f": [[ui(k, lang), ""] for k in keys],
        "c": [[0, [ui(f"severity_{s}", lang) for s in severity_codes]] if k == "severity"
              else [0, [format_value(p.get(k), lang) for p in props]] for k in keys],
        "s": styles,
        "si": [levels.index(s) for s in severity_codes],
    }
    legend = "".join(
        f'<div class="ks-row"><i class="ks-sw-dot" style="background:{PROBLEM_COLORS[level]};'
        f'border:1.5px solid #7f0000"></i><span>{ui(f"severity_{level}", lang)}</span></div>'
        for level in (levels or ["error"])
    )
    return payload, len(features), legend


def _labelled(props: Mapping[str, Any], lang: str) -> Mapping[str, Any]:
    """A problem's properties with a registry layer's label and ``label (field)``."""
    layer, field = props.get("layer"), props.get("field")
    if not (isinstance(layer, str) and layer in registry.LAYERS):
        return props
    spec = layer_spec(layer)
    if isinstance(field, str) and spec.has_field(field):
        field = f"{spec.field(field).label(lang)} ({field})"
    return {**props, "layer": spec.label(lang), "field": field}


def _with_assets(element: Any, key: str) -> Any:
    """``element`` loading its scripts and styles from :data:`ASSET_URLS` ``[key]``."""
    element.default_js = list(ASSET_URLS[key]["js"])
    element.default_css = list(ASSET_URLS[key]["css"])
    return element


def to_map(inv: Any, *, layers: Sequence[str] | None = None, tiles: str = "OpenStreetMap",
           title: str | None = None, lang: str = "vi", problems: Mapping[str, Any] | None = None,
           claims: Sequence[Any] | None = None, changes: Mapping[str, Any] | None = None
           ) -> folium.Map:
    """An interactive folium map of the inventory's layers.

    Parameters
    ----------
    inv
        An :class:`~kimson_geo.inventory.Inventory` (or a mapping of layer name to
        GeoDataFrame in WGS 84).
    layers
        Registry names of the layers to draw; default every layer present.
    tiles
        The base layer shown first: ``OpenStreetMap``, ``CartoDB Positron`` (both always
        offered), or another xyzservices name or a tile URL template.
    title
        Shown at the top of the map and as the page title.
    lang
        ``vi`` (default) or ``en``: labels in popups, legend, layer control and panels.
    problems
        A validation report's problems as a GeoJSON FeatureCollection of points
        (``ValidationReport.to_geojson()``); drawn as a red overlay.
    claims
        The report's claims (objects or dicts with ``id``, ``value``, ``target``,
        ``passed`` and optionally ``label_vi``/``label_en``); shown in a panel.
    changes
        A diff's changes (``InventoryDiff.to_geojson()``): added green, removed red,
        modified amber, with old → new in the popups.

    Raises
    ------
    LayerError
        If a name in ``layers`` is not a registry layer or not in the inventory.
    ValueError
        If ``lang`` is not ``vi`` or ``en``, or ``tiles`` is not usable (see
        :func:`check_tiles`).
    """
    import folium
    from folium import plugins

    from .elements import DataLayer, Panel, Runtime, SearchHook, SearchIndex, Title
    from .encode import encode_layer

    lang = check_lang(lang)
    frames = getattr(inv, "layers", inv)
    if not isinstance(frames, Mapping):
        raise TypeError("to_map needs an Inventory (or a mapping of layer name to frame)")
    names = _select(frames, layers)

    canvas = sum(int((~frames[name].geometry.geom_type.isin(["Point", "MultiPoint"])).sum())
                 for name in names) > CANVAS_THRESHOLD  # lines and polygons
    encoded: list[EncodedLayer] = [
        encode_layer(frames[name], layer_spec(name), lang=lang, label_field=registry.NAME,
                     hatch_patterns=not canvas)
        for name in names
    ]

    bounds: list[tuple[float, ...]] = [layer.bounds for layer in encoded if layer.bounds]
    overlays = [(layer.name, esc(layer_spec(layer.name).label(lang)), layer.payload,
                 layer.legend) for layer in encoded]  # (id, label, payload, legend)
    if problems is not None:
        payload, count, legend = _problem_layer(problems, lang)
        overlays.append(("problems", f"{ui('problems', lang)} ({count})", payload, legend))
    if changes is not None:
        from .changes import change_layer

        payload, count, legend, box = change_layer(changes, lang)
        overlays.append(("changes", f"{esc(payload['label'])} ({count})", payload, legend))
        if box is not None:
            bounds.append(box)
    boxes = bounds or [_FALLBACK_BOUNDS]
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    m = _with_assets(folium.Map(location=[(south + north) / 2, (west + east) / 2], tiles=None,
                                control_scale=True, prefer_canvas=canvas, zoom_start=15), "map")
    root: Any = m.get_root()  # a branca Figure
    root.title = esc(title) if title else ui("page_title", lang)

    schematic = any(layer.schematic for layer in encoded)
    Runtime(attribution=ui("schematic", lang) if schematic else None,
            notice=ui("no_tiles", lang)).add_to(m)

    primary = tiles or _OSM
    _tile_layer(primary, lang, show=True).add_to(m)
    for other in (_OSM, _POSITRON):
        if other.lower() != primary.lower():
            _tile_layer(other, lang, show=False).add_to(m)

    members: list[Any] = []  # the DataLayers added
    sections: list[str] = []  # the legend's
    for name, label, payload, legend in overlays:  # each a toggleable overlay
        group = folium.FeatureGroup(name=label, overlay=True, control=True, show=True).add_to(m)
        members.append(DataLayer(payload, layer=name, legend_id=f"ks-{name}").add_to(group))
        sections.append(f'<div class="ks-sec" data-ks-legend="{esc(f"ks-{name}")}">'
                        f'<div class="ks-sec-t">{label}</div>{legend}</div>')

    index: Any = SearchIndex(members[:len(encoded)]).add_to(m) if encoded else None
    plugins.Fullscreen(title=ui("fullscreen", lang),
                       title_cancel=ui("exit_fullscreen", lang)).add_to(m)
    _with_assets(plugins.MeasureControl(
        position="topleft", primary_length_unit="meters", secondary_length_unit="kilometers",
        primary_area_unit="sqmeters", secondary_area_unit="hectares",
    ), "measure").add_to(m)
    if index is not None:  # folium puts the placeholder in a single-quoted JS string
        placeholder = ui("search", lang).replace("\\", "").replace("'", "&#x27;")
        plugins.Search(layer=index, search_label=registry.NAME, search_zoom=17,
                       geom_type="Point", position="topleft", collapsed=True,
                       placeholder=placeholder).add_to(m)
        SearchHook(index).add_to(m)
    _with_assets(plugins.MousePosition(position="bottomleft", separator=" | ", num_digits=6,
                                       prefix="WGS 84:", empty_string="WGS 84"),
                 "mouse_position").add_to(m)
    plugins.MiniMap(position="bottomleft", toggle_display=True, width=130, height=130,
                    zoom_level_offset=-5).add_to(m)

    if title:
        Title(esc(title)).add_to(m)
    if sections:
        columns = ' class="ks-cols"' if len(sections) >= 4 else ""  # two columns from four on
        Panel(f"<details open><summary>{ui('legend', lang)}</summary>"
              f"<div{columns}>{''.join(sections)}</div></details>", css_class="ks-legend",
              position="bottomright").add_to(m)
    if claims:
        Panel(_claims_html(claims, lang), css_class="ks-claims", position="topleft").add_to(m)

    if bounds:
        m.fit_bounds([[south, west], [north, east]])
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
    return m


def map_html(m: folium.Map) -> str:
    """The complete HTML page of a map made by :func:`to_map`.

    folium's ``\\uXXXX`` escapes of non-ASCII letters (not U+2028/U+2029 nor surrogates)
    are turned back into UTF-8 text; ``<``, ``>`` and quotes stay escaped.
    """
    def repl(match: re.Match[str]) -> str:
        slashes, code = match.group(1), int(match.group(2), 16)
        if len(slashes) % 2 == 0 or code < 0xA0 or 0xD800 <= code <= 0xDFFF \
                or code in (0x2028, 0x2029):
            return match.group(0)
        return slashes[:-1] + chr(code)

    return re.sub(r"(\\+)u([0-9a-fA-F]{4})", repl, m.get_root().render())


def render_map(inv: Any, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write an interactive map of the inventory to an HTML file.

    The file is written atomically (:mod:`kimson_geo.io.atomic`): if anything fails,
    ``path`` is left as it was.  Missing parent folders are created.

    Parameters
    ----------
    inv
        The inventory to draw.
    path
        Where to write the HTML page (``-``: standard output).
    **options
        Passed to :func:`to_map`: ``layers``, ``tiles``, ``title``, ``lang``, ``problems``,
        ``claims``, ``changes``; and ``offline=True``: every script, style and icon font in
        the page (:mod:`kimson_geo.render.offline`), so that it draws with no network at all.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ExportError
        If the file cannot be written, or ``path`` exists and is not a regular file.
    """
    from ..io.atomic import write_bytes

    offline = bool(options.pop("offline", False))
    page = map_html(to_map(inv, **options))
    if offline:
        from .offline import inline_assets

        page = inline_assets(page)
    return write_bytes(path, page.encode("utf-8"))
