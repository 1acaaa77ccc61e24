"""kimson_geo.render: the HTML map, without a browser (tests/browser drives Chromium)."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

import kimson_geo
from kimson_geo.errors import ExportError, LayerError
from kimson_geo.inventory import from_frames
from kimson_geo.registry import LAYERS, WGS84, layer_spec
from kimson_geo.render import render_map, to_map
from kimson_geo.render.encode import SCALE, dumps_js, encode_geometries, encode_layer
from kimson_geo.render.map import map_html

from _support import metric_to_wgs84, provenance

IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=2</script>"
JINJA = "{{ 7*7 }} {% if true %}jinja ran{% endif %}"


def _page(inv, **options) -> str:
    return map_html(to_map(inv, **options))


@pytest.fixture(scope="module")
def bundled_html(bundled) -> str:
    return _page(bundled)


@pytest.fixture
def hostile() -> kimson_geo.Inventory:
    """A cultural house and a road whose text properties try to run script or Jinja."""
    houses = gpd.GeoDataFrame(
        [provenance(id="ch-x", name=IMG, kind="khu", khu="khu-a", in_use=True, note=SCRIPT,
                    built_year=2017)],
        geometry=metric_to_wgs84([Point(0, 0)]), crs=WGS84)
    roads = gpd.GeoDataFrame(
        [provenance(id="r-x", name=JINJA, kind="main", surface="concrete", width_m=5.5,
                    note="</script><script>window.__pwned=3</script>")],
        geometry=metric_to_wgs84([LineString([(0, 0), (120, 40)])]), crs=WGS84)
    return from_frames({"cultural_houses": houses, "roads": roads})


# ----------------------------------------------------------------------------- content

def test_every_layer_is_an_overlay_with_its_label(bundled, bundled_html):
    assert "L.control.layers(" in bundled_html
    overlays = re.search(r'overlays\s*:\s*\{(.*?)\}', bundled_html, re.S)
    assert overlays is not None
    for name in bundled.layers:
        assert json.dumps(html.escape(layer_spec(name).label_vi), ensure_ascii=False) \
            in overlays.group(1), name


def test_layer_control_is_added_last(bundled_html):
    script = bundled_html.rsplit("<script>", 1)[1]
    last = script.rfind("L.control.layers(")
    assert last > max(script.rfind("ksGeo.layer("), script.rfind("L.Control.Search"))


def test_plugins_and_base_layers(bundled_html):
    for needle in (
        "L.control.fullscreen(", "L.Control.Measure", '"primaryLengthUnit": "meters"',
        "L.Control.MiniMap", "L.Control.Search", "L.Control.MousePosition",
        "L.control.scale()", "tile.openstreetmap.org", "basemaps.cartocdn.com/light_all",
    ):
        assert needle in bundled_html, needle


def test_legend_lists_codes_with_registry_colours(bundled_html):
    roads = layer_spec("roads")
    legend = re.search(r'class="ks-panel ks-legend".*?</div></details>', bundled_html, re.S)
    assert legend is not None
    text = legend.group(0)
    for name in ("roads", "drainage", "cultural_houses", "industrial_clusters", "khu"):
        assert f'data-ks-legend="ks-{name}"' in text
    surface = roads.field("surface")
    for code in surface.codes.values():
        assert code.vi in text and code.color in text
    assert "repeating-linear-gradient" in text  # hatched clusters


def test_popup_data_has_labels_units_and_code_labels(bundled):
    spec = layer_spec("roads")
    encoded = encode_layer(bundled.layers["roads"], spec, lang="vi", label_field="name")
    labels = [label for label, _unit in encoded.payload["f"]]
    assert spec.field("width_m").label_vi in labels
    assert ["Bề rộng", "m"] in encoded.payload["f"]
    kind_column = encoded.payload["c"][labels.index(spec.field("kind").label_vi)]
    assert set(kind_column[0]) <= {code.vi for code in spec.field("kind").codes.values()}
    assert spec.field("id").label_vi not in labels  # show=False
    assert encoded.count == len(bundled.layers["roads"])


def test_only_shown_properties_are_embedded(bundled):
    frame = bundled.layers["roads"]
    encoded = encode_layer(frame, layer_spec("roads"), label_field="name")
    text = dumps_js(encoded.payload)
    assert str(frame["id"].iloc[0]) not in text  # ids are not shown, so not embedded
    assert "bbox" not in text


def test_vietnamese_stays_utf8(bundled_html, bundled):
    name = bundled.layers["cultural_houses"]["name"].iloc[0]
    assert name in bundled_html
    assert "Đường giao thông" in bundled_html  # the roads overlay, in the layer control too
    escaped_letters = re.findall(r"\\u(?:00[c-f][0-9a-f]|01[0-9a-f]{2}|1e[0-9a-f]{2})",
                                 bundled_html, re.I)
    assert escaped_letters == []


def test_attribution_says_positions_are_schematic(bundled_html):
    assert "Vị trí minh họa (sơ đồ), không phải số liệu đo đạc" in bundled_html


def test_no_schematic_attribution_for_surveyed_data(small_roads):
    surveyed = small_roads.assign(position="surveyed")
    page = _page(from_frames({"roads": surveyed}))
    assert "không phải số liệu đo đạc" not in page


def test_english_labels(bundled):
    page = _page(bundled, lang="en")
    for name in bundled.layers:
        assert json.dumps(html.escape(layer_spec(name).label_en)) in page, name
    assert "Illustrative (schematic) positions, not survey data" in page
    assert "Width" in page and "Legend" in page
    assert "Đường giao thông" not in page and "Chú giải" not in page


def test_unknown_language_is_refused(bundled):
    with pytest.raises(ValueError, match="language"):
        to_map(bundled, lang="fr")


def test_layers_option_draws_only_those(bundled):
    page = _page(bundled, layers=["roads", "khu"])
    assert page.count("ksGeo.layer(") == 2
    assert layer_spec("wharves").label_vi not in page


def test_unknown_or_absent_layer_is_a_layer_error(bundled, small_roads):
    with pytest.raises(LayerError, match="unknown layer"):
        to_map(bundled, layers=["rivers"])
    with pytest.raises(LayerError, match="not in this inventory"):
        to_map(from_frames({"roads": small_roads}), layers=["khu"])


def test_title_and_tiles(bundled):
    page = _page(bundled, title="Kim Sơn <2017>", tiles="CartoDB Positron")
    assert "<title>Kim Sơn &lt;2017&gt;</title>" in page
    assert "Kim Sơn <2017>" not in page
    first_tiles = page.index("L.tileLayer(")
    assert "basemaps.cartocdn.com" in page[first_tiles:first_tiles + 200]


# ------------------------------------------------------------------------------ safety

def test_hostile_values_are_escaped(hostile):
    page = _page(hostile, title=IMG)
    assert "<img src=x onerror" not in page
    assert "<script>window.__pwned" not in page
    assert "</script><script>" not in page
    assert html.escape(IMG) in page
    assert html.escape(SCRIPT) in page


def test_data_is_never_evaluated_as_jinja(hostile):
    page = _page(hostile, title="{{ 6*6 }}")
    assert html.escape(JINJA) in page
    assert "jinja ran" not in page.replace(html.escape(JINJA), "")
    assert "{{ 6*6 }}" in page


def test_script_json_cannot_close_its_script_element():
    text = dumps_js({"a": "</script><!-- \u2028", "b": ["<b>"]})
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- \u2028", "b": ["<b>"]}


def test_problems_overlay_and_claims_panel_escape(bundled):
    problems = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.52, 21.07]},
         "properties": {"rule": "main-road-width", "severity": "error", "layer": "roads",
                        "feature": 3, "field": "width_m", "message": f"too narrow {IMG}"}},
        {"type": "Feature", "geometry": None,
         "properties": {"rule": "x", "severity": "warning", "message": "no place"}},
    ]}
    claims = [{"id": "roads-concreted", "value": 100.0, "target": 100, "passed": True,
               "label_vi": SCRIPT},
              {"id": IMG, "value": 90.5, "target": 96.45, "passed": False}]
    page = _page(bundled, problems=problems, claims=claims)
    assert "Lỗi kiểm tra dữ liệu (1)" in page  # the problem without a place is not drawn
    assert html.escape(f"too narrow {IMG}") in page
    assert "Kiểm tra số liệu báo cáo" in page and "ks-fail" in page and "ks-pass" in page
    assert "96,45" in page  # Vietnamese decimal comma
    assert "<img src=x onerror" not in page and "<script>window" not in page


def test_claims_panel_is_optional(bundled_html):
    assert "ks-claims" not in bundled_html.split("</style>")[-1]


# -------------------------------------------------------------------------------- size

def test_geometry_encoding_round_trips():
    geoms = np.array([
        Point(106.5123456, 21.0712346),
        LineString([(106.51, 21.07), (106.5112346, 21.0701)]),
        Polygon([(106.5, 21.0), (106.6, 21.0), (106.6, 21.1), (106.5, 21.0)],
                [[(106.55, 21.02), (106.56, 21.02), (106.56, 21.03), (106.55, 21.02)]]),
        MultiPolygon([Polygon([(106.1, 21.1), (106.2, 21.1), (106.2, 21.2), (106.1, 21.1)])]),
    ], dtype=object)
    types, coords = encode_geometries(geoms)
    assert types == [0, 1, 2, 5]
    at = [0, 0]

    def chain(flat):
        out = []
        for i in range(0, len(flat), 2):
            at[0] += flat[i]
            at[1] += flat[i + 1]
            out.append((at[0] / SCALE, at[1] / SCALE))
        return out

    assert chain(coords[0]) == [(106.512346, 21.071235)]
    assert chain(coords[1]) == [(106.51, 21.07), (106.511235, 21.0701)]
    rings = [chain(r) for r in coords[2]]
    assert len(rings) == 2 and rings[1][0] == (106.55, 21.02)
    assert chain(coords[3][0][0])[1] == (106.2, 21.1)


def test_big_road_layer_is_a_third_of_a_naive_folium_map():
    import folium

    rng = np.random.default_rng(7)
    n = 2_000
    kinds = list(layer_spec("roads").field("kind").codes)
    surfaces = list(layer_spec("roads").field("surface").codes)
    lines = []
    for _ in range(n):
        start = rng.uniform([0, 0], [3000, 2000])
        steps = rng.normal(0, 30, (int(rng.integers(2, 6)), 2))
        lines.append(LineString(start + np.cumsum(steps, axis=0)))
    roads = gpd.GeoDataFrame(
        [provenance(id=f"r-{i}", name=f"Đường số {i}", kind=kinds[i % 4],
                    surface=surfaces[i % 3], width_m=float(3 + i % 4), dead_end=False,
                    note="Sinh tự động cho kiểm thử kích thước")
         for i in range(n)],
        geometry=metric_to_wgs84(lines), crs=WGS84)
    ours = len(_page({"roads": roads}).encode("utf-8"))
    naive_map = folium.Map(location=[21.07, 106.52])
    folium.GeoJson(roads).add_to(naive_map)
    naive = len(naive_map.get_root().render().encode("utf-8"))
    assert ours <= 0.35 * naive, (ours, naive)


# ---------------------------------------------------------------------------- writing

def test_render_map_writes_utf8_html_and_creates_folders(bundled, tmp_path):
    target = tmp_path / "deep" / "er" / "kimson.html"
    written = render_map(bundled, target, title="Kim Sơn")
    assert written == target
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "</html>" in text
    assert os.stat(target).st_mode & 0o444 == 0o444
    assert sorted(p.name for p in target.parent.iterdir()) == ["kimson.html"]


def test_failed_write_leaves_no_partial_file(bundled, tmp_path, monkeypatch):
    target = tmp_path / "maps" / "kimson.html"

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(ExportError, match="No space left"):
        render_map(bundled, target)
    assert list(target.parent.iterdir()) == []


def test_failed_replace_keeps_the_old_map(bundled, tmp_path, monkeypatch):
    target = tmp_path / "kimson.html"
    target.write_text("old map", encoding="utf-8")

    def broken_replace(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ExportError):
        render_map(bundled, target)
    assert target.read_text(encoding="utf-8") == "old map"
    assert [p.name for p in tmp_path.iterdir()] == ["kimson.html"]


def test_failed_render_writes_nothing(bundled, tmp_path):
    target = tmp_path / "kimson.html"
    with pytest.raises(LayerError):
        render_map(bundled, target, layers=["nope"])
    assert not target.exists()


def test_importing_render_does_not_import_folium():
    code = ("import sys, kimson_geo.render; "
            "print(int('folium' in sys.modules), int('geopandas' in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.split() == ["0", "0"]


def test_every_registry_layer_has_a_legend_and_style(bundled):
    for name, spec in LAYERS.items():
        if name not in bundled.layers:
            continue
        encoded = encode_layer(bundled.layers[name], spec, label_field="name")
        assert encoded.legend, name
        assert encoded.payload["s"], name


def test_khu_fill_follows_the_indicator(small_khu):
    spec = layer_spec("khu")
    indicator = spec.style["indicator"]
    false_color, true_color = spec.style["indicator_colors"]
    khu = small_khu.assign(**{indicator: [True, False]})
    encoded = encode_layer(khu, spec, label_field="name")
    fills = [encoded.payload["s"][i]["fillColor"] for i in encoded.payload["si"]]
    assert fills == [true_color, false_color]
    assert spec.field(indicator).label_vi in encoded.legend
    assert "Có" in encoded.legend and "Không" in encoded.legend


def test_icon_layers_use_registry_icons_and_colours(bundled):
    spec = layer_spec("cultural_houses")
    encoded = encode_layer(bundled.layers["cultural_houses"], spec, label_field="name")
    icons = " ".join(encoded.payload["ic"])
    for code in spec.field(spec.style["icon_by"]).codes.values():
        assert f"fa-{code.icon}" in icons and code.color in icons


# ------------------------------------------------------------------ odd data and tiles

def test_arrays_objects_and_missing_fields_are_drawn(small_roads, small_khu):
    """A malformed delivery (arrays and objects in text fields, fields left out) still
    makes a map; the odd values show as their JSON text, escaped."""
    roads = small_roads.drop(columns=["surface", "width_m"])
    for column in ("name", "kind", "position"):
        roads[column] = roads[column].astype(object)
    roads.at[0, "name"] = np.array(["Ngõ <3>", "x"], dtype=object)
    roads.at[1, "kind"] = {"v": "main"}
    roads.at[2, "position"] = ["schematic"]
    khu = small_khu.drop(columns=["id", "name"])
    page = _page(from_frames({"roads": roads, "khu": khu}))
    assert '"n":["[&quot;Ngõ &lt;3&gt;&quot;, &quot;x&quot;]",' in page
    assert '"{&quot;v&quot;: &quot;main&quot;}"' in page
    assert "<3>" not in page


def test_tile_url_templates_and_names():
    from kimson_geo.render.map import check_tiles

    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    assert check_tiles(url) == url
    assert check_tiles("OpenTopoMap") == "OpenTopoMap"
    assert check_tiles("cartodb positron") == "cartodb positron"
    for bad, message in [("http://x", "must be http"), ("javascript:alert(1)", "must be http"),
                         (url + '" onerror="x', "must be http"), ("no such tiles", "unknown"),
                         ("Thunderforest.OpenCycleMap", "API key"), ("", "give a name")]:
        with pytest.raises(ValueError, match=message):
            check_tiles(bad)


def test_map_with_a_tile_url(small_roads, tmp_path):
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    page = _page(from_frames({"roads": small_roads}), tiles=url)
    first_tiles = page.index("L.tileLayer(")
    assert "tiles.example.org" in page[first_tiles:first_tiles + 200]
    with pytest.raises(ValueError, match="unknown tiles"):
        to_map(from_frames({"roads": small_roads}), tiles="no such tiles")


def test_cli_map_tiles_url_and_bad_tiles(tmp_path):
    from click.testing import CliRunner

    from kimson_geo.cli.main import cli

    out = tmp_path / "m.html"
    ok = CliRunner().invoke(cli, ["map", "--no-problems", "--layers", "khu", "-o", str(out),
                                  "--tiles", "https://tiles.example.org/{z}/{x}/{y}.png"])
    assert ok.exit_code == 0, ok.stderr
    assert "tiles.example.org" in out.read_text(encoding="utf-8")
    assert "1 layer(s)" in ok.stderr
    bad = CliRunner().invoke(cli, ["map", "--no-problems", "-o", str(tmp_path / "b.html"),
                                   "--tiles", "https://example.org/tile.png"])
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "{z}" in bad.stderr and not (tmp_path / "b.html").exists()
