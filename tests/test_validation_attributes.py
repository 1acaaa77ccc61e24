from __future__ import annotations

import unicodedata
from pathlib import Path

import geopandas as gpd

from kimson_geo.inventory import Inventory
from kimson_geo.io.read import read_layer
from kimson_geo.validation.rules import Context, run_rules

from _support import write_geojson


def _run(frames: dict, rule_id: str) -> list:  # type: ignore[type-arg]
    return list(run_rules(Context(Inventory(layers=frames)), only=[rule_id]))


def _through_file(tmp_path: Path, frame: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """Write ``frame`` as GeoJSON and read it back as ``layer`` (as a user's file would be)."""
    return read_layer(write_geojson(tmp_path / f"{layer}.geojson", frame), layer)


def test_decimal_comma_is_a_type_error_with_a_hint(tmp_path: Path, small_roads) -> None:
    roads = small_roads.copy()
    roads["width_m"] = roads["width_m"].astype(object)
    roads.loc[1, "width_m"] = "5,5"
    issues = _run({"roads": _through_file(tmp_path, roads, "roads")}, "field-type")
    assert [(i.feature, i.feature_id, i.field) for i in issues] == [(1, "r2", "width_m")]
    assert "use 5.5" in issues[0].message and issues[0].severity == "error"


def test_clean_types_pass(tmp_path: Path, small_roads) -> None:
    assert _run({"roads": _through_file(tmp_path, small_roads, "roads")}, "field-type") == []


def test_missing_required_value_and_field(small_roads) -> None:
    roads = small_roads.copy()
    roads.loc[2, "name"] = "  "
    roads = roads.drop(columns=["confidence"])
    issues = _run({"roads": roads}, "required-field")
    found = {(i.feature, i.field) for i in issues}
    assert (2, "name") in found and (None, "confidence") in found
    assert _run({"roads": small_roads}, "required-field") == []


def test_unknown_code_lists_the_allowed_ones(small_roads) -> None:
    roads = small_roads.copy()
    roads.loc[3, "surface"] = "bê tông"
    issues = _run({"roads": roads}, "unknown-code")
    assert [(i.feature, i.field) for i in issues] == [(3, "surface")]
    assert "concrete" in issues[0].message
    assert _run({"roads": small_roads}, "unknown-code") == []


def test_value_range(small_roads) -> None:
    roads = small_roads.copy()
    roads.loc[0, "width_m"] = 75.0
    issues = _run({"roads": roads}, "value-range")
    assert [(i.feature, i.field) for i in issues] == [(0, "width_m")]
    assert "0.5–60 m" in issues[0].message
    assert _run({"roads": small_roads}, "value-range") == []


def test_duplicate_ids_name_every_copy(small_roads) -> None:
    roads = small_roads.copy()
    roads.loc[3, "id"] = "r1"
    issues = _run({"roads": roads}, "unique-id")
    assert sorted(i.feature for i in issues) == [0, 3]
    assert _run({"roads": small_roads}, "unique-id") == []


def test_unknown_field_is_a_warning(small_roads) -> None:
    roads = small_roads.copy()
    roads["widht_m"] = 1.0
    issues = _run({"roads": roads}, "unknown-field")
    assert [(i.field, i.severity) for i in issues] == [("widht_m", "warning")]
    assert _run({"roads": small_roads}, "unknown-field") == []


def test_non_nfc_text_is_a_warning(tmp_path: Path, small_khu) -> None:
    khu = small_khu.copy()
    khu.loc[0, "name"] = unicodedata.normalize("NFD", "Kim Thành")
    loaded = _through_file(tmp_path, khu, "khu")
    issues = _run({"khu": loaded}, "text-nfc")
    assert [(i.feature, i.field, i.severity) for i in issues] == [(0, "name", "warning")]
    assert _run({"khu": _through_file(tmp_path, small_khu, "khu")}, "text-nfc") == []
