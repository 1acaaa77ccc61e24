"""Offline browser harness for the map: headless Debian Chromium driven by Playwright.

Every request the page makes goes through one route handler:

* the map itself comes from a local ``http.server`` on 127.0.0.1;
* a CDN URL is answered from ``tests/browser/node_modules`` (``scripts/fetch_map_assets.sh``
  installs the exact versions the page names) through :data:`CDN_PREFIXES`;
* a map tile gets a 1×1 PNG (one pixel of OpenStreetMap's land colour);
* anything else is aborted and recorded, and :meth:`MapPage.assert_clean` fails the test
  with the list: a CDN file with no local copy is an error, not a silent pass.

Without Chromium or the npm packages the browser tests are skipped, unless ``CI`` is set,
where they fail.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from kimson_geo.render.offline import CDN_PREFIXES

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}

#: CDN URL prefix -> package folder (in node_modules here) serving it: the offline map's own
#: table.  Every version in it is the exact one package.json pins (checked before the tests run).
TILE_HOSTS = ("tile.openstreetmap.org", "basemaps.cartocdn.com")


def _png_1x1(rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(
        b"IEND", b"")


TILE_PNG = _png_1x1((0xF2, 0xEF, 0xE9))


def local_copy(url: str) -> Path | None:
    """The file in node_modules that serves a CDN ``url``, or None.

    jsDelivr minifies a file on request when the package has only the plain one
    (``Control.FullScreen.min.js``); the plain file then serves.
    """
    clean = url.split("?", 1)[0].split("#", 1)[0]
    for prefix, folder in CDN_PREFIXES.items():
        if clean.startswith(prefix):
            rel = clean[len(prefix):]
            path = NODE_MODULES / folder / rel
            if not path.is_file() and ".min." in path.name and "jsdelivr" in prefix:
                path = path.with_name(path.name.replace(".min.", ".", 1))
            root = (NODE_MODULES / folder).resolve()
            if path.is_file() and path.resolve().is_relative_to(root):
                return path
            return None
    return None


def _missing_pieces() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if not NODE_MODULES.is_dir():
        missing.append(f"{NODE_MODULES} (scripts/fetch_map_assets.sh)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package (pip install playwright)")
    return missing


def _check_versions() -> None:
    """Each CDN prefix's version must be the one installed in node_modules."""
    pins = json.loads((HERE / "package.json").read_text(encoding="utf-8"))["dependencies"]
    for prefix, folder in CDN_PREFIXES.items():
        package = folder.removesuffix("/src/").rstrip("/")
        installed = json.loads((NODE_MODULES / package / "package.json").read_text("utf-8"))
        version = installed["version"]
        if pins.get(package) != version or version not in prefix:
            pytest.fail(f"{prefix} is served from {package}@{version} (package.json pins "
                        f"{pins.get(package)}); run scripts/fetch_map_assets.sh --force")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium, or a skip (a failure when ``CI`` is set)."""
    missing = _missing_pieces()
    if missing:
        message = "browser test needs: " + "; ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    _check_versions()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served on 127.0.0.1 (files written there load as ``base + name``)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class MapPage:
    """A page with the offline router, and what went wrong while it ran.

    (A plain class, not a dataclass, so that the benchmarks can load this file by path.)
    """

    def __init__(self, page: Any, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        self.unserved: list[str] = []
        self.served_cdn: list[str] = []

    def route(self, route: Any) -> None:
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if url.startswith(self.origin):
            if urlsplit(url).path == "/favicon.ico":
                route.fulfill(status=204, body=b"")
            else:
                route.continue_()
        elif url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        elif any(host == h or host.endswith("." + h) for h in TILE_HOSTS):
            route.fulfill(status=200, body=TILE_PNG, content_type="image/png")
        elif (path := local_copy(url)) is not None:
            self.served_cdn.append(url)
            route.fulfill(path=str(path))
        else:
            self.unserved.append(url)
            route.abort()

    def assert_clean(self) -> None:
        problems = []
        if self.unserved:
            problems.append("requests with no local copy (add the package to "
                            "tests/browser/package.json and CDN_PREFIXES):\n  "
                            + "\n  ".join(sorted(set(self.unserved))))
        if self.page_errors:
            problems.append("page errors:\n  " + "\n  ".join(self.page_errors))
        if self.console_errors:
            problems.append("console errors:\n  " + "\n  ".join(self.console_errors))
        assert not problems, "\n".join(problems)


@pytest.fixture()
def open_map(browser: Any, served: tuple[Path, str]) -> Iterator[Any]:
    """``open_map(html_file)``: copy the page to the server, open it, return a MapPage."""
    root, origin = served
    contexts = []

    def _open(html_file: Path) -> MapPage:
        target = root / html_file.name
        target.write_bytes(html_file.read_bytes())
        context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1,
                                      service_workers="block")
        contexts.append(context)
        page = context.new_page()
        result = MapPage(page, origin)
        page.on("pageerror", lambda exc: result.page_errors.append(str(exc)))
        page.on("console", lambda msg: result.console_errors.append(msg.text)
                if msg.type == "error" else None)
        page.route("**/*", result.route)
        page.goto(origin + target.name, wait_until="load")
        page.wait_for_function("() => window.ksGeo && window.ksGeo.map")
        return result

    yield _open
    for context in contexts:
        context.close()
