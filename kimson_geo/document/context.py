"""What a report is made from: the inventory (whatever of it can be read), its validation
report, and the context the template renders (sections, figures, cover)."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CRSError, DataSourceError, LayerError
from ..registry import LAYER_NAMES
from .texts import check_lang, text

if TYPE_CHECKING:
    from ..inventory import Inventory
    from ..validation.report import ValidationReport

__all__ = ["ReportInput", "gather", "build_context", "Revisions"]

#: A store's history for the trend chart: ``(revision label, claims)`` in time order.
Revisions = Sequence[tuple[str, Sequence[Any]]]


@dataclass
class ReportInput:
    """The inventory a report describes and its validation report."""

    inventory: Inventory
    validation: ValidationReport
    #: the path given, or None for the bundled inventory
    source: Path | None


def gather(source: str | os.PathLike[str] | Inventory | None = None, *,
           src_crs: object | None = None) -> ReportInput:
    """Validate ``source`` and read every layer of it that can be read.

    A broken inventory still gives a report: layers that cannot be read are left out (the
    validation report says why), the others are measured.

    Raises
    ------
    DataSourceError
        When not one layer at ``source`` can be read.
    """
    from ..inventory import Inventory
    from ..io.read import read_layer
    from ..io.sources import resolve
    from ..paths import bundled_data_dir
    from ..validation import validate, validate_inventory

    if isinstance(source, Inventory):
        return ReportInput(source, validate_inventory(source), source.source)
    root = Path(source) if source is not None else bundled_data_dir()
    report = validate(root, src_crs=src_crs)
    if report.nothing_read:
        raise DataSourceError(report.unreadable_line())
    frames: dict[str, Any] = {}
    files: dict[str, Path] = {}
    for src in resolve(root):
        if src.layer not in report.layers or src.layer not in LAYER_NAMES:
            continue
        try:
            frames[src.layer] = read_layer(src.path, src.layer, source_layer=src.source_layer,
                                           src_crs=src_crs)
        except (DataSourceError, CRSError, LayerError):
            continue  # validation has already reported why
        files[src.layer] = src.path
    layers = {name: frames[name] for name in LAYER_NAMES if name in frames}
    inv = Inventory(layers=layers, source=root, files=files)
    return ReportInput(inv, report, Path(source) if source is not None else None)


def _data_date(inv: Inventory) -> str | None:
    """The newest modification date of the files read (dd/mm/yyyy), or None."""
    times = []
    for path in inv.files.values():
        try:
            times.append(Path(path).stat().st_mtime)
        except OSError:
            continue
    if not times:
        return None
    return _dt.datetime.fromtimestamp(max(times)).strftime("%d/%m/%Y")


class _Figures:
    """Numbers figures in the order they appear: "Hình 1.", "Hình 2."…"""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.items: list[dict[str, Any]] = []

    def add(self, uri: str | None, caption_key: str, css: str = "") -> dict[str, Any] | None:
        if uri is None:
            return None
        figure = {"n": len(self.items) + 1, "uri": uri, "css": css,
                  "label": f"{text('figure', self.lang)} {len(self.items) + 1}",
                  "caption": text(caption_key, self.lang)}
        self.items.append(figure)
        return figure


def build_context(data: ReportInput, *, lang: str = "vi", title: str | None = None,
                  revision: str | None = None, trend: Revisions | None = None
                  ) -> dict[str, Any]:
    """Everything the template shows, as display strings (escaped by the template)."""
    from .charts import drainage_chart, roads_chart, trend_chart, widths_chart
    from .printed_map import printed_map
    from .review import claims_section, provenance_section, validation_section
    from .sections import (
        drainage_section,
        economy_section,
        facilities_section,
        facts_section,
        roads_section,
    )

    lang = check_lang(lang)
    inv, report = data.inventory, data.validation
    facts = facts_section(inv, lang)
    provenance = provenance_section(inv, lang)
    roads, roads_ctx = roads_section(inv, lang)
    drainage_by_kind, drainage_ctx = drainage_section(inv, lang)
    figures = _Figures(lang)
    fig_map = figures.add(printed_map(inv, lang), "fig_map", "map")
    fig_roads = figures.add(roads_chart(roads, lang), "fig_roads")
    fig_widths = figures.add(widths_chart(roads, lang), "fig_widths")
    fig_drainage = figures.add(drainage_chart(drainage_by_kind, lang), "fig_drainage")
    fig_trend = figures.add(trend_chart(list(trend or []), lang), "fig_trend")
    ward = facts["name"] or "—"
    source = str(data.source) if data.source is not None else text("bundled", lang)
    return {
        "lang": lang,
        "t": {key: text(key, lang) for key in _TEXT_KEYS},
        "title": title or f"{text('doc_title', lang)} – {ward}",
        "ward": ward,
        "facts": facts["rows"],
        "data_date": _data_date(inv),
        "revision": revision,
        "generated": _dt.date.today().strftime("%d/%m/%Y"),
        "source": source,
        "schematic": provenance["schematic"],
        "provenance": provenance,
        "roads": roads_ctx,
        "drainage": drainage_ctx,
        "facilities": facilities_section(inv, lang),
        "economy": economy_section(inv, lang),
        "claims": claims_section(report.claims, lang),
        "validation": validation_section(report, lang),
        "figures": {"map": fig_map, "roads": fig_roads, "widths": fig_widths,
                    "drainage": fig_drainage, "trend": fig_trend},
        "figure_count": len(figures.items),
        "has_roads": "roads" in inv.layers,
    }


_TEXT_KEYS = ("doc_title", "data_date", "revision", "generated", "source", "schematic_warning",
              "schematic_short", "page", "contents", "facts", "roads", "roads_intro",
              "roads_total", "roads_by_kind", "roads_by_khu", "main_widths",
              "all_main_in_range", "no_main_roads", "drainage", "drainage_by_kind", "outfalls",
              "no_outfalls", "facilities", "facilities_by_khu", "economy", "claims",
              "claims_intro", "claim", "quote", "value", "target", "result", "breaks", "trend",
              "validation", "validation_ok", "errors", "warnings", "rule", "layer",
              "unreadable", "problems_listed", "feature", "field", "message",
              "missing_layers", "provenance", "provenance_intro", "id", "name", "width",
              "length", "kind", "not_in_data", "count", "fig_map")
