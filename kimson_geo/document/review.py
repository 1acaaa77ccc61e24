"""The report's review sections: the article's claims measured, the validation summary
(worst first) and where the facts come from (sources and confidence)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..registry import (
    CONFIDENCE_FIELD,
    LAYER_NAMES,
    LAYERS,
    POSITION_FIELD,
    SCHEMATIC,
    SOURCE_FIELD,
    layer_spec,
)
from ..text import is_missing
from .numbers import DASH, integer, number, percent
from .texts import text

if TYPE_CHECKING:
    from ..inventory import Inventory
    from ..validation.report import ValidationReport

__all__ = ["claims_section", "validation_section", "provenance_section", "claim_title",
           "claim_value", "MAX_PROBLEMS_LISTED"]

#: The validation section lists this many problems one by one (the rest are counted).
MAX_PROBLEMS_LISTED = 25
#: A claim names at most this many features that break it.
MAX_BREAKING = 12


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else getattr(item, key, None)


def claim_title(claim: Any, lang: str) -> str:
    """The claim's own words in ``lang`` (the article's quote in Vietnamese)."""
    return str(_get(claim, f"claim_{lang}") or _get(claim, "claim_vi") or _get(claim, "id"))


def claim_value(value: Any, unit: str | None, lang: str) -> str:
    """A claim's measured value or target, written with its unit."""
    if isinstance(value, list | tuple):
        return " – ".join(claim_value(v, None, lang) for v in value) + (f" {unit}" if unit else "")
    if is_missing(value):
        return DASH
    if isinstance(value, bool):
        return text("yes" if value else "no", lang)
    if isinstance(value, int | float):
        if unit == "%":
            return percent(value, lang)
        decimals = 0 if float(value).is_integer() else 2
        shown = number(value, lang, decimals, trim=True)
        if unit == "VND" and lang == "vi":
            return f"{shown} đồng"
        return f"{shown} {unit}" if unit else shown
    return str(value)


def claims_section(claims: Iterable[Any], lang: str) -> list[dict[str, Any]]:
    """One row per claim: title, quote, value, target, result and the breaking features."""
    rows = []
    for c in claims:
        unit = _get(c, "unit")
        passed = _get(c, "passed")
        result = ("context" if passed is None else "pass" if passed else "fail")
        features = [str(f) for f in (_get(c, "features") or [])]
        breaks = ", ".join(features[:MAX_BREAKING]) + (" …" if len(features) > MAX_BREAKING
                                                       else "")
        rows.append({
            "id": str(_get(c, "id")),
            "title": claim_title(c, lang),
            "quote": str(_get(c, "claim_vi") or ""),
            "value": claim_value(_get(c, "value"), unit, lang),
            "target": claim_value(_get(c, "target"), unit, lang),
            "result": result,
            "result_text": text(result, lang),
            "breaks": breaks,
            "note": str(_get(c, "note") or ""),
        })
    return rows


def _layer_label(layer: Any, lang: str) -> str:
    if isinstance(layer, str) and layer in LAYERS:
        return layer_spec(layer).label(lang)
    return DASH if is_missing(layer) or layer in ("", "-") else str(layer)


def validation_section(report: ValidationReport, lang: str) -> dict[str, Any]:
    """Errors and warnings by rule and layer, the worst first; the first problems listed."""
    table = report.table
    rows: list[dict[str, Any]] = []
    listed: list[dict[str, Any]] = []
    if len(table):
        layers = table["layer"].astype(object).where(table["layer"].notna(), "-")
        counts = table.groupby([table["rule"].astype(str), layers.astype(str),
                                table["severity"].astype(str)], sort=False).size()
        merged: dict[tuple[str, str], list[int]] = {}
        for (rule, layer, severity), n in counts.items():
            merged.setdefault((rule, layer), [0, 0])[0 if severity == "error" else 1] += int(n)
        for (rule, layer), (errors, warnings) in sorted(
                merged.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0])):
            rows.append({"rule": rule, "layer": _layer_label(layer, lang),
                         "errors": integer(errors, lang), "warnings": integer(warnings, lang),
                         "severity": "error" if errors else "warning"})
        order = table.assign(_rank=(table["severity"] != "error").astype(int))
        order = order.sort_values("_rank", kind="stable").head(MAX_PROBLEMS_LISTED)
        for rec in order.itertuples(index=False):
            feature = rec.feature_id if not is_missing(rec.feature_id) else (
                "" if is_missing(rec.index) else f"#{rec.index}")
            listed.append({
                "severity": str(rec.severity),
                "severity_text": text("errors" if rec.severity == "error" else "warnings",
                                      lang),
                "rule": str(rec.rule), "layer": _layer_label(rec.layer, lang),
                "feature": str(feature) if feature else DASH,
                "field": DASH if is_missing(rec.field) else str(rec.field),
                "message": str(rec.message),
            })
    more = max(0, len(table) - len(listed))
    return {
        "errors": integer(report.error_count, lang),
        "warnings": integer(report.warning_count, lang),
        "error_count": report.error_count,
        "warning_count": report.warning_count,
        "rows": rows,
        "listed": listed,
        "more": text("more_problems", lang).format(n=integer(more, lang)) if more else "",
        "unreadable": [[path, reason] for path, reason in report.unreadable.items()],
    }


def provenance_section(inv: Inventory, lang: str) -> dict[str, Any]:
    """Per layer: features, share schematic, counts by confidence, number of sources."""
    conf_field = layer_spec(LAYER_NAMES[0]).field(CONFIDENCE_FIELD)
    confidence_codes = list(conf_field.codes or {})
    head = [text("layer", lang), text("features", lang), text("schematic", lang),
            *[f"{conf_field.label(lang)}: {conf_field.code_label(c, lang)}"
              for c in confidence_codes], text("sources", lang)]
    rows = []
    schematic_any = False
    for name in LAYER_NAMES:
        frame = inv.layers.get(name)
        if frame is None:
            continue
        n = len(frame)
        position = _values(frame, POSITION_FIELD)
        schematic = sum(1 for v in position if v == SCHEMATIC)
        schematic_any = schematic_any or schematic > 0
        confidence = _values(frame, CONFIDENCE_FIELD)
        sources = {v for v in _values(frame, SOURCE_FIELD) if isinstance(v, str) and v}
        rows.append([layer_spec(name).label(lang), integer(n, lang),
                     percent(100.0 * schematic / n, lang, 0) if n else DASH,
                     *[integer(sum(1 for v in confidence if v == c), lang)
                       for c in confidence_codes],
                     integer(len(sources), lang)])
    missing = [layer_spec(name).label(lang) for name in LAYER_NAMES if name not in inv.layers]
    return {"head": head, "rows": rows, "schematic": schematic_any, "missing": missing}


def _values(frame: Any, column: str) -> Sequence[Any]:
    return frame[column].astype(object).tolist() if column in frame.columns else []
