"""Words the map shows that are not in the registry, and how values are written out.

Layer, field and code labels come from :mod:`kimson_geo.registry`; this module only holds
the map's own interface text (legend titles, attribution, the claims panel) in Vietnamese
and English, and turns attribute values into escaped HTML text (:func:`esc`) or text that
is safe on a terminal (:func:`plain`).
"""

from __future__ import annotations

import html
import re
from numbers import Integral, Real
from typing import Any

__all__ = ["LANGS", "UI", "check_lang", "esc", "format_value", "plain", "unit_text", "ui"]

#: Languages the map can be drawn in.
LANGS: tuple[str, ...] = ("vi", "en")

#: Interface text, key -> (Vietnamese, English); :data:`UI` by language.
_TEXTS: dict[str, tuple[str, str]] = {
    "page_title": ("Bản đồ hạ tầng", "Infrastructure map"),
    "legend": ("Chú giải", "Legend"),
    "schematic": ("Vị trí minh họa (sơ đồ), không phải số liệu đo đạc",
                  "Illustrative (schematic) positions, not survey data"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    "problems": ("Lỗi kiểm tra dữ liệu", "Validation problems"),
    "severity_error": ("Lỗi", "Error"),
    "severity_warning": ("Cảnh báo", "Warning"),
    "rule": ("Quy tắc", "Rule"),
    "severity": ("Mức độ", "Severity"),
    "layer": ("Lớp", "Layer"),
    "feature": ("Đối tượng (thứ tự)", "Feature (index)"),
    "feature_id": ("Mã đối tượng", "Feature id"),
    "field": ("Trường", "Field"),
    "message": ("Nội dung", "Message"),
    "claims": ("Kiểm tra số liệu báo cáo", "Checks of the report's claims"),
    "claim": ("Tiêu chí", "Claim"),
    "value": ("Đo được", "Measured"),
    "target": ("Mục tiêu", "Target"),
    "result": ("Kết quả", "Result"),
    "pass": ("Đạt", "Pass"),
    "fail": ("Chưa đạt", "Fail"),
    "search": ("Tìm theo tên", "Search by name"),
    "fullscreen": ("Toàn màn hình", "Full screen"),
    "exit_fullscreen": ("Thoát toàn màn hình", "Exit full screen"),
    "osm": ("OpenStreetMap", "OpenStreetMap"),
    "positron": ("CartoDB Positron (nền sáng)", "CartoDB Positron (light)"),
    "width_by": ("Độ rộng nét theo", "Line width by"),
    "color_by": ("Màu theo", "Colour by"),
    "no_tiles": ("Không tải được nền bản đồ (không có mạng); các lớp dữ liệu vẫn hiển thị.",
                 "Basemap tiles could not be loaded (no network); the data layers still draw."),
}
UI: dict[str, dict[str, str]] = {lang: {key: texts[i] for key, texts in _TEXTS.items()}
                                  for i, lang in enumerate(LANGS)}


# Units the registry writes in Vietnamese, as a reader of each language expects them
# after a value ("" hides the unit: a year needs none).
_UNIT_TEXT: dict[str, dict[str, str]] = {
    "vi": {"năm": "", "year": ""},
    "en": {"hộ": "households", "năm": "", "year": ""},
}


def check_lang(lang: str) -> str:
    """``lang`` when the map can be drawn in it.

    Raises
    ------
    ValueError
        If ``lang`` is not one of :data:`LANGS`.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown map language {lang!r}; use one of: {', '.join(LANGS)}")
    return lang


def ui(key: str, lang: str) -> str:
    """Interface text ``key`` in ``lang``, HTML-escaped."""
    return esc(UI[lang][key])


def esc(value: object) -> str:
    """``value`` as text that is safe anywhere in HTML text or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


# C0 and C1 controls and DEL (ESC starts colour, title and hyperlink sequences; C1 0x9b is
# a one-byte CSI), bidi overrides that reorder what is shown, and lone surrogates that no
# terminal encoding can write.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(value: object) -> str:
    r"""``value`` as text that cannot drive a terminal: control characters, bidi overrides
    and lone surrogates are written as ``\x1b``-style escapes.

    Used for every value from the data (or the user) that the CLI prints: tables, issue
    lines and error messages.

    Examples
    --------
    >>> plain("Ngõ 3\x1b]0;owned\x07")
    'Ngõ 3\\x1b]0;owned\\x07'
    >>> plain(None)
    ''
    """
    return _UNSAFE.sub(_escape_char, "" if value is None else str(value))


def unit_text(unit: str | None, lang: str) -> str:
    """The unit as shown after a value in ``lang`` (escaped; empty when none)."""
    return esc(_UNIT_TEXT[lang].get(unit, unit)) if unit else ""


def _format_number(value: Any, lang: str) -> str:
    """``value`` with the grouping and decimal marks of ``lang`` (vi: 1.500.000,5)."""
    if isinstance(value, Integral) or float(value).is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{float(value):,.6f}".rstrip("0").rstrip(".")
    return text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text


def format_value(value: Any, lang: str, *, codes: Any = None) -> str | None:
    """One attribute value as escaped display text, or None when it is missing.

    Booleans become yes/no, numbers get the decimal marks of ``lang``, and a coded value
    its label (``codes`` is a :class:`~kimson_geo.registry.FieldSpec`-like object with
    ``code_label``).
    """
    from ..text import is_missing

    if is_missing(value):
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return ui("yes" if value else "no", lang)
    if codes is not None:
        return esc(codes.code_label(value, lang))
    if isinstance(value, Real):  # infinities come out as inf, as str() writes them
        return esc(_format_number(value, lang))
    return esc(value)
