"""Offline maps: every script, style sheet, image and icon font the page loads from a CDN is
put into the page itself, from the npm packages copied into ``kimson_geo/render/assets``
at build time (``scripts/vendor_map_assets.sh``, pinned by ``assets-src/package-lock.json``).

Style sheets have their ``url(…)`` images and fonts turned into data URIs; a font format
other than WOFF2 (which every browser that draws the map reads) becomes an empty data URI,
so nothing at all is fetched.  Only the basemap tiles still need a network; without one the
page says so (``runtime.js``) and the vector layers draw as usual.
"""

from __future__ import annotations

import base64
import mimetypes
import posixpath
import re
from importlib import resources
from pathlib import Path

from ..errors import OfflineAssetsError

__all__ = ["CDN_PREFIXES", "assets_dir", "local_asset", "inline_assets", "OfflineAssetsError"]

#: CDN URL prefix -> the package folder (under ``assets/``) that serves it.  The versions
#: are those ``assets-src/package.json`` pins.
CDN_PREFIXES: dict[str, str] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/": "leaflet/",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/":
        "@fortawesome/fontawesome-free/",
    "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/": "leaflet-search/",
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/": "leaflet.fullscreen/",
    "https://cdn.jsdelivr.net/npm/leaflet-measure@3.1.0/": "leaflet-measure/",
    "https://cdn.jsdelivr.net/npm/leaflet-mouse-position@1.2.0/": "leaflet-mouse-position/",
    # cdnjs lays leaflet-minimap out as the package's src/ folder
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-minimap/3.6.1/": "leaflet-minimap/src/",
}

_SCRIPT = re.compile(r'<script\s+src="(https://[^"]+)"\s*>\s*</script>')
_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="(https://[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
_FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".eot", ".svg")


def assets_dir() -> Path:
    """The folder holding the vendored npm files."""
    return Path(str(resources.files(__package__).joinpath("assets")))


def local_asset(url: str) -> Path | None:
    """The vendored file that serves a CDN ``url``, or None when no prefix matches.

    jsDelivr minifies a file on request when the package has only the plain one
    (``Control.FullScreen.min.js``); the plain file then serves.
    """
    clean = url.split("?", 1)[0].split("#", 1)[0]
    for prefix, folder in CDN_PREFIXES.items():
        if clean.startswith(prefix):
            root = (assets_dir() / folder).resolve()
            path = root / clean[len(prefix):]
            if not path.is_file() and ".min." in path.name and "jsdelivr" in prefix:
                path = path.with_name(path.name.replace(".min.", ".", 1))
            resolved = path.resolve()
            return resolved if resolved.is_relative_to(root) else None
    return None


def _require(url: str) -> Path:
    path = local_asset(url)
    if path is None or not path.is_file():
        if not (assets_dir() / ".stamp").is_file():
            raise OfflineAssetsError(
                "offline maps need the map's JavaScript and CSS in the package: run "
                "scripts/vendor_map_assets.sh (npm) and try again")
        raise OfflineAssetsError(f"offline map: no vendored copy of {url}")
    return path


def _data_uri(path: Path) -> str:
    kind = {".woff2": "font/woff2", ".svg": "image/svg+xml"}.get(path.suffix.lower()) \
        or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _inline_css(css: str, base: Path, root: Path, seen: set[Path]) -> str:
    """``css`` with each relative ``url(…)`` as a data URI (other font formats emptied).

    A font file is embedded once: Font Awesome declares its WOFF2 files again for its v4
    and v5 family names, which the page does not use (``seen`` holds those embedded).
    """

    def repl(match: re.Match[str]) -> str:
        ref = match.group(2).strip()
        if ref.startswith(("data:", "#")):
            return match.group(0)
        clean = ref.split("?", 1)[0].split("#", 1)[0]
        if clean.lower().endswith(_FONT_SUFFIXES) and "webfonts" in clean:
            return "url(data:,)"
        target = Path(posixpath.normpath((base.parent / clean).as_posix())).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return "url(data:,)"  # never a request for something not shipped
        if target.suffix.lower() == ".woff2":
            if target in seen:
                return "url(data:,)"
            seen.add(target)
        return f'url("{_data_uri(target)}")'

    return _CSS_URL.sub(repl, css)


def _script_text(text: str) -> str:
    # a library's own "</script" (in a string) would end the element early
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def inline_assets(page: str) -> str:
    """The map page with every CDN ``<script src>`` and stylesheet ``<link>`` inlined.

    Raises
    ------
    OfflineAssetsError
        When the vendored files are missing.
    """
    root = assets_dir().resolve()
    seen: set[Path] = set()

    def script(match: re.Match[str]) -> str:
        path = _require(match.group(1))
        return f"<script>{_script_text(path.read_text('utf-8'))}</script>"

    def link(match: re.Match[str]) -> str:
        path = _require(match.group(1))
        css = _inline_css(path.read_text("utf-8"), path, root, seen).replace("</", "<\\/")
        return f"<style>{css}</style>"

    page = _SCRIPT.sub(script, page)
    return _LINK.sub(link, page)
