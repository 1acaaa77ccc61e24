"""First render of a map page in headless Chromium, offline.

Reuses the browser harness of the map tests (``tests/browser/conftest.py``): the same
Chromium flags, the same router that answers CDN URLs from ``tests/browser/node_modules``
and map tiles with a 1×1 PNG, and aborts anything else.  The page is served from a local
``http.server`` on 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "tests" / "browser" / "conftest.py"
_TWO_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def _harness() -> Any:
    spec = importlib.util.spec_from_file_location("kimson_browser_harness", HARNESS)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"{HARNESS}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def missing() -> list[str]:
    """What the browser run needs and does not find (empty when it can run)."""
    if not HARNESS.exists():
        return [str(HARNESS)]
    return list(_harness()._missing_pieces())


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def first_render(pages: dict[str, tuple[Path, str]], *, timeout_s: float = 120) -> dict[str, Any]:
    """Open each page (name -> (html file, JS readiness test)) in a fresh context.

    Returns, per page, the wall time from navigation to two animation frames after the
    page is ready, ``performance.now()`` at that moment, and any request left unserved or
    page error.
    """
    from playwright.sync_api import sync_playwright

    h = _harness()
    out: dict[str, Any] = {}
    root = Path(tempfile.mkdtemp(prefix="kimson-bench-www-"))
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(h.CHROMIUM),
                                                 args=h.CHROMIUM_ARGS)
            try:
                for name, (html, ready) in pages.items():
                    shutil.copyfile(html, root / html.name)
                    context = browser.new_context(viewport=h.VIEWPORT, device_scale_factor=1,
                                                  service_workers="block")
                    page = context.new_page()
                    result = h.MapPage(page, origin)
                    page.on("pageerror", lambda exc, r=result: r.page_errors.append(str(exc)))
                    page.route("**/*", result.route)
                    started = time.perf_counter()
                    page.goto(origin + html.name, wait_until="load",
                              timeout=timeout_s * 1000)
                    page.wait_for_function(ready, timeout=timeout_s * 1000)
                    page.evaluate(_TWO_FRAMES)
                    wall = time.perf_counter() - started
                    navigation_ms = page.evaluate("() => performance.now()")
                    out[name] = {"wall_s": wall, "performance_now_s": navigation_ms / 1000,
                                 "unserved": sorted(set(result.unserved)),
                                 "page_errors": result.page_errors[:5]}
                    context.close()
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(root, ignore_errors=True)
    return out
