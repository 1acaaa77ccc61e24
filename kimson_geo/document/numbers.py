"""Numbers as the report writes them: Vietnamese marks in ``vi`` (1.234,5), English in ``en``.

>>> number(1234.567, "vi", 2)
'1.234,57'
>>> number(1234.567, "en", 1)
'1,234.6'
>>> percent(96.45, "vi")
'96,45%'
>>> km(12345.0, "vi")
'12,35 km'
>>> hectares(125000.0, "en")
'12.5 ha'
"""

from __future__ import annotations

from typing import Any

from ..text import is_missing

__all__ = ["number", "integer", "percent", "km", "metres", "hectares", "DASH"]

#: Shown where a value is missing.
DASH = "–"


def _marks(text: str, lang: str) -> str:
    """Swap Python's ``,`` grouping and ``.`` decimal point for Vietnamese marks."""
    if lang == "vi":
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def number(value: Any, lang: str, decimals: int = 2, *, trim: bool = False) -> str:
    """``value`` with ``decimals`` decimals and the grouping of ``lang``.

    ``trim`` drops trailing zeros (12,50 → 12,5; 3,00 → 3).
    """
    if is_missing(value):
        return DASH
    text = f"{float(value):,.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.0", "-0.00") or (text.startswith("-") and float(value) == 0):
        text = text.lstrip("-")
    return _marks(text, lang)


def integer(value: Any, lang: str) -> str:
    """A count, grouped (1.234 in ``vi``)."""
    if is_missing(value):
        return DASH
    return _marks(f"{int(round(float(value))):,}", lang)


def percent(value: Any, lang: str, decimals: int = 2) -> str:
    """A share in percent, trailing zeros dropped (96,45%; 100%)."""
    if is_missing(value):
        return DASH
    return number(value, lang, decimals, trim=True) + "%"


def km(metres: Any, lang: str, decimals: int = 2) -> str:
    """A length given in metres, written in kilometres."""
    if is_missing(metres):
        return DASH
    return number(float(metres) / 1000.0, lang, decimals) + " km"


def metres(value: Any, lang: str, decimals: int = 1) -> str:
    """A width or short length in metres (5,5 m)."""
    if is_missing(value):
        return DASH
    return number(value, lang, decimals, trim=True) + " m"


def hectares(square_metres: Any, lang: str, decimals: int = 2) -> str:
    """An area given in square metres, written in hectares."""
    if is_missing(square_metres):
        return DASH
    return number(float(square_metres) / 1e4, lang, decimals, trim=True) + " ha"
