from __future__ import annotations

from pathlib import Path

import pytest

import kimson_geo


def test_lengths_and_areas_match_hand_computed(small_dir: Path) -> None:
    summary = kimson_geo.load(small_dir).summary()["layers"]
    roads = summary["roads"]
    assert roads["features"] == 4
    # segments of 100, 100, 80 and 50 m, laid out in EPSG:5899 metres
    assert roads["length_m"] == pytest.approx(330.0, abs=0.05)
    assert roads["by"]["kind"]["main"] == pytest.approx(200.0, abs=0.05)
    assert roads["by"]["kind"]["inter_khu"] == pytest.approx(80.0, abs=0.05)
    assert roads["by"]["kind"]["inter_group"] == 0.0
    assert roads["by"]["kind"]["alley"] == pytest.approx(50.0, abs=0.05)
    assert roads["by"]["surface"]["asphalt"] == pytest.approx(200.0, abs=0.05)
    assert roads["by"]["surface"]["earth"] == pytest.approx(50.0, abs=0.05)
    # two khu of 150 m x 250 m
    assert summary["khu"]["area_ha"] == pytest.approx(7.5, abs=0.001)
    assert summary["cultural_houses"]["by"]["kind"] == {"khu": 1, "ward": 0}


def test_summary_is_json_serialisable(small_dir: Path) -> None:
    import json

    json.dumps(kimson_geo.load(small_dir).summary())


def test_odd_values_and_missing_fields(small_roads, small_khu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Arrays and objects in coded fields count under their JSON text; a missing field is
    left out; a missing geometry measures 0; the result is valid JSON."""
    import json

    import numpy as np

    from kimson_geo.inventory import from_frames

    roads = small_roads.drop(columns=["surface"])
    roads["kind"] = roads["kind"].astype(object)
    roads.at[0, "kind"] = np.array(["main", "alley"], dtype=object)
    roads.at[1, "kind"] = {"v": "main"}
    roads.loc[3, "geometry"] = None
    summary = from_frames({"roads": roads, "khu": small_khu}).summary()["layers"]["roads"]
    assert "surface" not in summary["by"]
    kinds = summary["by"]["kind"]
    assert kinds['["main", "alley"]'] == pytest.approx(100.0, abs=0.05)
    assert kinds['{"v": "main"}'] == pytest.approx(100.0, abs=0.05)
    assert kinds["main"] == 0.0 and kinds["alley"] == 0.0
    assert summary["length_m"] == pytest.approx(280.0, abs=0.05)
    json.loads(json.dumps(summary, allow_nan=False))
