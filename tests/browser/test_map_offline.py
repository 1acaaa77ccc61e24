"""The offline map in headless Chromium with every network request blocked, and the map on
a phone-sized screen (390×844, touch): panels collapsed, claims by title, popups by tap."""

from __future__ import annotations

import html
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from kimson_geo.registry import layer_spec
from kimson_geo.render import render_map
from kimson_geo.render.text import UI

from _scripts import COUNT_DRAWN

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


# Centre the map on a feature of a layer and return a selector for its marker.
MARK_FIRST = """(layer) => {
  let found = null;
  window.ksGeo.layers[layer].eachLayer(l => { if (!found) found = l; });
  const map = window.ksGeo.map;
  map.setView(found.getLatLng(), 17, {animate: false});
  found._icon.setAttribute('data-test', 'target');
  return '[data-test="target"]';
}"""

TILE_HOSTS = ("tile.openstreetmap.org", "basemaps.cartocdn.com")


class Blocked:
    """A page on which every request but the page itself is aborted and recorded."""

    def __init__(self, page: Any, url: str) -> None:
        self.page, self.url = page, url
        self.aborted: list[str] = []
        self.errors: list[str] = []

    def route(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            self.aborted.append(route.request.url)
            route.abort()


def _open(browser: Any, served: tuple[Path, str], page_file: Path, **context: Any) -> Blocked:
    root, origin = served
    (root / page_file.name).write_bytes(page_file.read_bytes())
    ctx = browser.new_context(service_workers="block", device_scale_factor=1, **context)
    page = ctx.new_page()
    shown = Blocked(page, origin + page_file.name)
    page.on("pageerror", lambda exc: shown.errors.append(str(exc)))
    page.route("**/*", shown.route)
    page.goto(shown.url, wait_until="load")
    page.wait_for_function("() => window.ksGeo && window.ksGeo.map")
    return shown


@pytest.fixture(scope="module")
def offline_map(bundled, tmp_path_factory) -> Path:
    report = bundled.validate()
    path = tmp_path_factory.mktemp("offline") / "kimson-offline.html"
    return render_map(bundled, path, problems=report.to_geojson(), claims=report.claims,
                      offline=True)


def test_offline_map_draws_every_layer_with_the_network_blocked(browser, served, bundled,
                                                                 offline_map) -> None:
    shown = _open(browser, served, offline_map, viewport={"width": 1280, "height": 800})
    page = shown.page
    page.evaluate("document.fonts.ready")
    drawn = {html.unescape(k): v for k, v in page.evaluate(COUNT_DRAWN).items()}
    expected = {layer_spec(name).label_vi: len(frame) for name, frame in bundled.layers.items()}
    assert {k: v for k, v in drawn.items() if k in expected} == expected
    # the icon font came from the page itself
    assert page.evaluate("document.fonts.check('12px \"Font Awesome 6 Free\"')")
    # the only requests the page made were basemap tiles, and it says they are missing
    assert shown.aborted, "the basemap was never asked for"
    assert all(any(h in url for h in TILE_HOSTS) for url in shown.aborted), shown.aborted
    notice = page.locator(".ks-notice")
    notice.wait_for()
    assert notice.inner_text() == UI["vi"]["no_tiles"]
    for control in (".leaflet-control-zoom-fullscreen", ".leaflet-control-measure",
                    ".leaflet-control-search", ".leaflet-control-scale"):
        assert page.locator(control).count() == 1, control
    assert shown.errors == []


def test_phone_panels_start_collapsed_and_touch_opens_popups(browser, served, bundled,
                                                             offline_map, tmp_path) -> None:
    shown = _open(browser, served, offline_map, viewport=PHONE, is_mobile=True,
                  has_touch=True)
    page = shown.page
    for panel in (".ks-legend", ".ks-claims"):
        details = page.locator(f"{panel} details")
        assert details.get_attribute("open") is None, panel
        box = page.locator(panel).bounding_box()
        assert box is not None and box["height"] < 60 and box["width"] < 200, (panel, box)
    assert page.locator(".leaflet-control-minimap").is_hidden()
    # the map fills the screen and shows the ward
    map_box = page.locator(".folium-map").bounding_box()
    assert map_box["width"] == PHONE["width"] and map_box["height"] >= PHONE["height"] - 1
    # the claims show their Vietnamese words, not their ids
    page.locator(".ks-claims summary").tap()
    claims = page.locator(".ks-claims table")
    claims.wait_for()
    cells = [unicodedata.normalize("NFC", c) for c in
             page.locator(".ks-claims tr td:first-child").all_inner_texts()]
    claim_ids = [c.id for c in bundled.validate().claims]
    assert cells and not set(cells) & set(claim_ids)
    assert any("bê tông hoá" in c or "bê tông hóa" in c for c in cells), cells
    page.locator(".ks-claims summary").tap()
    # a tap on a cultural house opens its popup
    selector = page.evaluate(MARK_FIRST, "cultural_houses")
    page.locator(selector).tap()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    name = unicodedata.normalize("NFC", bundled["cultural_houses"]["name"].iloc[0])
    assert name in unicodedata.normalize("NFC", popup.inner_text())
    shot = tmp_path / "phone.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    assert shown.errors == []


def test_html_report_embeds_the_offline_map(browser, served, bundled, tmp_path) -> None:
    from kimson_geo.document import write_report

    report = write_report(bundled, tmp_path / "report.html")
    shown = _open_report(browser, served, report)
    frame = shown.page.locator("iframe").element_handle().content_frame()
    frame.wait_for_function("() => window.ksGeo && window.ksGeo.map")
    drawn = {html.unescape(k): v for k, v in frame.evaluate(COUNT_DRAWN).items()}
    expected = {layer_spec(name).label_vi: len(f) for name, f in bundled.layers.items()}
    assert {k: v for k, v in drawn.items() if k in expected} == expected
    assert all(any(h in url for h in TILE_HOSTS) for url in shown.aborted), shown.aborted
    assert shown.errors == []


def _open_report(browser: Any, served: tuple[Path, str], page_file: Path) -> Blocked:
    root, origin = served
    (root / page_file.name).write_bytes(page_file.read_bytes())
    ctx = browser.new_context(service_workers="block", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    shown = Blocked(page, origin + page_file.name)
    page.on("pageerror", lambda exc: shown.errors.append(str(exc)))
    page.route("**/*", shown.route)
    page.goto(shown.url, wait_until="load")
    page.locator("iframe").scroll_into_view_if_needed()
    return shown
