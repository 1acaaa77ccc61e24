from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from kimson_geo.inventory import Inventory
from kimson_geo.registry import layer_spec
from kimson_geo.validation.rules import Context, run_rules

from _support import copy_bundled, edit_features, metric_to_wgs84


def _run(frames: dict, rule_id: str) -> list:  # type: ignore[type-arg]
    return list(run_rules(Context(Inventory(layers=frames)), only=[rule_id]))


def test_main_road_width(small_roads) -> None:
    issues = _run({"roads": small_roads}, "main-road-width")
    assert [(i.feature_id, i.field) for i in issues] == [("r2", "width_m")]
    assert "4 m wide" in issues[0].message
    fixed = small_roads.copy()
    fixed.loc[1, "width_m"] = 6.0
    assert _run({"roads": fixed}, "main-road-width") == []


def test_inter_khu_and_inter_group_must_be_concrete(small_roads) -> None:
    roads = small_roads.copy()
    assert _run({"roads": roads}, "road-not-concrete") == []  # the earth road is an alley
    roads.loc[2, "surface"] = "gravel"
    issues = _run({"roads": roads}, "road-not-concrete")
    assert [i.feature_id for i in issues] == ["r3"]
    assert "gravel" in issues[0].message


def test_khu_without_cultural_house(small_khu, small_points) -> None:
    issues = _run({"khu": small_khu, "cultural_houses": small_points}, "khu-has-cultural-house")
    assert [i.feature_id for i in issues] == ["khu-b"]
    second = small_points.copy()
    second.loc[0, "khu"] = "khu-b"
    both = gpd.GeoDataFrame(pd.concat([small_points, second], ignore_index=True),
                            crs=small_points.crs)
    both.loc[1, "id"] = "ch-b"
    assert _run({"khu": small_khu, "cultural_houses": both}, "khu-has-cultural-house") == []


def test_khu_without_sports_area(small_khu, small_points) -> None:
    issues = _run({"khu": small_khu, "sports_areas": small_points}, "khu-has-sports-area")
    assert [i.feature_id for i in issues] == ["khu-b"]


def test_environment_watch_near_homes(small_khu, small_points) -> None:
    enterprise = small_points.copy()
    enterprise["kind"] = "brick_tile"
    # 30 m inside khu-a: next to homes
    near = enterprise.set_geometry(metric_to_wgs84([Point(0, 30)]))
    issues = _run({"khu": small_khu, "enterprises": near}, "environment-watch")
    assert len(issues) == 1 and issues[0].severity == "warning"
    # 400 m east of the khu: nobody lives there
    far = enterprise.set_geometry(metric_to_wgs84([Point(650, 30)]))
    assert _run({"khu": small_khu, "enterprises": far}, "environment-watch") == []


# ------------------------------------------------------------ a field the rules need is missing

MISSING = [("roads", "surface", {"road-not-concrete"}),
           ("roads", "width_m", {"main-road-width"}),
           ("roads", "kind", {"main-road-width", "road-not-concrete"}),
           ("cultural_houses", "kind", {"khu-has-cultural-house"}),
           ("cultural_houses", "khu", {"khu-has-cultural-house", "service-outside-khu"}),
           ("khu", "id", {"khu-has-cultural-house", "khu-has-sports-area", "unique-id"}),
           ("khu", "name", set())]


@pytest.mark.parametrize(("layer", "field", "skipped"), MISSING,
                         ids=[f"{layer}-{field}" for layer, field, _ in MISSING])
def test_missing_field_is_required_field_and_the_rules_say_they_skipped(
        tmp_path: Path, layer: str, field: str, skipped: set[str]) -> None:
    import kimson_geo

    folder = copy_bundled(tmp_path)
    def drop(features: list) -> None:  # type: ignore[type-arg]
        for feature in features:
            feature["properties"].pop(field, None)

    edit_features(folder, layer, drop)
    report = kimson_geo.validate(folder)
    table = report.table
    required = table[(table["rule"] == "required-field") & (table["layer"] == layer)]
    wanted = [field] if layer_spec(layer).field(field).required else []
    assert list(required["field"]) == wanted and required["index"].isna().all()
    notes = table[table["rule"] == "rule-skipped"]
    assert set(notes["severity"]) <= {"warning"}
    assert {m.split()[0] for m in notes["message"]} == skipped
    assert (notes["field"] == field).all()
    # the khu's rules did not flag every khu for want of a field elsewhere
    assert not (table["rule"].isin(list(skipped)) & (table["rule"] != "rule-skipped")).any()
    for claim in report.claims:  # measured, or says why not
        assert claim.passed is not None or claim.note
    json.loads(report.to_json())
