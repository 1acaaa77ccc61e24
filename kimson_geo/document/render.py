"""The report rendered: one Jinja2 template gives the HTML page, WeasyPrint turns the same
HTML into the PDF, and :mod:`kimson_geo.io.atomic` writes either (never a partial file).

Every value from the data or the user reaches the page through Jinja2's autoescaping; the
few strings put into CSS (the page footer) go through :func:`css_string`.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ExportError, PdfEngineError
from .texts import text

if TYPE_CHECKING:
    from ..inventory import Inventory
    from .context import Revisions

__all__ = ["FORMATS", "render_html", "render_pdf", "write_report", "css_string"]

#: Output formats of :func:`write_report`.
FORMATS = ("html", "pdf")
_TEMPLATE = "report.html.j2"
_STYLESHEET = "report.css"


def css_string(value: object) -> Any:
    """``value`` as a quoted CSS string that cannot leave its quotes or its ``<style>``."""
    from markupsafe import Markup

    def escape(match: re.Match[str]) -> str:
        return f"\\{ord(match.group()):x} "

    return Markup('"' + re.sub(r'["\\<>&\n\r\f\x00-\x1f]', escape, str(value)) + '"')


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("kimson_geo.document", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=False, lstrip_blocks=False)
    env.filters["css_string"] = css_string
    return env


def _stylesheet() -> str:
    css = resources.files(__package__).joinpath("templates", _STYLESHEET).read_text("utf-8")
    from markupsafe import Markup

    return Markup(css)  # the package's own file, not data


def render_html(source: str | os.PathLike[str] | Inventory | None = None, *,
                lang: str = "vi", title: str | None = None, src_crs: object | None = None,
                revision: str | None = None, trend: Revisions | None = None,
                interactive: bool = False, data: Any = None) -> str:
    """The report as one self-contained HTML page (figures embedded as data URIs).

    Parameters
    ----------
    source
        A path (folder, GeoPackage), an Inventory, or None for the bundled inventory.
    lang
        ``vi`` (default) or ``en``.
    title
        The document's title (default: "Báo cáo hiện trạng hạ tầng – <ward>").
    src_crs
        CRS of the source coordinates when the files do not say it.
    revision
        The store revision the data comes from, shown on the cover.
    trend
        A store's history, ``[(revision, claims), …]`` in time order: the claims' trend chart.
    interactive
        Also embed the offline interactive map (HTML only; the PDF has the printed map).
    data
        A :class:`~kimson_geo.document.context.ReportInput` already gathered (else
        ``source`` is read and validated).
    """
    from .context import build_context, gather

    if data is None:
        data = gather(source, src_crs=src_crs)
    ctx = build_context(data, lang=lang, title=title, revision=revision, trend=trend)
    ctx["css"] = _stylesheet()
    ctx["footer"] = text("schematic_short", lang) if ctx["schematic"] else ""
    ctx["contents"] = [(sid, text(key, lang)) for sid, key in _CONTENTS
                       if sid != "map" or ctx["figures"]["map"]]
    ctx["interactive"] = _interactive_map(data, lang) if interactive else ""
    ctx["interactive_title"] = text("fig_map", lang)
    return _environment().get_template(_TEMPLATE).render(**ctx)


_CONTENTS = (("map", "fig_map"), ("roads", "roads"), ("drainage", "drainage"),
             ("facilities", "facilities"), ("economy", "economy"), ("claims", "claims"),
             ("validation", "validation"), ("provenance", "provenance"))


def _interactive_map(data: Any, lang: str) -> str:
    """The offline interactive map's page (the template escapes it into ``srcdoc``), or ""
    when the map's vendored assets are not installed (the printed map is there anyway)."""
    from ..render.map import map_html, to_map
    from ..render.offline import OfflineAssetsError, inline_assets

    report = data.validation
    if not data.inventory.layers:
        return ""
    m = to_map(data.inventory, lang=lang, problems=report.to_geojson(),
               claims=report.claims or None)
    try:
        return inline_assets(map_html(m))
    except OfflineAssetsError:
        return ""


def render_pdf(html: str) -> bytes:
    """The PDF of a page made by :func:`render_html` (WeasyPrint; nothing is fetched)."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the pango library is missing
        raise PdfEngineError(
            f"PDF output needs WeasyPrint and Debian's pango (pip install weasyprint; "
            f"apt-get install libpango-1.0-0 libpangoft2-1.0-0): {exc}; --format html "
            "works without them") from exc

    # every figure is a data URI: nothing is fetched from a network or a file
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    import logging

    logger = logging.getLogger("weasyprint")
    previous = logger.level
    logger.setLevel(logging.ERROR)  # CSS it does not support is not the reader's concern
    try:
        document = weasyprint.HTML(string=html, url_fetcher=fetcher)
        return bytes(document.write_pdf())
    finally:
        logger.setLevel(previous)


def write_report(source: str | os.PathLike[str] | Inventory | None, path: str | os.PathLike[str],
                 *, fmt: str | None = None, lang: str = "vi", title: str | None = None,
                 src_crs: object | None = None, revision: str | None = None,
                 trend: Revisions | None = None, data: Any = None) -> Path:
    """Write the ward's infrastructure report as PDF or HTML, atomically.

    Parameters
    ----------
    source
        A path (folder, GeoPackage), an Inventory, or None for the bundled inventory.
    path
        The file to write; ``-`` writes to standard output.
    fmt
        ``pdf`` or ``html``; default from the suffix of ``path`` (``.pdf``, ``.html``/
        ``.htm``).
    lang, title, src_crs, revision, trend, data
        As for :func:`render_html`.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ExportError
        The file cannot be written (nothing is left behind), or the format is unknown.
    DataSourceError
        Nothing at ``source`` can be read.
    PdfEngineError
        PDF asked for but WeasyPrint cannot run.

    Examples
    --------
    >>> import kimson_geo
    >>> kimson_geo.write_report(None, "kimson.pdf", lang="vi")  # doctest: +SKIP
    PosixPath('kimson.pdf')
    """
    from ..io.atomic import check_target, is_stdout, write_bytes

    fmt = fmt or _format_from_suffix(path)
    if fmt not in FORMATS:
        raise ExportError(f"{path}: unknown report format {fmt!r}; use one of: "
                          f"{', '.join(FORMATS)}")
    if not is_stdout(path):
        check_target(path)  # refuse a folder, a device or a link before the work is done
    html = render_html(source, lang=lang, title=title, src_crs=src_crs, revision=revision,
                       trend=trend, interactive=fmt == "html", data=data)
    body = render_pdf(html) if fmt == "pdf" else html.encode("utf-8")
    return write_bytes(path, body)


def _format_from_suffix(path: str | os.PathLike[str]) -> str:
    found = {".pdf": "pdf", ".html": "html", ".htm": "html"}.get(Path(str(path)).suffix.lower())
    if found is not None:
        return found
    raise ExportError(f"{path}: cannot tell the report format from the name; give pdf or html")
