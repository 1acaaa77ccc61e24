"""Numbers as written in Vietnamese deliveries: decimal commas, units in the text, money.

Each parser returns ``(value, None)`` or ``(None, reason)``; a reason is one short phrase
the import report shows beside the raw text.  A range (``5-6``) is refused, never guessed.

Examples
--------
>>> parse_number("5,5 m")
(5.5, None)
>>> parse_number("5.0m")
(5.0, None)
>>> parse_number("5-6")[1]
'a range (5-6): give one number'
>>> parse_money("1,5 tỷ")
(1500000000, None)
>>> parse_money("1.500.000.000 đ")
(1500000000, None)
"""

from __future__ import annotations

import math
import re

from .dictionary import fold

__all__ = ["parse_number", "parse_money", "parse_int"]

_NUMBER = r"\d+(?:[.,]\d+)*"
_RANGE = re.compile(rf"^\s*(?:tu\s+)?({_NUMBER})\s*(?:-|–|—|÷|~|den|toi|to)\s*({_NUMBER})")
#: a label before the number: "B=5,5 m", "rộng: 5 m", "trên 1,5 tỷ"
_LABEL = re.compile(r"^[^\d=:]{0,24}[=:]\s*")
_LABEL_WORDS = {"be", "rong", "khoang", "tren", "nam", "chieu", "gan", "hon", "duoi"}
_LENGTH_UNITS = {"": 1.0, "m": 1.0, "met": 1.0, "cm": 0.01, "km": 1000.0, "mm": 0.001}
_MONEY_UNITS = {
    "": 1, "d": 1, "dong": 1, "vnd": 1, "vn d": 1,
    "nghin": 1_000, "ngan": 1_000, "nghin dong": 1_000, "ngan dong": 1_000, "k": 1_000,
    "trieu": 1_000_000, "tr": 1_000_000, "trieu dong": 1_000_000, "trd": 1_000_000,
    "ty": 1_000_000_000, "ti": 1_000_000_000, "ty dong": 1_000_000_000,
    "ti dong": 1_000_000_000,
}
_THOUSANDS_DOT = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_THOUSANDS_COMMA = re.compile(r"^\d{1,3}(?:,\d{3}){2,}$")


def _split(text: str) -> tuple[str, str] | None:
    """``(number, unit)`` of folded ``text`` after an optional label, or None."""
    # fold keeps digits and words; put the separators of the number back from the original
    match = re.match(rf"^\s*(-?{_NUMBER})\s*(.*)$", text)
    if match is None:
        return None
    return match.group(1), fold(match.group(2))


def _prepare(raw: object) -> str | float | None:
    """``raw`` as lower-case text without a leading label, a float, or None (empty)."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return None if isinstance(raw, float) and math.isnan(raw) else float(raw)
    text = _LABEL.sub("", str(raw).strip().lower())
    words = text.split()
    while words and not words[0][0].isdigit() and fold(words[0]) in _LABEL_WORDS:
        words.pop(0)
    return " ".join(words) or None


def _decimal(number: str, *, thousands_dot: bool) -> float | None:
    """A number with a decimal comma or point (``5,5``, ``5.5``), or with dots (or commas)
    between thousands when ``thousands_dot`` or there are two or more groups."""
    if _THOUSANDS_COMMA.match(number):
        return float(number.replace(",", ""))
    if _THOUSANDS_DOT.match(number) and (thousands_dot or number.count(".") > 1):
        return float(number.replace(".", ""))
    if number.count(",") + number.count(".") > 1:
        if re.match(r"^\d{1,3}(?:\.\d{3})+,\d+$", number):  # 1.500,5
            return float(number.replace(".", "").replace(",", "."))
        if re.match(r"^\d{1,3}(?:,\d{3})+\.\d+$", number):  # 1,500.5
            return float(number.replace(",", ""))
        return None
    return float(number.replace(",", "."))


def parse_number(raw: object) -> tuple[float | None, str | None]:
    """A length or other measure written the Vietnamese way, in metres when it has a unit.

    ``"5,5"``, ``"5.5m"``, ``"5,5 m"``, ``"B=5,5m"`` → 5.5; ``"5-6"`` is refused.
    """
    text = _prepare(raw)
    if text is None:
        return None, None
    if isinstance(text, float):
        return text, None
    folded = fold(text)
    if _RANGE.match(text) or _RANGE.match(folded):
        return None, f"a range ({str(raw).strip()}): give one number"
    parts = _split(text)
    if parts is None:
        return None, "not a number"
    number, unit = parts
    if unit not in _LENGTH_UNITS:
        return None, f"unknown unit {unit!r}"
    value = _decimal(number.lstrip("-"), thousands_dot=False)
    if value is None:
        return None, "not a number"
    sign = -1.0 if number.startswith("-") else 1.0
    return sign * value * _LENGTH_UNITS[unit], None


def parse_int(raw: object) -> tuple[int | None, str | None]:
    """A whole number (a year, a count): ``"2017"``, ``"năm 2017"``, ``"1.200"`` (thousands)."""
    text = _prepare(raw)
    if text is None:
        return None, None
    if isinstance(text, float):
        return (int(text), None) if text == int(text) else (None, "not a whole number")
    if _RANGE.match(text):
        return None, f"a range ({str(raw).strip()}): give one number"
    parts = _split(text)
    if parts is None or parts[1] not in ("", "ho", "nam"):
        return None, "not a whole number"
    value = _decimal(parts[0].lstrip("-"), thousands_dot=True)
    if value is None or value != int(value):
        return None, "not a whole number"
    return int(value) * (-1 if parts[0].startswith("-") else 1), None


def parse_money(raw: object) -> tuple[int | None, str | None]:
    """An amount in đồng: ``"1,5 tỷ"``, ``"1.500.000.000 đ"``, ``"1500 triệu"``, ``"trên 1 tỷ"``."""
    text = _prepare(raw)
    if text is None:
        return None, None
    if isinstance(text, float):
        return int(round(text)), None
    if _RANGE.match(text) or _RANGE.match(fold(text)):
        return None, f"a range ({str(raw).strip()}): give one amount"
    parts = _split(text)
    if parts is None:
        return None, "not an amount"
    number, unit = parts
    if unit not in _MONEY_UNITS:
        return None, f"unknown unit {unit!r}"
    scale = _MONEY_UNITS[unit]
    # with a unit of thousands or more, "1,5" and "1.5" are decimals; in đồng, dots group
    value = _decimal(number.lstrip("-"), thousands_dot=scale == 1)
    if value is None:
        return None, "not an amount"
    return int(round(value * scale)), None
