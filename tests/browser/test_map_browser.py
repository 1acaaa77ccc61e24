"""The map in headless Chromium: every layer drawn, popups, and no script from the data.

Also takes a screenshot of the bundled map (1280×800) into tmp_path: the README's picture is
made by ``make readme-images``, never by the tests.
"""

from __future__ import annotations

import html
import json
import unicodedata
from pathlib import Path

import pytest

import kimson_geo
from kimson_geo.registry import layer_spec
from kimson_geo.render import render_map

from _scripts import COUNT_DRAWN

pytestmark = pytest.mark.browser


IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=2</script>"


# Mark the marker (or shape) of the feature whose escaped name is given, centre the map on
# it, and return a CSS selector for its element.
MARK_FEATURE = """([layer, name]) => {
  let found = null;
  window.ksGeo.layers[layer].eachLayer(l => {
    if (Object.values(l.feature.properties).includes(name)) found = l;
  });
  if (!found) return null;
  const map = window.ksGeo.map;
  map.setView(found.getLatLng ? found.getLatLng() : found.getBounds().getCenter(), 17,
              {animate: false});
  document.querySelectorAll('[data-test]').forEach(e => e.removeAttribute('data-test'));
  (found._icon || found._path).setAttribute('data-test', 'target');
  return '[data-test="target"]';
}"""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture(scope="module")
def bundled_map(bundled, tmp_path_factory) -> Path:
    report = bundled.validate()
    path = tmp_path_factory.mktemp("map") / "kimson.html"
    return render_map(bundled, path, problems=report.to_geojson(), claims=report.claims)


def test_bundled_map_draws_every_layer(open_map, bundled, bundled_map, tmp_path):
    shown = open_map(bundled_map)
    page = shown.page
    page.evaluate("document.fonts.ready")
    drawn = {html.unescape(k): v for k, v in page.evaluate(COUNT_DRAWN).items()}
    problem_labels = [k for k in drawn if k.startswith("Lỗi kiểm tra dữ liệu")]
    assert len(problem_labels) == 1
    expected = {layer_spec(name).label_vi: len(frame) for name, frame in bundled.layers.items()}
    problems = len([f for f in bundled.validate().to_geojson()["features"] if f["geometry"]])
    assert {k: v for k, v in drawn.items() if k not in problem_labels} == expected
    assert drawn[problem_labels[0]] == problems

    listed = [t.strip() for t in
              page.locator(".leaflet-control-layers-overlays label").all_text_contents()]
    assert listed == list(expected) + problem_labels
    bases = page.locator(".leaflet-control-layers-base label").all_text_contents()
    assert [b.strip() for b in bases] == ["OpenStreetMap", "CartoDB Positron (nền sáng)"]

    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "Vị trí minh họa (sơ đồ), không phải số liệu đo đạc" in attribution
    assert page.locator(".ks-legend").is_visible()
    assert page.locator(".ks-claims").is_visible()
    for control in (".leaflet-control-zoom-fullscreen", ".leaflet-control-measure",
                    ".leaflet-control-minimap", ".leaflet-control-search",
                    ".leaflet-control-mouseposition", ".leaflet-control-scale"):
        assert page.locator(control).count() == 1, control
    # the Font Awesome glyphs of the markers loaded from the local copy
    assert page.evaluate("document.fonts.check('12px \"Font Awesome 6 Free\"')")

    page.wait_for_function("""() => [...document.querySelectorAll('img.leaflet-tile')]
        .every(tile => tile.complete && tile.classList.contains('leaflet-tile-loaded'))""")
    screenshot = tmp_path / "kimson.png"
    page.screenshot(path=str(screenshot), animations="disabled")
    assert screenshot.stat().st_size > 10_000  # a drawn map, not a blank page
    shown.assert_clean()
    assert shown.served_cdn  # the libraries came from node_modules


def test_cultural_house_popup_shows_its_name(open_map, bundled, bundled_map):
    shown = open_map(bundled_map)
    page = shown.page
    name = _nfc(bundled.layers["cultural_houses"]["name"].iloc[0])
    selector = page.evaluate(MARK_FEATURE, ["cultural_houses", html.escape(name)])
    assert selector, name
    page.locator(selector).click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = _nfc(popup.inner_text())
    assert name in text
    assert layer_spec("cultural_houses").field("kind").label_vi in text
    shown.assert_clean()


def test_overlay_toggle_hides_layer_and_legend(open_map, bundled_map):
    shown = open_map(bundled_map)
    page = shown.page
    label = layer_spec("roads").label_vi
    page.locator(".leaflet-control-layers").hover()
    page.locator(".leaflet-control-layers-overlays label", has_text=label).locator(
        "input").uncheck()
    drawn = {html.unescape(k): v for k, v in page.evaluate(COUNT_DRAWN).items()}
    assert drawn[label] == 0
    assert not page.locator('[data-ks-legend="ks-roads"]').is_visible()
    shown.assert_clean()


def test_search_by_name_opens_the_popup(open_map, bundled, bundled_map):
    shown = open_map(bundled_map)
    page = shown.page
    name = _nfc(bundled.layers["enterprises"]["name"].iloc[0])
    prefix = name.rstrip()[:-2]  # leaflet-search matches the beginning of names
    assert prefix[-1].isascii() and prefix[-1].isalpha(), prefix
    page.locator(".leaflet-control-search .search-button").click()
    box = page.locator(".leaflet-control-search input.search-input")
    box.fill(prefix[:-1])
    box.press(prefix[-1])  # a key press, as leaflet-search searches on keyup
    tip = page.locator(".leaflet-control-search .search-tip", has_text=name).first
    tip.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert name in _nfc(popup.inner_text())
    shown.assert_clean()


def test_hostile_properties_do_not_run(open_map, tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [106.52, 21.07]},
        "properties": {"id": "ch-evil", "name": IMG, "kind": "khu", "name_known": False,
                       "source": SCRIPT, "confidence": "low", "position": "schematic",
                       "note": SCRIPT, "khu": "</script><script>window.__pwned=3</script>"},
    }
    layer = layer_spec("cultural_houses")
    (folder / layer.file_name).write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    inv = kimson_geo.load(folder)
    problem = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.53, 21.08]},
               "properties": {"rule": IMG, "severity": "error", "layer": layer.name,
                              "feature": 0, "feature_id": "ch-evil", "field": "name",
                              "message": f"bad name {IMG}"}}
    claims = [{"id": IMG, "value": SCRIPT, "target": 1, "passed": False, "label_vi": IMG}]
    path = render_map(inv, tmp_path / "hostile.html", title=IMG, claims=claims,
                      problems={"type": "FeatureCollection", "features": [problem]})

    shown = open_map(path)
    page = shown.page
    selector = page.evaluate(MARK_FEATURE, [layer.name, html.escape(IMG)])
    target = page.locator(selector)
    target.hover()
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text().strip() == IMG
    target.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert IMG in text and SCRIPT in text
    assert page.locator(".ks-title").inner_text().strip() == IMG
    claims_text = page.locator(".ks-claims").inner_text()
    assert IMG in claims_text and SCRIPT in claims_text

    page.locator(".leaflet-popup-close-button").click()
    page.wait_for_function("() => !document.querySelector('.leaflet-popup')")
    selector = page.evaluate(MARK_FEATURE, ["problems", html.escape(f"bad name {IMG}")])
    page.locator(selector).click()
    popup.wait_for()
    text = popup.inner_text()
    assert f"bad name {IMG}" in text and IMG in text.replace(f"bad name {IMG}", "")
    page.wait_for_timeout(200)  # an onerror handler would have fired by now
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator(".leaflet-popup-content img, .leaflet-tooltip img, .ks-panel img, "
                        ".ks-title img").count() == 0
    shown.assert_clean()


def test_english_map(open_map, bundled, tmp_path):
    path = render_map(bundled, tmp_path / "en.html", lang="en", layers=["roads", "khu"])
    shown = open_map(path)
    listed = [t.strip() for t in shown.page.locator(
        ".leaflet-control-layers-overlays label").all_text_contents()]
    assert listed == [layer_spec("khu").label_en, layer_spec("roads").label_en]
    assert "Illustrative (schematic) positions" in shown.page.locator(
        ".leaflet-control-attribution").inner_text()
    shown.assert_clean()


def test_a_cdn_file_without_a_local_copy_fails_loudly(open_map, bundled, tmp_path):
    from branca.element import JavascriptLink

    from kimson_geo.render.map import map_html, to_map

    missing = "https://cdn.jsdelivr.net/npm/not-installed@1.0.0/dist/x.min.js"
    m = to_map(bundled, layers=["boundary"])
    m.get_root().header.add_child(JavascriptLink(missing), name="not_installed")
    path = tmp_path / "missing.html"
    path.write_text(map_html(m), encoding="utf-8")
    shown = open_map(path)
    assert shown.unserved == [missing]
    with pytest.raises(AssertionError, match="no local copy") as failure:
        shown.assert_clean()
    assert missing in str(failure.value)


def test_geometries_decode_to_their_coordinates(open_map, bundled, tmp_path):
    from shapely.geometry import MultiLineString, MultiPolygon, Polygon

    roads = bundled.layers["roads"].head(2).copy()
    roads.loc[roads.index[0], "geometry"] = MultiLineString(
        [[(106.51, 21.07), (106.512, 21.071), (106.513, 21.0705)],
         [(106.52, 21.06), (106.5212346, 21.0612346)]])
    khu = bundled.layers["khu"].head(1).copy()
    outer = [(106.50, 21.05), (106.53, 21.05), (106.53, 21.08), (106.50, 21.08)]
    hole = [(106.51, 21.06), (106.52, 21.06), (106.52, 21.07)]
    khu.loc[khu.index[0], "geometry"] = MultiPolygon(
        [Polygon(outer, [hole]), Polygon([(106.54, 21.05), (106.55, 21.05), (106.55, 21.06)])])
    path = render_map({"roads": roads, "khu": khu}, tmp_path / "geoms.html")
    shown = open_map(path)
    decoded = shown.page.evaluate(
        "(names) => names.map(n => window.ksGeo.layers[n].toGeoJSON(7).features"
        ".map(f => f.geometry))", ["roads", "khu"])
    expected = [
        [json.loads(json.dumps(g.__geo_interface__)) for g in frame.geometry]
        for frame in (roads, khu)
    ]

    def rounded(value):
        if isinstance(value, list | tuple):
            if value and isinstance(value[0], float | int):
                return [round(v, 6) for v in value]
            return [rounded(v) for v in value]
        return value

    for got_layer, want_layer in zip(decoded, expected, strict=True):
        for got, want in zip(got_layer, want_layer, strict=True):
            assert got["type"] == want["type"]
            assert rounded(got["coordinates"]) == rounded(want["coordinates"])
    shown.assert_clean()


def test_cli_maps_of_bundled_data_and_a_single_hostile_file(open_map, tmp_path):
    """The Done-when of the map issue, through the command line itself."""
    from click.testing import CliRunner

    from kimson_geo.cli.main import cli

    bundled_html = tmp_path / "kimson.html"
    result = CliRunner().invoke(cli, ["map", "-o", str(bundled_html)])
    assert result.exit_code == 0, result.stderr
    shown = open_map(bundled_html)
    drawn = shown.page.evaluate(COUNT_DRAWN)
    assert len(drawn) >= len(kimson_geo.load().layers)
    shown.assert_clean()

    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [106.52, 21.07]},
        "properties": {"id": IMG, "name": IMG, "kind": "khu", "name_known": False,
                       "source": SCRIPT, "confidence": "low", "position": "schematic",
                       "note": "{{ 7*7 }}", "khu": "</script><script>window.__pwned=3</script>"},
    }
    hostile = tmp_path / "hostile.geojson"
    hostile.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}),
                       encoding="utf-8")
    hostile_html = tmp_path / "hostile.html"
    layer = layer_spec("cultural_houses")
    result = CliRunner().invoke(cli, ["map", str(hostile), "--layer", layer.name,
                                      "-o", str(hostile_html), "--title", IMG])
    assert result.exit_code == 0, result.stderr
    shown = open_map(hostile_html)
    page = shown.page
    selector = page.evaluate(MARK_FEATURE, [layer.name, html.escape(IMG)])
    page.locator(selector).click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert IMG in text and SCRIPT in text and "{{ 7*7 }}" in text
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    shown.assert_clean()
