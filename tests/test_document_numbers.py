"""Numbers in the report: Vietnamese marks in vi, English in en."""

from __future__ import annotations

import math

import pytest

from kimson_geo.document import numbers


@pytest.mark.parametrize(("value", "lang", "decimals", "expected"), [
    (1234567.891, "vi", 2, "1.234.567,89"),
    (1234567.891, "en", 2, "1,234,567.89"),
    (0.5, "vi", 1, "0,5"),
    (-0.001, "vi", 2, "0,00"),
    (12.0, "en", 0, "12"),
])
def test_number_marks(value: float, lang: str, decimals: int, expected: str) -> None:
    assert numbers.number(value, lang, decimals) == expected


def test_units_and_shares() -> None:
    assert numbers.km(20_480.4, "vi") == "20,48 km"
    assert numbers.km(20_480.4, "en") == "20.48 km"
    assert numbers.hectares(283_800.0, "vi") == "28,38 ha"
    assert numbers.metres(5.5, "vi") == "5,5 m"
    assert numbers.metres(5.0, "en") == "5 m"
    assert numbers.percent(96.45, "vi") == "96,45%"
    assert numbers.percent(100.0, "vi") == "100%"
    assert numbers.integer(1500, "vi") == "1.500"
    assert numbers.integer(1500, "en") == "1,500"


@pytest.mark.parametrize("missing", [None, math.nan])
def test_missing_values_are_a_dash(missing: object) -> None:
    for func in (numbers.km, numbers.percent, numbers.integer, numbers.hectares):
        assert func(missing, "vi") == numbers.DASH
