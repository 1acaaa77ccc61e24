from __future__ import annotations

import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from kimson_geo.inventory import Inventory
from kimson_geo.io.read import read_layer
from kimson_geo.registry import ID, KHU_LAYER, KIND, NAME, ROADS_LAYER, SURFACE, WIDTH, layer_spec
from kimson_geo.validation.attributes import type_errors
from kimson_geo.validation.rules import Context, check, run_rules

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
    roads = roads.drop(columns=["confidence", "surface"])
    issues = _run({"roads": roads}, "required-field")
    found = {(i.feature, i.field) for i in issues}
    assert (2, "name") in found and (None, "confidence") in found and (None, "surface") in found
    assert _run({"roads": small_roads}, "required-field") == []


def test_missing_only_provenance_is_one_warning_naming_the_import(small_roads) -> None:
    roads = small_roads.drop(columns=["confidence", "source"])
    assert _run({"roads": roads}, "required-field") == []
    warned = _run({"roads": roads}, "provenance-missing")
    assert len(warned) == 1 and warned[0].severity == "warning"
    assert "kimson-geo import" in warned[0].message


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


# ------------------------------------------------ vectorised type, blank and schema

def _odd_values(n: int = 3000) -> pd.Series:
    """An object column of every kind of value a frame may hold, nulls included."""
    rng = np.random.default_rng(3)
    pool: list = ["text", "", "   ", "\t\n", " x ", "5,5", 4, 2.5, np.float64(3.5), np.int64(7),
                  True, False, np.True_, None, np.nan, pd.NA, b"bytes", np.str_("  "),
                  np.str_("y"), 10**20]
    return pd.Series([pool[k] for k in rng.integers(0, len(pool), n)], dtype=object)


def _layer_of(layer: str, column: str, values: pd.Series) -> Context:
    """A context holding one layer whose ``column`` holds ``values`` (no geometry)."""
    frame = gpd.GeoDataFrame({column: values}, geometry=[None] * len(values), crs="EPSG:4326")
    return Context({layer: frame})


def _field_of_type(layer: str, kind: str) -> str:
    return next(f.name for f in layer_spec(layer).fields if f.type == kind)


@pytest.mark.parametrize("layer,kind", [(ROADS_LAYER, "str"), (ROADS_LAYER, "bool"),
                                        (KHU_LAYER, "int"), (ROADS_LAYER, "float")])
def test_type_errors_tested_per_type_match_a_test_per_value(layer: str, kind: str) -> None:
    fits = {"str": lambda v: isinstance(v, str), "bool": lambda v: isinstance(v, bool),
            "int": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)}
    values = _odd_values()
    field = _field_of_type(layer, kind)
    expected = ~(values.isna() | values.map(fits[kind])).to_numpy(dtype=bool)
    found = type_errors(_layer_of(layer, field, values), layer, field)
    assert found.tolist() == expected.tolist()
    assert 0 < found.sum() < len(values)


@pytest.mark.parametrize("values", [
    _odd_values(),                                               # few texts: value by value
    _odd_values(9000),                                           # many: through ``.str``
    pd.Series([1.5] * 500 + [" ", "a", None, "", True], dtype=object),
    pd.Series(["a", " ", "\t", "b", None] * 600, dtype=object),  # text only
], ids=["few-texts", "many-texts", "mostly-numbers", "text-only"])
def test_required_text_is_empty_where_null_or_blank(values: pd.Series) -> None:
    blank = values.map(lambda v: isinstance(v, str) and not v.strip())
    expected = (values.isna() | blank).to_numpy(dtype=bool).nonzero()[0].tolist()
    table = check(_layer_of(ROADS_LAYER, NAME, values), only=["required-field"]).table
    table = table[table["field"] == NAME]
    assert table["index"].tolist() == expected and expected


def _pandera_oracle(frame: pd.DataFrame, layer: str) -> set[tuple[str, int, str]]:
    """(field, row, value) of every code and range failure that pandera finds when it
    validates the whole layer against the registry's codes and ranges."""
    import pandera.pandas as pa

    columns = {}
    for field in layer_spec(layer).fields:
        if field.name not in frame.columns:
            continue
        if field.codes:
            columns[field.name] = pa.Column(checks=pa.Check.isin(list(field.codes)),
                                            nullable=True, required=False)
        elif field.range is not None:
            columns[field.name] = pa.Column(checks=pa.Check.in_range(*field.range),
                                            nullable=True, required=False)
    data = pd.DataFrame(frame.drop(columns="geometry"))
    for name in columns:  # values of another type are field-type's, not these rules'
        bad = type_errors(Context({layer: frame}), layer, name)
        data[name] = data[name].astype(object).where(~bad)
        if layer_spec(layer).field(name).type in ("int", "float"):
            data[name] = pd.to_numeric(data[name], errors="coerce")
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        pa.DataFrameSchema(columns).validate(data, lazy=True)
    cases = caught.value.failure_cases
    return {(str(c), int(i), str(v)) for c, i, v in
            zip(cases["column"], cases["index"], cases["failure_case"], strict=True)}


def test_code_and_range_issues_are_what_pandera_finds_on_the_whole_layer(small_roads) -> None:
    rng = np.random.default_rng(8)
    roads = pd.concat([small_roads] * 50, ignore_index=True)
    roads[ID] = [f"r{k}" for k in range(len(roads))]
    roads[KIND] = rng.choice(["main", "alley", "street", None], len(roads), p=[.5, .4, .05, .05])
    width = rng.choice([3.0, 75.0, 0.1, np.nan], len(roads), p=[.8, .1, .05, .05]).astype(object)
    width[rng.integers(0, len(roads), 5)] = "5,5"
    roads[WIDTH] = width
    roads[SURFACE] = rng.choice(["asphalt", "nhựa"], len(roads), p=[.95, .05])
    frame = gpd.GeoDataFrame(roads, geometry="geometry", crs=small_roads.crs)

    expected = _pandera_oracle(frame, ROADS_LAYER)
    table = check(Context({ROADS_LAYER: frame}), only=["unknown-code", "value-range"]).table
    found = set()
    for field, row, message in zip(table["field"], table["index"], table["message"],
                                   strict=True):
        value = next(v for f, r, v in expected if (f, r) == (field, row))
        assert message.startswith((repr(value), value)), message
        found.add((field, int(row), value))
    assert len(expected) > 20 and found == expected
    assert set(table["rule"]) == {"unknown-code", "value-range"}
    assert check(Context({ROADS_LAYER: small_roads}),
                 only=["unknown-code", "value-range"]).table.empty


# --------------------------------------------- any value of any type: field-type, never a crash

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 100),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.text(max_size=4), st.sampled_from(["main", "inter_khu", "concrete", "earth", "r1"]),
    st.dictionaries(st.text(max_size=2), st.booleans(), max_size=2),
    st.lists(st.integers(0, 3), max_size=2),
)
_FIELDS = ("id", "kind", "surface", "width_m", "dead_end", "name")
_ATTRIBUTE_RULES = ["field-type", "required-field", "unknown-code", "value-range", "unique-id",
                    "main-road-width", "road-not-concrete"]


def _fits(value: object, kind: str) -> bool:
    """The registry's types, value by value (the oracle; nulls fit)."""
    if value is None or (isinstance(value, float) and value != value):
        return True
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries({f: st.lists(_ANY_VALUE, min_size=4, max_size=4)
                                     for f in _FIELDS}))
def test_any_value_of_any_type_is_a_field_type_issue_on_that_feature_only(
        small_roads, values: dict[str, list]) -> None:  # type: ignore[type-arg]
    roads = small_roads.copy()
    for name, column in values.items():
        roads[name] = pd.Series(column, dtype=object, index=roads.index)
    table = check(Context({"roads": roads}), only=_ATTRIBUTE_RULES).table
    spec = layer_spec("roads")
    wrong = {(row, name) for name in _FIELDS for row, value in enumerate(values[name])
             if not _fits(value, spec.field(name).type)}
    typed = table[table["rule"] == "field-type"]
    assert set(zip(typed["index"].tolist(), typed["field"].tolist(), strict=True)) == wrong
    others = table[table["rule"] != "field-type"]
    for row, name in zip(others["index"].tolist(), others["field"].tolist(), strict=True):
        assert (row, name) not in wrong  # no second issue about a value of another type
    assert table["message"].map(lambda m: isinstance(m, str) and bool(m)).all()
