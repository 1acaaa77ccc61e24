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
