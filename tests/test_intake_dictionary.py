"""The built-in dictionary and its matching (kimson_geo.intake.dictionary)."""

from __future__ import annotations

import pytest

from kimson_geo.errors import SchemaError
from kimson_geo.intake.dictionary import builtin_dictionary, fold
from kimson_geo.registry import LAYER_NAMES, layer_spec


def test_fold_strips_marks_and_separators() -> None:
    assert fold("ĐƯỜNG_Trục  chính") == "duong truc chinh"
    assert fold("Nhà\u0300 văn-hóa") == fold("Nhà văn hóa")


@pytest.mark.parametrize("column, field", [
    ("TEN_DUONG", "name"), ("LOAI_DUONG", "kind"), ("KET_CAU", "surface"), ("KC", "surface"),
    ("BE_RONG", "width_m"), ("Bề rộng", "width_m"), ("KET_CAU_MA", "surface"),
    ("width_m", "width_m"), ("Mặt đường", "surface"),
])
def test_road_fields(column: str, field: str) -> None:
    assert builtin_dictionary().field_for("roads", column).field == field


@pytest.mark.parametrize("value, code", [
    ("Đường trục chính", "main"), ("Đường liên khu", "inter_khu"), ("Đường liên tổ", "inter_group"),
    ("Ngõ xóm", "alley"), ("duong truc chinh", "main"),
])
def test_road_kinds(value: str, code: str) -> None:
    assert builtin_dictionary().code_for("roads", "kind", value) == (code, "high")


@pytest.mark.parametrize("value, code", [
    ("BTXM", "concrete"), ("Bê tông xi măng", "concrete"), ("BT", "concrete"),
    ("Láng nhựa", "asphalt"), ("BTN", "asphalt"), ("Cấp phối", "gravel"), ("CP", "gravel"),
    ("Đất", "earth"),
])
def test_surfaces(value: str, code: str) -> None:
    assert builtin_dictionary().code_for("roads", "surface", value) == (code, "high")


def test_a_value_holding_a_name_is_less_sure_and_an_unknown_one_is_none() -> None:
    d = builtin_dictionary()
    assert d.code_for("roads", "surface", "Bê tông xi măng M250") == ("concrete", "medium")
    assert d.code_for("roads", "surface", "Đá hộc") == (None, "low")


@pytest.mark.parametrize("name, layer", [
    ("giao thong", "roads"), ("GIAO_THONG", "roads"), ("duong", "roads"),
    ("DUONG_BTXM", "roads"), ("thoat nuoc", "drainage"), ("MUONG", "drainage"),
    ("CONG", "drainage"), ("nha van hoa", "cultural_houses"), ("khu the thao", "sports_areas"),
    ("cum cong nghiep Kim Sơn", "industrial_clusters"),
    ("Danh sách nhà văn hóa", "cultural_houses"),
])
def test_layer_names(name: str, layer: str) -> None:
    assert builtin_dictionary().layer_for(name).layer == layer


def test_every_dictionary_target_is_in_the_registry() -> None:
    d = builtin_dictionary()  # building it checks every layer, field and code it names
    assert d.layer_for("roads").layer == "roads"
    for layer in LAYER_NAMES:
        for field in layer_spec(layer).fields:
            assert d.field_for(layer, field.name).field == field.name


def test_a_mapping_overrides_and_is_checked() -> None:
    d = builtin_dictionary().with_mapping({"fields": {"roads": {"KET_CAU": "", "VL": "surface"}},
                                           "values": {"roads": {"surface": {"Đá hộc": "gravel"}}}})
    assert d.field_for("roads", "KET_CAU").field is None
    assert d.field_for("roads", "VL").field == "surface"
    assert d.code_for("roads", "surface", "Đá hộc") == ("gravel", "high")
    with pytest.raises(SchemaError, match="not a code"):
        builtin_dictionary().with_mapping({"values": {"roads": {"surface": {"x": "stone"}}}})
    with pytest.raises(SchemaError, match="no field"):
        builtin_dictionary().with_mapping({"fields": {"roads": {"x": "colour"}}})
