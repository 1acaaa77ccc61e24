"""The ward's infrastructure report as a document (PDF or HTML).

>>> import kimson_geo
>>> kimson_geo.write_report(None, "kimson.pdf")            # doctest: +SKIP

One Jinja2 template (``templates/report.html.j2``) serves both formats; the PDF is that
HTML set by WeasyPrint.  Modules: :mod:`.numbers` (vi/en number formatting),
:mod:`.sections` and :mod:`.review` (the tables, measured from the data), :mod:`.charts`
and :mod:`.printed_map` (the figures), :mod:`.context` (what the template gets) and
:mod:`.render` (HTML, PDF and the atomic write).
"""

from __future__ import annotations

from .render import FORMATS, render_html, render_pdf, write_report

__all__ = ["FORMATS", "render_html", "render_pdf", "write_report"]
