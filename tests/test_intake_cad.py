"""kimson_geo.intake.cad: AutoCAD drawings, their labels and their legacy-encoded text."""

from __future__ import annotations

import unicodedata
import warnings
from pathlib import Path

import pyogrio

from kimson_geo.intake import import_delivery
from kimson_geo.intake.cad import read_dxf
from kimson_geo.intake.dictionary import builtin_dictionary
from kimson_geo.registry import CULTURAL_HOUSES_LAYER, NAME, ROADS_LAYER, WIDTH

import _deliveries as D


def test_gdal_reads_tcvn3_text_as_its_code_page_mojibake(tmp_path: Path) -> None:
    # what the intake has to repair: GDAL decodes the TCVN3 bytes by $DWGCODEPAGE
    path = D.drawing(tmp_path, encoding="TCVN3")
    assert b"\xa7\xad\xeang Kim Th\xb5nh" in path.read_bytes()  # "Đường Kim Thành"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = pyogrio.read_dataframe(path)
    texts = set(raw["Text"].dropna())
    assert "Đường Kim Thành" not in texts
    assert D.tcvn3("Đường Kim Thành") in texts


def test_tcvn3_labels_are_repaired_to_nfc_vietnamese(tmp_path: Path) -> None:
    path = D.drawing(tmp_path / "in", encoding="TCVN3")
    result = import_delivery(path, None, dry_run=True)
    roads = result.layers[ROADS_LAYER]
    assert roads[NAME].tolist() == ["Đường Kim Thành", "Ngõ Lộc Hải"]
    assert roads[WIDTH].tolist() == [5.5, 3.5]
    houses = result.layers[CULTURAL_HOUSES_LAYER]
    assert houses[NAME].tolist() == ["Nhà văn hóa khu Kim Thành"]
    for name in [*roads[NAME], *houses[NAME]]:
        assert unicodedata.is_normalized("NFC", name)
    assert any("TCVN3" in n for n in result.notes)
    assert {u.encoding for u in result.plan.sources.values()} == {"TCVN3 (ABC)"}
    # the label far from every line is reported in Vietnamese too, not in mojibake
    assert any("ghi chú lạc" in r.reason for r in result.rejected)


def test_utf8_drawing_is_left_as_it_is(tmp_path: Path) -> None:
    tables = read_dxf(D.drawing(tmp_path), builtin_dictionary())
    assert {t.encoding for t in tables} == {None}
    names = [n for t in tables if NAME in t.frame.columns for n in t.frame[NAME].dropna()]
    assert "Ngõ Lộc Hải" in names and "Nhà văn hóa khu Kim Thành" in names
