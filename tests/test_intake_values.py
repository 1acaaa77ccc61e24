"""Vietnamese numbers, money and refusals (kimson_geo.intake.values)."""

from __future__ import annotations

import pytest

from kimson_geo.intake.values import parse_int, parse_money, parse_number


@pytest.mark.parametrize("raw, value", [
    ("5,5", 5.5), ("6", 6.0), ("5.0 m", 5.0), ("5.5m", 5.5), ("5,5 m", 5.5), ("B=5,5m", 5.5),
    ("rộng 5 m", 5.0), ("bề rộng: 6m", 6.0), ("350 cm", 3.5), (4.5, 4.5), (None, None),
])
def test_numbers_as_written_in_vietnam(raw: object, value: float | None) -> None:
    assert parse_number(raw) == (value, None)


@pytest.mark.parametrize("raw", ["5-6", "5 - 6", "5÷6", "từ 5 đến 6", "5~6 m"])
def test_ranges_are_refused_not_guessed(raw: str) -> None:
    value, reason = parse_number(raw)
    assert value is None and reason is not None and reason.startswith("a range")


@pytest.mark.parametrize("raw, reason", [("abc", "not a number"), ("5 ft", "unknown unit")])
def test_not_numbers_say_why(raw: str, reason: str) -> None:
    assert parse_number(raw)[0] is None and reason in str(parse_number(raw)[1])


@pytest.mark.parametrize("raw, value", [
    ("1,5 tỷ", 1_500_000_000), ("1.500.000.000 đ", 1_500_000_000), ("1500 triệu", 1_500_000_000),
    ("trên 1,5 tỷ", 1_500_000_000), ("2 tỷ đồng", 2_000_000_000), ("1.5 ty", 1_500_000_000),
    ("1,500,000,000 VND", 1_500_000_000), ("850 triệu đồng", 850_000_000),
])
def test_money(raw: str, value: int) -> None:
    assert parse_money(raw) == (value, None)


def test_whole_numbers() -> None:
    assert parse_int("năm 2017") == (2017, None)
    assert parse_int("1.200") == (1200, None)
    assert parse_int("2017,5")[0] is None
